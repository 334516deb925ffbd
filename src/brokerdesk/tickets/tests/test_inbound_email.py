"""Email to the service mailbox becomes a ticket: a real SMTP session on loopback, the client found by sender."""

import smtplib
from email.message import EmailMessage

import pytest

from brokerdesk.messaging.choices import InboundStatus
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.tickets.models import Ticket
from tests.processes import free_port

SERVICE = "kefu@kefu.example.cn"


@pytest.fixture
def server(settings):
    from brokerdesk.messaging.email.listener import InboundEmailServer

    settings.MAIL_RECIPIENTS = [SERVICE]
    settings.MAIL_DOMAINS = ["kefu.example.cn"]
    with InboundEmailServer(host="127.0.0.1", port=free_port()) as running:
        yield running


def _send(server, raw: bytes, sender: str) -> int:
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        client.ehlo("mta.example.com")
        client.mail(sender)
        client.rcpt(SERVICE)
        code, _ = client.data(raw)
        return code


def _complaint_email(sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"张三 <{sender}>"
    message["To"] = SERVICE
    message["Subject"] = "投诉：佣金收取有误"
    message["Message-ID"] = "<complaint-1@example.com>"
    message.set_content("上月佣金按千分之三收取，与约定的万分之二点五不符。", charset="gb18030")
    message.add_attachment(b"%PDF-1.4 statement", maintype="application", subtype="pdf", filename="对账单.pdf")
    return message.as_bytes()


@pytest.mark.django_db(transaction=True)
def test_it_turns_an_email_into_a_ticket_for_the_client_who_sent_it(server, org):
    from tests.factories import make_customer

    customer = make_customer(org["branch_a"], email="zhang.san@example.com")
    assert _send(server, _complaint_email("Zhang.San@example.com"), "zhang.san@example.com") == 250
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.ROUTED and message.routed_to_type == "ticket"
    ticket = Ticket.objects.get(pk=message.routed_to_id)
    assert ticket.customer == customer and ticket.branch == org["branch_a"]
    assert ticket.channel == "email" and ticket.kind == "complaint" and ticket.status == "new"
    assert "万分之二点五" in ticket.description
    assert sorted(a.content_type for a in ticket.attachments.all()) == ["application/pdf", "message/rfc822"]


@pytest.mark.django_db(transaction=True)
def test_it_quarantines_garbage_without_making_a_ticket_or_losing_it(server, org):
    # (SMTP data always ends with a line end.)
    garbage = (b"From: someone@example.com\r\nTo: kefu@kefu.example.cn\r\nSubject: x\r\n"
               b"Content-Type: multipart/mixed\r\n\r\n--nothing here\r\n\x00\xff\xfe garbage\r\n")
    assert _send(server, garbage, "someone@example.com") == 250
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code
    assert bytes(message.raw) == garbage
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_ticket_of_a_message_delivered_twice(server, org):
    raw = _complaint_email("li.si@example.com")
    assert _send(server, raw, "li.si@example.com") == 250
    assert _send(server, raw, "li.si@example.com") == 250
    assert Ticket.objects.count() == 1
