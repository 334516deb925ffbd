"""Tickets write to clients through the outbound messaging pipeline (tickets/client_notices.py): a complaint's
acknowledgement, stored once per event, reaching the local SMS gateway once; nothing for a consultation."""

import pytest

from brokerdesk.messaging.models import OutboundMessage
from brokerdesk.messaging.tests import outbound_fixtures
from brokerdesk.tickets.services import TicketInput, ticket_create

pytestmark = pytest.mark.django_db

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings
sms_gateway = outbound_fixtures.sms_gateway


def test_it_acknowledges_a_registered_complaint_by_sms(users, customer_a, sms_gateway,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=users["agent"], data=TicketInput(
            kind="complaint", channel="phone", subject="交易系统卡顿", description="下单失败",
            customer_id=customer_a.pk))

    message = OutboundMessage.objects.get(dedupe_key=f"ticket:{ticket.pk}:registered")
    assert message.source == f"ticket:{ticket.pk}" and message.status == "sent"
    (sms,) = sms_gateway.delivered
    assert ticket.number in sms.text and sms.to == customer_a.phones.get(is_primary=True).number


def test_it_sends_no_acknowledgement_for_a_consultation(users, customer_a, sms_gateway,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=users["agent"], data=TicketInput(
            kind="consultation", channel="phone", subject="开户", description="问询", customer_id=customer_a.pk))
    assert not OutboundMessage.objects.exists() and sms_gateway.delivered == []
