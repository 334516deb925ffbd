"""SMS over the real gateway protocol on loopback: a LocalSmsGateway thread, our adapter, receipts posted back to
the live server. The client must receive exactly one SMS whatever fails in between.

The gateway and the live server answer from their own threads: these tests commit (transaction=True).
"""

import json
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.choices import AttemptOutcome, OutboundStatus
from brokerdesk.messaging.models import DeliveryReceipt, OutboundMessage
from brokerdesk.messaging.outbound.dispatch import message_dispatch, messages_dispatch_due
from brokerdesk.messaging.outbound.services import message_retry, message_send
from brokerdesk.messaging.signals import contact_logged
from brokerdesk.messaging.sms.signing import signed_headers
from brokerdesk.messaging.tests import outbound_fixtures
from brokerdesk.messaging.tests.outbound_fixtures import SECRET
from tests.factories import make_customer
from tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings
sms_gateway = outbound_fixtures.sms_gateway


@pytest.fixture
def client_a(org, outbound_settings):
    return make_customer(org["branch_a"])


@pytest.fixture
def contacts():
    seen = []

    def receiver(sender, **kwargs):
        seen.append({"channel": sender, **kwargs})

    contact_logged.connect(receiver, weak=False, dispatch_uid="test_outbound_sms")
    yield seen
    contact_logged.disconnect(dispatch_uid="test_outbound_sms")


def _send(customer, **kwargs) -> OutboundMessage:
    body = kwargs.pop("body", "您的投诉已受理，编号 42。")
    message = message_send(actor=None, customer=customer, channel="sms", body=body, purpose="service", **kwargs)
    message.refresh_from_db()
    return message


def _phone(customer) -> str:
    return customer.phones.get(is_primary=True).number


def _outcomes(message) -> list[str]:
    return list(message.attempts.order_by("number").values_list("outcome", flat=True))


def test_it_sends_an_sms_through_the_gateway_and_logs_the_contact(client_a, sms_gateway, contacts):
    message = _send(client_a, source=("ticket", 42))

    (sms,) = sms_gateway.delivered
    assert (sms.to, sms.text, sms.idempotency_key) == (_phone(client_a), "您的投诉已受理，编号 42。", str(message.key))
    assert message.status == OutboundStatus.SENT and message.provider_id == sms.id
    assert _outcomes(message) == [AttemptOutcome.ACCEPTED]
    (contact,) = contacts
    assert contact["direction"] == "outbound" and contact["source_type"] == "outbound_message"
    assert contact["source_id"] == message.pk and contact["customer_id"] == client_a.pk
    assert _phone(client_a) not in contact["summary"]


def test_it_refuses_a_request_with_a_bad_signature_at_the_gateway(client_a, sms_gateway, outbound_settings):
    outbound_settings.MESSAGING_SMS_SECRET = "not-the-shared-secret"

    message = _send(client_a)

    assert sms_gateway.delivered == [] and sms_gateway.requests[-1]["status"] == 401
    assert message.status == OutboundStatus.QUEUED and _outcomes(message) == [AttemptOutcome.TRANSIENT]


def test_it_retries_an_http_500_after_the_back_off_and_sends_once(client_a, sms_gateway):
    sms_gateway.fail_next(1, status=500)

    message = _send(client_a)

    assert message.status == OutboundStatus.QUEUED and sms_gateway.delivered == []
    waited = message.next_attempt_at - message.attempts.get().finished_at
    assert timedelta(seconds=59) < waited <= timedelta(seconds=61)
    assert message_dispatch(message.pk) == "not_due"  # the back-off holds
    assert messages_dispatch_due(now=message.next_attempt_at)["sent"] == 1
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT and _outcomes(message) == ["transient", "accepted"]
    assert len(sms_gateway.delivered_to(_phone(client_a))) == 1
    assert AuditEvent.objects.filter(action="messaging.outbound_retry_scheduled", object_id=str(message.pk)).exists()


def test_it_retries_when_the_gateway_refuses_the_connection(client_a, sms_gateway, outbound_settings):
    outbound_settings.MESSAGING_SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens

    message = _send(client_a)
    assert message.status == OutboundStatus.QUEUED and "cannot reach" in message.last_error

    outbound_settings.MESSAGING_SMS_GATEWAY_URL = sms_gateway.url
    assert message_dispatch(message.pk, now=message.next_attempt_at) == OutboundStatus.SENT
    assert len(sms_gateway.delivered) == 1


def test_it_sends_once_when_the_gateway_accepted_but_the_answer_timed_out(client_a, sms_gateway):
    sms_gateway.time_out_after_accept(1)

    message = _send(client_a)

    assert message.status == OutboundStatus.QUEUED and "in time" in message.last_error
    assert len(sms_gateway.delivered) == 1  # the gateway did take it
    assert message_dispatch(message.pk, now=message.next_attempt_at) == OutboundStatus.SENT
    message.refresh_from_db()
    (sms,) = sms_gateway.delivered  # the retry carried the same idempotency key: no second SMS
    assert message.provider_id == sms.id
    assert message.attempts.get(number=2).response["body"]["duplicate"] is True


def test_it_gives_up_after_the_last_back_off(client_a, sms_gateway, outbound_settings):
    outbound_settings.MESSAGING_RETRY_BACKOFF_SECONDS = [60, 300]
    sms_gateway.fail_next(10, status=503)

    message = _send(client_a)
    with translation.override("en"):  # last_error is written in the language of the worker
        for _ in range(2):
            message_dispatch(message.pk, now=message.next_attempt_at)
            message.refresh_from_db()

    assert message.status == OutboundStatus.FAILED and "Gave up after 3 attempts" in message.last_error
    assert _outcomes(message) == ["transient"] * 3 and sms_gateway.delivered == []


def test_it_fails_at_once_when_the_gateway_refuses_the_message(client_a, sms_gateway):
    sms_gateway.fail_next(1, status=400)

    message = _send(client_a)

    assert message.status == OutboundStatus.FAILED and _outcomes(message) == ["permanent"]


def test_it_never_sends_a_message_twice_when_dispatched_again_or_already_claimed(client_a, sms_gateway):
    message = _send(client_a)
    assert message_dispatch(message.pk) == OutboundStatus.SENT
    assert message_dispatch(message.pk) == OutboundStatus.SENT
    assert len(sms_gateway.delivered) == 1

    sms_gateway.fail_next(1)
    second = _send(client_a, body="第二条通知")
    OutboundMessage.objects.filter(pk=second.pk).update(status=OutboundStatus.SENDING, claimed_at=timezone.now())
    assert message_dispatch(second.pk, now=second.next_attempt_at) == OutboundStatus.SENDING  # another worker has it
    assert len(sms_gateway.delivered) == 1


def test_it_sends_again_a_claim_a_dead_worker_left_with_the_same_key(client_a, sms_gateway, outbound_settings):
    sms_gateway.time_out_after_accept(1)
    message = _send(client_a)  # the gateway has it; our worker "died" before hearing so: simulate a stale claim
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempt_count=2)

    released = messages_dispatch_due(now=timezone.now())["released"]  # back in the queue, after its back-off
    messages_dispatch_due(now=timezone.now() + timedelta(minutes=10))

    message.refresh_from_db()
    assert released == 1 and message.status == OutboundStatus.SENT
    assert len(sms_gateway.delivered) == 1


def test_it_takes_a_signed_delivery_receipt_once(client_a, sms_gateway, live_server):
    sms_gateway.receipt_url = live_server.url + reverse("messaging:sms_receipt")
    message = _send(client_a)
    receipt = dict(sms_gateway.pending_receipts[0])

    assert sms_gateway.post_receipts() == [200]
    assert sms_gateway.post_receipt(receipt) == 200  # posted again: answered, not applied again

    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED and message.delivered_at is not None
    assert DeliveryReceipt.objects.filter(message=message).count() == 1
    assert AuditEvent.objects.filter(action="messaging.outbound_receipt", object_id=str(message.pk)).count() == 1


def test_it_rejects_a_receipt_with_a_bad_signature_or_an_old_timestamp(client_a, sms_gateway, live_server):
    sms_gateway.receipt_url = live_server.url + reverse("messaging:sms_receipt")
    message = _send(client_a)
    receipt = sms_gateway.pending_receipts[0]

    assert sms_gateway.post_receipt(receipt, secret="forged") == 401
    assert sms_gateway.post_receipt(receipt, timestamp=time.time() - 3600) == 401

    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT and not DeliveryReceipt.objects.exists()


def test_it_answers_a_malformed_receipt_with_a_clear_error(client, outbound_settings):
    body = json.dumps({"receipt_id": "r1", "status": "maybe"}).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v
               for k, v in signed_headers(key_id="brokerdesk", secret=SECRET, body=body).items()}
    response = client.post(reverse("messaging:sms_receipt"), body, content_type="application/json", **headers)
    assert response.status_code == 422 and "status" in response.json()["error"]["details"]


def test_it_sends_a_failed_message_again_by_hand(client_a, sms_gateway, users):
    sms_gateway.fail_next(1, status=400)
    message = _send(client_a)
    assert message.status == OutboundStatus.FAILED

    message_retry(actor=users["supervisor"], message=message)

    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT and len(sms_gateway.delivered) == 1
    assert message.attempts.get(number=2).by_hand
    assert AuditEvent.objects.filter(action="messaging.outbound_retry", actor_id=users["supervisor"].pk).exists()
