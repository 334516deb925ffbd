"""Storing before reading, processing apart: routing, the client link, quarantine, duplicates, reprocessing."""

import hashlib

import pytest
from django.db import DatabaseError

from brokerdesk.core.audit import audit_record, audit_verify
from brokerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging import routing, services
from brokerdesk.messaging.choices import CustomerMatch, InboundStatus
from brokerdesk.messaging.email import parse
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.services import inbound_email_receive, inbound_message_reprocess
from brokerdesk.messaging.tests import mails
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _receive(raw: bytes, **envelope) -> InboundMessage:
    envelope = {"peer": ("127.0.0.1", 40000), "mail_from": "zhang.san@example.com",
                "rcpt_tos": [mails.SERVICE]} | envelope
    message = inbound_email_receive(raw=raw, **envelope)
    return InboundMessage.objects.get(pk=message.pk)


def _assert_raw_intact(message: InboundMessage, raw: bytes) -> None:
    assert bytes(message.raw) == raw
    assert message.sha256 == hashlib.sha256(raw).hexdigest() == hashlib.sha256(bytes(message.raw)).hexdigest()
    assert message.size == len(raw)


def test_it_routes_a_mail_and_links_the_one_client_with_that_address(org, handler, mail_limits):
    client = make_customer(org["branch_a"], email="Zhang.San@Example.COM")
    raw = mails.plain()

    message = _receive(raw)

    assert message.status == InboundStatus.ROUTED and message.routed_to == "ticket:1001"
    assert (message.routed_to_type, message.routed_to_id) == ("ticket", 1001)
    assert message.customer == client and message.customer_match == CustomerMatch.UNIQUE
    assert message.subject == "咨询：融资融券开户条件" and message.from_name == "张三"
    assert message.peer == "127.0.0.1" and message.envelope_to == [mails.SERVICE]
    _assert_raw_intact(message, raw)
    (seen, parsed), = handler.calls
    assert seen.pk == message.pk and seen.customer == client and parsed.body_text.startswith("您好")
    assert bytes(seen.raw) == raw  # the handler may read the raw mail (e.g. to attach it to a ticket)
    actions = list(AuditEvent.objects.filter(object_type="inbound_message", object_id=str(message.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["messaging.inbound_store", "messaging.inbound_process"]
    assert audit_verify()[1] is None


def test_it_links_no_client_when_several_share_the_address(org, handler, mail_limits):
    make_customer(org["branch_a"], email="family@example.com")
    make_customer(org["branch_b"], email="FAMILY@example.com")

    message = _receive(mails.plain(sender="family@example.com"))

    assert message.status == InboundStatus.ROUTED
    assert message.customer is None and message.customer_match == CustomerMatch.AMBIGUOUS
    assert "2 clients share the sender's address" in message.note


def test_it_notes_an_unknown_sender(db, handler, mail_limits):
    message = _receive(mails.plain(sender="stranger@example.com"))

    assert message.status == InboundStatus.ROUTED and message.customer_match == CustomerMatch.NONE


@pytest.mark.parametrize(("raw", "code"), [
    (mails.MISSING_FROM, parse.MISSING_FROM),
    (mails.INVALID_FROM, parse.INVALID_FROM),
    (mails.MALFORMED_HEADERS, parse.MALFORMED_HEADERS),
    (mails.NO_BOUNDARY, parse.BROKEN_MULTIPART),
    (mails.BOUNDARY_NEVER_FOUND, parse.BROKEN_MULTIPART),
    (mails.TRUNCATED_MULTIPART, parse.BROKEN_MULTIPART),
    (mails.BAD_BASE64, parse.BAD_TRANSFER_ENCODING),
    (mails.NO_TEXT_BODY, parse.NO_TEXT_BODY),
    (mails.BAD_CHARSET, parse.CHARSET),
    (mails.too_many_parts(30), parse.TOO_MANY_PARTS),
    (mails.too_deep(300), parse.TOO_DEEP),
    (mails.oversized(60_000), parse.OVERSIZED),
    (b"\x00\xff\xfe\x80 not a mail \x00\r\n" * 50, parse.MALFORMED_HEADERS),
    (b"", parse.EMPTY),
])
def test_it_quarantines_an_unreadable_mail_and_keeps_it_byte_for_byte(db, handler, mail_limits, raw, code):
    message = _receive(raw)

    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code == code
    assert message.quarantine_message
    _assert_raw_intact(message, raw)
    assert handler.calls == []


@pytest.mark.parametrize(("raw", "text"), [
    (mails.gb18030(label="gb2312"), "朱镕基路营业部的客户经理电话是多少？𠮷"),
    (mails.gb18030(label="GB18030"), "朱镕基路营业部的客户经理电话是多少？𠮷"),
    (mails.html_only(), "您好，\n\n我的账户无法登录 & 转账失败。\n\n请尽快处理\n王五"),
])
def test_it_routes_chinese_charsets_and_html_only_mail_as_text(db, handler, mail_limits, raw, text):
    message = _receive(raw)

    assert message.status == InboundStatus.ROUTED and message.body_text == text
    _assert_raw_intact(message, raw)


def test_it_keeps_attachment_metadata_with_the_bytes_in_the_raw_mail(db, handler, mail_limits):
    raw = mails.with_attachment()

    message = _receive(raw)

    assert [a["filename"] for a in message.attachments] == ["交割单2026年11月.pdf", "成交.csv"]
    pdf = message.attachments[0]
    data = parse.attachment_bytes(bytes(message.raw), pdf["path"])
    assert hashlib.sha256(data).hexdigest() == pdf["sha256"] and len(data) == pdf["size"]


def test_a_failing_handler_quarantines_with_its_message_and_rolls_back_its_writes(db, handler, mail_limits):
    def fails(message, parsed):
        audit_record(actor=None, action="test.handler_wrote")
        raise ValidationFailed("工单类别缺失 (category missing)")

    handler.fail_with = None
    routing._HANDLERS["email"] = fails
    raw = mails.plain()

    message = _receive(raw)

    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code == services.HANDLER_ERROR
    assert message.quarantine_message == "ValidationFailed: 工单类别缺失 (category missing)"
    assert not AuditEvent.objects.filter(action="test.handler_wrote").exists()
    assert message.subject == "咨询：融资融券开户条件"  # what was read is kept for the supervisor
    _assert_raw_intact(message, raw)


def test_a_handler_returning_nonsense_quarantines(db, handler, mail_limits):
    handler.result = "ticket 5"

    message = _receive(mails.plain())

    assert message.quarantine_code == services.HANDLER_ERROR and "'ticket 5'" in message.quarantine_message


def test_without_a_handler_the_message_waits_as_received(db, no_handler, mail_limits):
    message = _receive(mails.plain())

    assert message.status == InboundStatus.RECEIVED and "No handler is registered" in message.note
    assert message.subject and message.attempts == 1


def test_a_handler_that_makes_nothing_leaves_it_received(db, handler, mail_limits):
    handler.result = None

    message = _receive(mails.plain())

    assert message.status == InboundStatus.RECEIVED and "made nothing" in message.note


def test_the_same_bytes_again_are_a_duplicate_not_a_second_ticket(db, handler, mail_limits, users):
    first = _receive(mails.plain())
    again = _receive(mails.plain())

    assert first.status == InboundStatus.ROUTED and len(handler.calls) == 1
    assert again.status == InboundStatus.QUARANTINED and again.quarantine_code == services.DUPLICATE
    assert f"#{first.pk}" in again.quarantine_message

    routed = inbound_message_reprocess(actor=users["supervisor"], message=again)  # someone looked: route it
    assert routed.status == InboundStatus.ROUTED and len(handler.calls) == 2


def test_a_supervisor_reprocesses_a_quarantined_message_once_the_handler_works(db, handler, mail_limits, users):
    handler.fail_with = RuntimeError("tickets database table locked")
    message = _receive(mails.plain())
    assert message.quarantine_code == services.HANDLER_ERROR

    handler.fail_with = None
    again = inbound_message_reprocess(actor=users["supervisor"], message=message)

    assert again.status == InboundStatus.ROUTED and again.routed_to == "ticket:1002"
    assert again.quarantine_code == "" and again.quarantine_message == "" and again.attempts == 2
    event = AuditEvent.objects.filter(action="messaging.inbound_reprocess").get()
    assert event.actor_id == users["supervisor"].pk
    assert event.before["status"] == "quarantined" and event.after["status"] == "routed"
    _assert_raw_intact(InboundMessage.objects.get(pk=message.pk), mails.plain())


def test_reprocessing_an_unreadable_mail_quarantines_it_again(db, handler, mail_limits, users):
    message = _receive(mails.MISSING_FROM)

    again = inbound_message_reprocess(actor=users["admin"], message=message)

    assert again.status == InboundStatus.QUARANTINED and again.quarantine_code == parse.MISSING_FROM


@pytest.mark.parametrize("role", ["agent", "branch_a", "reviewer", "compliance"])
def test_only_supervisors_and_admins_reprocess(db, handler, mail_limits, users, role):
    message = _receive(mails.MISSING_FROM)

    with pytest.raises(PermissionDenied):
        inbound_message_reprocess(actor=users[role], message=message)

    assert AuditEvent.objects.filter(action="access.denied", actor_id=users[role].pk).exists()
    assert InboundMessage.objects.get(pk=message.pk).attempts == 1


def test_a_routed_message_is_not_routed_twice(db, handler, mail_limits, users):
    message = _receive(mails.plain())

    with pytest.raises(Conflict):
        inbound_message_reprocess(actor=users["supervisor"], message=message)
    assert len(handler.calls) == 1


def test_a_failure_to_store_raises_and_leaves_nothing(db, handler, mail_limits, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "audit_record", broken)

    with pytest.raises(DatabaseError):
        inbound_email_receive(raw=mails.plain(), peer=None, mail_from="", rcpt_tos=[])
    assert not InboundMessage.objects.exists()


def test_a_failure_after_storing_leaves_the_message_received(db, handler, mail_limits, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(services, "inbound_message_process", broken)

    message = inbound_email_receive(raw=mails.plain(), peer="not-an-ip", mail_from="", rcpt_tos=[])

    assert message.status == InboundStatus.RECEIVED and message.peer is None
    assert bytes(InboundMessage.objects.get(pk=message.pk).raw) == mails.plain()
