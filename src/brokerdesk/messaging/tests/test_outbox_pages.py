"""The outbox pages: who sees them, filters, a message's attempts, "retry now"; other scopes get 404."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from brokerdesk.messaging.choices import OutboundStatus
from brokerdesk.messaging.models import OutboundAttempt, OutboundMessage
from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.messaging.tests import outbound_fixtures
from brokerdesk.org.choices import Role, Scope
from tests.factories import make_customer, make_staff

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings


@pytest.fixture
def messages_a(org, outbound_settings):
    customer = make_customer(org["branch_a"])
    queued = message_send(actor=None, customer=customer, channel="sms", body="您好", purpose="service")
    failed = message_send(actor=None, customer=customer, channel="sms", body="再次", purpose="service")
    OutboundMessage.objects.filter(pk=failed.pk).update(status=OutboundStatus.FAILED, last_error="HTTP 400")
    OutboundAttempt.objects.create(message=failed, number=1, started_at=failed.created_at, outcome="permanent",
                                   error="HTTP 400 from the SMS gateway")
    return {"customer": customer, "queued": queued, "failed": failed}


def test_it_lists_the_outbox_with_masked_addresses_and_filters(users, login, messages_a):
    phone = messages_a["customer"].phones.get().number
    client = login(users["compliance"])

    page = client.get(reverse("messaging:outbox"))
    failed_only = client.get(reverse("messaging:outbox"), {"status": "failed", "channel": "sms"})

    assert page.status_code == 200 and page.content.decode().count('data-testid="outbox-row"') == 2
    assert phone not in page.content.decode() and phone[-4:] in page.content.decode()
    assert failed_only.content.decode().count('data-testid="outbox-row"') == 1


def test_it_shows_a_message_with_its_attempts(users, login, messages_a):
    response = login(users["supervisor"]).get(reverse("messaging:outbox_detail", args=[messages_a["failed"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="permanent"' in html and 'data-testid="retry"' in html


def test_it_keeps_the_outbox_from_agents(users, login, messages_a):
    client = login(users["agent"])
    assert client.get(reverse("messaging:outbox")).status_code == 403
    assert client.get(reverse("messaging:outbox_detail", args=[messages_a["queued"].pk])).status_code == 403


def test_it_answers_404_for_another_branchs_message_or_a_missing_one(org, login, messages_a):
    supervisor_b = make_staff("t_sup_b", Role.SUPERVISOR, scope=Scope.BRANCH, branch=org["branch_b"])
    client = login(supervisor_b)
    assert client.get(reverse("messaging:outbox_detail", args=[messages_a["queued"].pk])).status_code == 404
    assert client.get(reverse("messaging:outbox_detail", args=[999999])).status_code == 404
    assert client.post(reverse("messaging:outbox_retry", args=[messages_a["failed"].pk])).status_code == 404
    assert 'data-testid="outbox-row"' not in client.get(reverse("messaging:outbox")).content.decode()


def test_it_requeues_a_failed_message_from_the_page(users, login, messages_a):
    response = login(users["supervisor"]).post(reverse("messaging:outbox_retry", args=[messages_a["failed"].pk]))

    assert response.status_code == 302
    messages_a["failed"].refresh_from_db()
    assert messages_a["failed"].status == OutboundStatus.QUEUED  # dispatched after the commit


def test_it_refuses_to_retry_a_message_that_has_not_failed(users, login, messages_a):
    client = login(users["supervisor"])
    response = client.post(reverse("messaging:outbox_retry", args=[messages_a["queued"].pk]), follow=True)
    with translation.override("zh-hans"):  # the product's language, which the page is served in
        expected = gettext("Only a failed message can be sent again; this one is %(status)s.").split("%")[0]
    assert expected in response.content.decode()
    messages_a["queued"].refresh_from_db()
    assert messages_a["queued"].status == OutboundStatus.QUEUED
