"""The outbound rules: pure functions, then message_send's decisions (stored, suppressed with a reason, held)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.errors import PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import ChannelConsent
from brokerdesk.messaging.choices import OutboundStatus, SuppressionReason
from brokerdesk.messaging.models import OutboundMessage
from brokerdesk.messaging.outbound import policy
from brokerdesk.messaging.outbound.dispatch import message_dispatch
from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.messaging.tests import outbound_fixtures
from tests.factories import make_customer

SH = policy.SHANGHAI

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings


# --- pure rules ----------------------------------------------------------------------------------------------

def test_it_reads_quiet_hours_that_wrap_midnight():
    quiet = policy.QuietHours.parse("21:00-08:00")
    assert quiet.contains(time(23, 30)) and quiet.contains(time(7, 59)) and quiet.contains(time(21, 0))
    assert not quiet.contains(time(8, 0)) and not quiet.contains(time(12, 0))
    assert policy.QuietHours.parse("off") is None and policy.QuietHours.parse("") is None
    with pytest.raises(ValueError):
        policy.QuietHours.parse("late")


def test_it_opens_the_window_the_next_morning_or_the_same_morning():
    quiet = policy.QuietHours.parse("21:00-08:00")
    evening = datetime(2026, 3, 2, 22, 15, tzinfo=SH)
    early = datetime(2026, 3, 3, 6, 0, tzinfo=SH)
    assert quiet.opens_after(evening) == datetime(2026, 3, 3, 8, 0, tzinfo=SH)
    assert quiet.opens_after(early) == datetime(2026, 3, 3, 8, 0, tzinfo=SH)
    assert quiet.opens_after(datetime(2026, 3, 3, 10, 0, tzinfo=SH)) is None


def test_it_backs_off_1_5_30_120_minutes_then_gives_up():
    schedule = [60, 300, 1800, 7200]
    assert [policy.backoff_delay(n, schedule) for n in range(1, 6)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), None]


@pytest.mark.parametrize(("purpose", "consent", "recent", "expected"), [
    ("service", None, 0, ""),
    ("service", False, 0, "opted_out"),
    ("regulatory", False, 9, ""),
    ("marketing", None, 0, "no_consent"),
    ("marketing", True, 0, ""),
    ("marketing", True, 2, "frequency_cap"),
    ("survey", None, 1, ""),
    ("survey", None, 2, "frequency_cap"),
    ("survey", False, 0, "opted_out"),
    ("service", None, 99, ""),
])
def test_it_decides_what_suppresses_a_message(purpose, consent, recent, expected):
    assert policy.suppression(purpose=purpose, consent=consent, address="13800000000", recent_capped=recent,
                              cap=2, closed=False) == expected


def test_it_never_sends_without_an_address_even_a_regulatory_notice():
    assert policy.suppression(purpose="regulatory", consent=True, address="", recent_capped=0, cap=2,
                              closed=False) == "no_address"


# --- message_send ----------------------------------------------------------------------------------------------

@pytest.fixture
def client_a(org, outbound_settings):
    return make_customer(org["branch_a"], email="li.si@example.com")


def _sms(customer, **kwargs):
    return message_send(actor=None, customer=customer, channel="sms", body=kwargs.pop("body", "您的投诉已受理。"),
                        purpose=kwargs.pop("purpose", "service"), **kwargs)


def test_it_suppresses_all_but_regulatory_notices_after_an_opt_out(client_a):
    ChannelConsent.objects.create(customer=client_a, channel="sms", consented=False, changed_at=timezone.now())

    notice = _sms(client_a)
    regulatory = _sms(client_a, purpose="regulatory", body="风险揭示：……")

    assert (notice.status, notice.suppression_reason) == (OutboundStatus.SUPPRESSED, SuppressionReason.OPTED_OUT)
    assert regulatory.status == OutboundStatus.QUEUED and regulatory.suppression_reason == ""
    assert OutboundMessage.objects.count() == 2  # the suppressed one is kept, with its reason


def test_it_caps_surveys_per_client_and_channel_in_the_rolling_window(client_a):
    first, second, third = (_sms(client_a, purpose="survey", body=f"问卷 {n}") for n in range(3))
    notice = _sms(client_a, purpose="service")
    by_email = message_send(actor=None, customer=client_a, channel="email", subject="问卷", body="请评价",
                            purpose="survey")

    assert [m.status for m in (first, second)] == [OutboundStatus.QUEUED] * 2
    assert (third.status, third.suppression_reason) == (OutboundStatus.SUPPRESSED, SuppressionReason.FREQUENCY_CAP)
    assert notice.status == OutboundStatus.QUEUED  # service notices are not capped
    assert by_email.status == OutboundStatus.QUEUED  # the cap is per channel


def test_it_needs_consent_for_marketing(client_a):
    assert _sms(client_a, purpose="marketing").suppression_reason == SuppressionReason.NO_CONSENT
    ChannelConsent.objects.create(customer=client_a, channel="sms", consented=True, changed_at=timezone.now())
    assert _sms(client_a, purpose="marketing", body="新基金发售").status == OutboundStatus.QUEUED


def test_it_stores_the_same_logical_message_once(client_a):
    first = _sms(client_a, dedupe_key="ticket:42:resolved", source=("ticket", 42))
    again = _sms(client_a, dedupe_key="ticket:42:resolved", source=("ticket", 42), body="different text")

    assert again.pk == first.pk and OutboundMessage.objects.count() == 1
    assert first.source == "ticket:42"


def test_it_holds_a_non_urgent_sms_during_quiet_hours(client_a, outbound_settings):
    local = timezone.localtime(timezone.now(), policy.SHANGHAI)
    start, end = (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=1)).strftime("%H:%M")
    outbound_settings.MESSAGING_QUIET_HOURS = f"{start}-{end}"

    held = _sms(client_a)
    urgent = _sms(client_a, urgent=True, body="账户异常，请致电")
    email = message_send(actor=None, customer=client_a, channel="email", subject="通知", body="正文",
                         purpose="service")

    assert held.status == OutboundStatus.QUEUED and held.held_for_quiet_hours
    assert held.next_attempt_at > timezone.now()
    assert message_dispatch(held.pk) == "not_due"
    assert not urgent.held_for_quiet_hours and urgent.next_attempt_at <= timezone.now()
    assert not email.held_for_quiet_hours  # quiet hours apply to the channels configured (SMS by default)


def test_it_expires_a_message_that_waited_too_long(client_a):
    message = _sms(client_a, expires_at=timezone.now() + timedelta(minutes=5))

    assert message_dispatch(message.pk, now=timezone.now() + timedelta(minutes=10)) == OutboundStatus.EXPIRED
    assert AuditEvent.objects.filter(action="messaging.outbound_expired", object_id=str(message.pk)).exists()


def test_it_suppresses_when_the_client_has_no_mobile(org, outbound_settings):
    customer = make_customer(org["branch_a"])
    customer.phones.all().delete()
    assert _sms(customer).suppression_reason == SuppressionReason.NO_ADDRESS


def test_it_refuses_bad_input_field_by_field_and_writes_nothing(client_a):
    with pytest.raises(ValidationFailed) as raised:
        message_send(actor=None, customer=client_a, channel="fax", body="", purpose="gossip")
    assert set(raised.value.details) == {"channel", "purpose", "body"}
    with pytest.raises(ValidationFailed) as raised:
        message_send(actor=None, customer=client_a, channel="email", body="x", purpose="service")
    assert set(raised.value.details) == {"subject"}
    assert not OutboundMessage.objects.exists()


def test_it_checks_the_send_permission(client_a, users):
    _sms(client_a)  # the system
    message_send(actor=users["agent"], customer=client_a, channel="sms", body="回电提醒", purpose="service")
    with pytest.raises(PermissionDenied):
        message_send(actor=users["admin"], customer=client_a, channel="sms", body="x", purpose="service")


def test_it_audits_a_digest_and_a_masked_address_not_the_text(client_a):
    phone = client_a.phones.get().number
    message = _sms(client_a, body="您的验证码与资产情况：持仓 123456 元")

    event = AuditEvent.objects.get(action="messaging.outbound_create", object_id=str(message.pk))
    flat = str(event.after)
    assert phone not in flat and "123456" not in flat and "持仓" not in flat
    assert event.after["to"] == phone[:3] + "****" + phone[-4:]
    assert len(event.after["body_sha256"]) == 16
