"""The interaction page: scoped to the client's branch for branch staff, open to the centers; on the timeline."""

import pytest
from django.utils import timezone

from brokerdesk.contact_center.models import Interaction
from brokerdesk.contact_center.selectors import interactions_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def interaction(org, customer_a):
    return Interaction.objects.create(channel="phone", direction="inbound", customer=customer_a,
                                      center=org["center"], started_at=timezone.now(), summary="开户咨询来电")


def test_it_shows_the_interaction_to_its_clients_branch(interaction, users, login):
    response = login(users["branch_a"]).get(f"/cc/interactions/{interaction.pk}/")
    assert response.status_code == 200 and "开户咨询来电" in response.content.decode()


def test_it_answers_404_to_another_branch(interaction, users, login):
    response = login(users["branch_b"]).get(f"/cc/interactions/{interaction.pk}/")
    assert response.status_code == 404 and "开户咨询来电" not in response.content.decode()


def test_it_shows_every_interaction_to_the_centers(interaction, customer_b, users):
    Interaction.objects.create(channel="sms", direction="outbound", customer=customer_b, started_at=timezone.now())
    assert interactions_visible_to(users["agent"]).count() == 2
    assert list(interactions_visible_to(users["branch_a"])) == [interaction]
    assert not interactions_visible_to(users["admin"]).exists()  # no view_interaction


def test_it_lists_the_interaction_on_the_clients_timeline(interaction, customer_a, users, login):
    page = login(users["branch_a"]).get(f"/customers/{customer_a.pk}/").content.decode()
    assert f"/cc/interactions/{interaction.pk}/" in page
