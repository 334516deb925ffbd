"""A real SMTP session on loopback (aiosmtpd server, smtplib client): 250 only once stored, 451, 550, 552.

The server thread writes through its own database connection, so these tests commit (transaction=True).
"""

import hashlib
import smtplib

import pytest
from django.db import DatabaseError

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging import services
from brokerdesk.messaging.choices import CustomerMatch, InboundStatus
from brokerdesk.messaging.email import parse
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.tests import mails
from tests.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def _only_message() -> InboundMessage:
    (message,) = InboundMessage.objects.all()
    return message


def _assert_raw_intact(message: InboundMessage, raw: bytes) -> None:
    assert message.sha256 == hashlib.sha256(raw).hexdigest() == hashlib.sha256(bytes(message.raw)).hexdigest()


def test_it_turns_a_chinese_mail_from_a_client_into_a_routed_message(org, handler, send):
    client = make_customer(org["branch_a"], email="zhang.san@example.com")
    raw = mails.plain()

    reply = send(raw, sender="bounces+zhang@example.com")

    message = _only_message()
    assert reply.code == 250 and f"Message accepted as #{message.pk}" in reply.text
    assert message.status == InboundStatus.ROUTED and message.routed_to == "ticket:1001"
    assert message.customer == client and message.customer_match == CustomerMatch.UNIQUE
    assert (message.subject, message.from_name) == ("咨询：融资融券开户条件", "张三")
    assert message.envelope_from == "bounces+zhang@example.com" and message.envelope_to == [mails.SERVICE]
    assert message.peer == "127.0.0.1"
    _assert_raw_intact(message, raw)
    assert len(handler.calls) == 1
    assert set(AuditEvent.objects.filter(object_id=str(message.pk)).values_list("action", flat=True)) == {
        "messaging.inbound_store", "messaging.inbound_process"}


@pytest.mark.parametrize(("raw", "code"), [
    (mails.MALFORMED_HEADERS, parse.MALFORMED_HEADERS),
    (mails.BOUNDARY_NEVER_FOUND, parse.BROKEN_MULTIPART),
    (mails.TRUNCATED_MULTIPART, parse.BROKEN_MULTIPART),
    (mails.MISSING_FROM, parse.MISSING_FROM),
    (mails.BAD_CHARSET, parse.CHARSET),
    (mails.oversized(60_000), parse.OVERSIZED),  # over MAIL_MAX_BYTES, under the SMTP limit: kept
])
def test_it_accepts_and_quarantines_an_unreadable_mail(db, handler, send, raw, code):
    reply = send(raw)

    message = _only_message()
    assert reply.code == 250
    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code == code
    _assert_raw_intact(message, raw)
    assert handler.calls == []


@pytest.mark.parametrize(("raw", "text"), [
    (mails.gb18030(label="gb2312"), "朱镕基路营业部的客户经理电话是多少？𠮷"),
    (mails.html_only(), "您好，\n\n我的账户无法登录 & 转账失败。\n\n请尽快处理\n王五"),
])
def test_it_routes_gb18030_and_html_only_mail_as_text(db, handler, send, raw, text):
    assert send(raw).code == 250

    message = _only_message()
    assert message.status == InboundStatus.ROUTED and message.body_text == text
    _assert_raw_intact(message, raw)


def test_a_failing_handler_still_gets_250_and_a_quarantine(db, handler, send):
    handler.fail_with = KeyError("no default queue")

    reply = send(mails.plain())

    message = _only_message()
    assert reply.code == 250 and message.quarantine_code == services.HANDLER_ERROR
    assert message.quarantine_message == "KeyError: 'no default queue'"
    _assert_raw_intact(message, mails.plain())


def test_it_answers_451_when_the_message_cannot_be_stored(db, handler, send, monkeypatch):
    def store_fails(**kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(services, "inbound_email_store", store_fails)

    reply = send(mails.plain())

    assert reply.code == 451 and "try again later" in reply.text
    assert not InboundMessage.objects.exists()


def test_it_answers_451_and_keeps_no_half_stored_row_when_the_store_transaction_fails(db, handler, send,
                                                                                      monkeypatch):
    def audit_fails(**kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(services, "audit_record", audit_fails)

    assert send(mails.plain()).code == 451
    assert not InboundMessage.objects.exists()


def test_it_refuses_recipients_that_are_not_ours(db, handler, send):
    reply = send(mails.plain(), to=["someone@elsewhere.example.com"])

    assert reply.code == 550
    assert not InboundMessage.objects.exists()


def test_it_accepts_any_address_at_its_domains_and_only_those_recipients(db, handler, send, smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
        client.ehlo("mta.example.com")
        client.mail("a@example.com")
        assert client.rcpt("Complaints@KEFU.example.cn")[0] == 250
        assert client.rcpt("SERVICE@brokerdesk.local")[0] == 250
        assert client.rcpt("postmaster@brokerdesk.local")[0] == 550
        assert client.data(mails.plain())[0] == 250

    assert _only_message().envelope_to == ["Complaints@KEFU.example.cn", "SERVICE@brokerdesk.local"]


def test_it_refuses_more_than_the_smtp_limit_with_552(db, handler, send, smtp_server):
    raw = mails.oversized(100_000)

    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
        client.ehlo("mta.example.com")
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 80_000
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # SIZE announced: refused at MAIL FROM
            client.sendmail("a@example.com", [mails.SERVICE], raw)
        assert refused.value.smtp_code == 552
    assert send(raw).code == 552  # no SIZE announced: refused after DATA

    assert not InboundMessage.objects.exists()


def test_several_mails_in_one_session_are_each_stored(db, handler, smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
        for number in range(3):
            assert client.sendmail("a@example.com", [mails.SERVICE],
                                   mails.plain(message_id=f"<n{number}@example.com>")) == {}

    assert InboundMessage.objects.filter(status=InboundStatus.ROUTED).count() == 3
