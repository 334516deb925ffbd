"""Email over real SMTP on loopback (aiosmtpd): the headers that arrive, 4xx retried, a drop after the content
is not retried by itself (it may have been delivered)."""

from email import message_from_bytes, policy

import pytest

from brokerdesk.messaging.choices import AttemptOutcome, OutboundStatus
from brokerdesk.messaging.outbound.dispatch import message_dispatch
from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.messaging.tests import outbound_fixtures
from tests.factories import make_customer
from tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings
smtp_sink = outbound_fixtures.smtp_sink


@pytest.fixture
def client_a(org, outbound_settings):
    return make_customer(org["branch_a"], email="wang.wu@example.com")


def _send(customer, **kwargs):
    message = message_send(actor=None, customer=customer, channel="email", subject="您的投诉已办结",
                           body="尊敬的客户：\n.您的投诉（编号 42）已办结。\n", purpose="service", **kwargs)
    message.refresh_from_db()
    return message


def test_it_delivers_an_email_with_a_fixed_message_id(client_a, smtp_sink):
    message = _send(client_a)

    (envelope,) = smtp_sink.envelopes
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert envelope.rcpt_tos == ["wang.wu@example.com"] and envelope.mail_from == "service@brokerdesk.local"
    assert mail["Message-ID"] == f"<{message.key}@brokerdesk.local>"
    assert mail["Subject"] == "您的投诉已办结" and mail["To"] == "wang.wu@example.com"
    assert mail["X-BrokerDesk-Message"] == str(message.key) and mail["Auto-Submitted"] == "auto-generated"
    assert ".您的投诉" in mail.get_content()  # a line starting with a dot survives the SMTP dot-stuffing
    assert message.status == OutboundStatus.SENT and message.provider_id == mail["Message-ID"]


def test_it_retries_a_4xx_at_the_end_of_data_and_delivers_once(client_a, smtp_sink):
    smtp_sink.refuse_next = 1

    message = _send(client_a)
    assert message.status == OutboundStatus.QUEUED and "451" in message.last_error

    assert message_dispatch(message.pk, now=message.next_attempt_at) == OutboundStatus.SENT
    assert len(smtp_sink.envelopes) == 1


def test_it_fails_a_5xx_without_retrying(client_a, smtp_sink):
    smtp_sink.refuse_next, smtp_sink.refusal = 1, "554 5.7.1 rejected"

    message = _send(client_a)

    assert message.status == OutboundStatus.FAILED and list(message.attempts.values_list("outcome", flat=True)) == [
        AttemptOutcome.PERMANENT]


def test_it_retries_when_the_smtp_server_refuses_the_connection(client_a, outbound_settings):
    outbound_settings.EMAIL_HOST, outbound_settings.EMAIL_PORT = "127.0.0.1", free_port()

    message = _send(client_a)

    assert message.status == OutboundStatus.QUEUED
    assert message.attempts.get().response["phase"] == "connect"


class _DropAfterContent:
    """Takes the whole content, then drops the connection instead of answering: did the mail go out?"""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        server.transport.close()
        return "250 never heard"


def test_it_does_not_retry_by_itself_when_the_connection_drops_after_the_content(client_a, outbound_settings):
    from aiosmtpd.controller import Controller

    handler = _DropAfterContent()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    outbound_settings.EMAIL_HOST, outbound_settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        message = _send(client_a)
    finally:
        controller.stop()

    assert len(handler.envelopes) == 1
    assert message.status == OutboundStatus.FAILED and "may have been delivered" in message.last_error
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.AMBIGUOUS]
