"""The admin: read-only inbound messages, audited reads and raw download, "process again" for quarantine."""

import pytest
from django.urls import reverse

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.choices import InboundStatus
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.services import inbound_email_receive
from brokerdesk.messaging.tests import mails

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarantined(handler, mail_limits) -> InboundMessage:
    handler.fail_with = RuntimeError("tickets not ready")
    message = inbound_email_receive(raw=mails.plain(), peer=None, mail_from="a@example.com", rcpt_tos=[])
    handler.fail_with = None
    return message


def test_an_admin_lists_and_opens_a_message_and_the_opening_is_audited(users, login, quarantined):
    client = login(users["admin"])

    listing = client.get(reverse("admin:messaging_inboundmessage_changelist") + "?status__exact=quarantined")
    page = client.get(reverse("admin:messaging_inboundmessage_change", args=[quarantined.pk]))

    assert listing.status_code == 200 and "handler_error" in listing.content.decode()
    assert page.status_code == 200 and "咨询：融资融券开户条件" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # read-only
    assert AuditEvent.objects.filter(action="messaging.inbound_view", object_id=str(quarantined.pk),
                                     actor_id=users["admin"].pk).exists()


def test_the_raw_download_is_the_stored_bytes_and_is_audited(users, login, quarantined):
    response = login(users["admin"]).get(reverse("admin:messaging_inboundmessage_raw", args=[quarantined.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "message/rfc822"
    assert response.content == mails.plain()
    assert AuditEvent.objects.filter(action="messaging.inbound_raw_download", object_id=str(quarantined.pk)).exists()


def test_the_reprocess_action_routes_a_quarantined_message(users, login, quarantined, handler):
    response = login(users["admin"]).post(reverse("admin:messaging_inboundmessage_changelist"), {
        "action": "reprocess", "_selected_action": [quarantined.pk]}, follow=True)

    assert response.status_code == 200
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.ROUTED and quarantined.routed_to == "ticket:1002"
    assert AuditEvent.objects.filter(action="messaging.inbound_reprocess", actor_id=users["admin"].pk).exists()


def test_nobody_adds_or_deletes_messages_in_the_admin(users, login, quarantined):
    client = login(users["admin"])

    assert client.get(reverse("admin:messaging_inboundmessage_add")).status_code == 403
    assert client.post(reverse("admin:messaging_inboundmessage_delete", args=[quarantined.pk]),
                       {"post": "yes"}).status_code == 403
    assert InboundMessage.objects.filter(pk=quarantined.pk).exists()


def test_staff_without_the_permission_cannot_download_raw_mail(users, login, quarantined):
    users["agent"].is_staff = True  # even with admin access
    users["agent"].save()

    response = login(users["agent"]).get(reverse("admin:messaging_inboundmessage_raw", args=[quarantined.pk]))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="messaging.inbound_raw_download").exists()
