"""The telephony API over real HTTP (the live server on loopback): signatures, replay protection, idempotent
events, a call from offer to end, transfers through commands, recordings, agents on their phones, bad input."""

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from brokerdesk.contact_center.choices import AgentState, CallStatus, TransferTarget
from brokerdesk.contact_center.models import (
    AgentProfile,
    AgentStateChange,
    Call,
    CallbackRequest,
    CallEvent,
    Interaction,
    TelephonyCommand,
    TelephonyNonce,
)
from brokerdesk.contact_center.services.calls import call_transfer
from brokerdesk.contact_center.telephony.signing import signed_headers
from brokerdesk.contact_center.tests.telephony_support import (
    TUESDAY_10,
    Pbx,
)
from brokerdesk.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pbx(live_server):
    return Pbx(live_server.url)


def _offer(ref="c-1", **fields):
    return {"event_id": f"{ref}-offered", "call_ref": ref, "caller": fields.pop("caller", "13800000000"),
            "dialled": "95xxx", "ivr": ["2"], "at": TUESDAY_10.isoformat(), **fields}


def _log_in(pbx, *extensions):
    for extension in extensions:
        assert pbx.event("agents/state", extension=extension, state="available")["state"] == "available"


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _nothing_written():
    return (Call.objects.count(), CallEvent.objects.count(), TelephonyNonce.objects.count(),
            AuditEvent.objects.filter(action__startswith="contact_center.").count())


# --- signatures and replays ----------------------------------------------------------------------------------


def test_it_accepts_a_correctly_signed_event(pbx, floor):
    response = pbx.post("calls/offered", _offer(caller=floor["phone"]))
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "queue"  # nobody logged in at the local center or HQ yet
    assert Call.objects.get(call_ref="c-1").customer_id is not None
    assert TelephonyNonce.objects.count() == 1


def test_it_refuses_a_bad_signature_a_stale_timestamp_or_a_reused_nonce_and_writes_nothing(pbx, floor):
    before = _nothing_written()
    assert _error(pbx.post("calls/offered", _offer(), secret="forged"), 401, "unauthenticated")["details"] == {
        "reason": "bad_signature"}
    # Signed correctly, but an hour old: refused for its age.
    path = "/api/v1/telephony/calls/offered"
    body = json.dumps(_offer()).encode()
    old = signed_headers(settings.TELEPHONY_SECRET, "POST", path, body, timestamp=int(time.time()) - 3600)
    response = pbx.request("POST", "calls/offered", raw=body, headers=old)
    assert _error(response, 401, "unauthenticated")["details"] == {"reason": "stale"}
    response = pbx.request("POST", "calls/offered", raw=body, headers={"X-Telephony-Signature": ""})
    assert _error(response, 401, "unauthenticated")["details"] == {"reason": "missing"}
    assert _nothing_written() == before

    fresh = signed_headers(settings.TELEPHONY_SECRET, "POST", path, body, nonce="nonce-used-once-0001")
    assert pbx.request("POST", "calls/offered", raw=body, headers=fresh).status_code == 200
    after_first = _nothing_written()
    replay = pbx.request("POST", "calls/offered", raw=body, headers=fresh)
    assert _error(replay, 401, "unauthenticated")["details"] == {"reason": "replayed"}
    assert _nothing_written() == after_first


def test_it_refuses_a_body_changed_after_signing(pbx, floor):
    path = "/api/v1/telephony/calls/offered"
    headers = signed_headers(settings.TELEPHONY_SECRET, "POST", path, b'{"event_id":"e"}')
    response = pbx.request("POST", "calls/offered", _offer(), headers=headers)
    _error(response, 401, "unauthenticated")
    assert not Call.objects.exists()


# --- idempotency ---------------------------------------------------------------------------------------------


def test_it_processes_the_same_event_id_once_and_answers_it_the_same(pbx, floor):
    _log_in(pbx, "8001")
    first = pbx.post("calls/offered", _offer(caller=floor["phone"]))
    again = pbx.post("calls/offered", _offer(caller=floor["phone"]))  # the PBX retried: a new nonce, same event
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["extension"] == "8001"
    assert CallEvent.objects.filter(event_id="c-1-offered").count() == 1
    assert AuditEvent.objects.filter(action="contact_center.call_offered").count() == 1

    answered = {"event_id": "c-1-answered", "call_ref": "c-1", "extension": "8001",
                "at": (TUESDAY_10 + timedelta(seconds=9)).isoformat()}
    assert pbx.post("calls/answered", answered).json() == pbx.post("calls/answered", answered).json()
    ended = {"event_id": "c-1-ended", "call_ref": "c-1", "at": (TUESDAY_10 + timedelta(minutes=3)).isoformat()}
    first_end = pbx.post("calls/ended", ended).json()
    assert pbx.post("calls/ended", ended).json() == first_end and first_end["status"] == "ended"
    assert AgentStateChange.objects.filter(agent=floor["local"], state=AgentState.WRAP_UP).count() == 1
    # An event id is one event: used again for another kind of event, it is refused.
    _error(pbx.post("calls/route", {"event_id": "c-1-ended", "call_ref": "c-1"}), 409, "conflict")


# --- a whole call --------------------------------------------------------------------------------------------


def test_it_carries_a_call_from_offer_to_end_and_moves_the_agent(pbx, floor, customer_a):
    _log_in(pbx, "8001", "9001")
    answer = pbx.event("calls/offered", call_ref="c-9", caller=floor["phone"], dialled="95xxx", ivr=["2"])
    assert (answer["action"], answer["extension"], answer["center"], answer["reason"]) == (
        "agent", "8001", "SC-GD", "local")
    assert AgentProfile.objects.get(extension="8001").state == AgentState.RINGING
    state = pbx.event("calls/answered", call_ref="c-9", extension="8001", at=TUESDAY_10 + timedelta(seconds=7))
    assert state == {"call_id": answer["call_id"], "call_ref": "c-9", "status": "answered", "center": "SC-GD",
                     "extension": "8001"}
    assert AgentProfile.objects.get(extension="8001").state == AgentState.ON_CALL
    state = pbx.event("calls/ended", call_ref="c-9", at=TUESDAY_10 + timedelta(minutes=4))
    assert state["status"] == "ended"
    call = Call.objects.get(call_ref="c-9")
    assert (call.wait_seconds, call.talk_seconds, call.customer) == (7, 233, customer_a)
    assert AgentProfile.objects.get(extension="8001").state == AgentState.WRAP_UP
    interaction = Interaction.objects.get(call=call)
    assert interaction.customer == customer_a and interaction.agent == floor["local"].staff
    assert interaction.ended_at == TUESDAY_10 + timedelta(minutes=4)
    assert CallEvent.objects.filter(call=call).count() == 3

    pbx.event("recordings", call_ref="c-9", recording_ref="rec/2026/11/17/c-9.wav")
    interaction.refresh_from_db()
    assert interaction.recording_ref == "rec/2026/11/17/c-9.wav"
    # The agent pauses on the phone after the call (feature code), then logs out.
    moved = pbx.event("agents/state", extension="8001", state="break", reason="meal",
                      at=TUESDAY_10 + timedelta(minutes=5))
    assert (moved["state"], moved["break_reason"]) == ("break", "meal")
    pbx.event("agents/state", extension="8001", state="offline", at=TUESDAY_10 + timedelta(minutes=50))
    assert AgentProfile.objects.get(extension="8001").state == AgentState.OFFLINE
    assert AuditEvent.objects.filter(action="contact_center.agent_state_by_phone").count() == 4


def test_it_asks_the_pbx_to_poll_and_rings_the_agent_who_frees_up(pbx, floor):
    AgentProfile.objects.filter(pk=floor["remote"].pk).delete()
    _log_in(pbx, "8001")
    assert pbx.event("calls/offered", call_ref="busy", caller=floor["phone"])["extension"] == "8001"
    waiting = pbx.event("calls/offered", call_ref="c-2", caller=floor["phone"], at=TUESDAY_10 + timedelta(seconds=2))
    assert waiting["action"] == "queue" and 0 < waiting["recheck_after"] <= 3
    pbx.event("calls/ring-timeout", call_ref="busy", extension="8001", at=TUESDAY_10 + timedelta(seconds=17))
    assert AgentProfile.objects.get(extension="8001").break_reason == "missed"
    pbx.event("agents/state", extension="8001", state="available", at=TUESDAY_10 + timedelta(seconds=20))
    # "busy" went back to the queue ahead of c-2: the freed agent is offered it first.
    assert pbx.event("calls/route", call_ref="c-2", at=TUESDAY_10 + timedelta(seconds=21))["action"] == "queue"
    assert pbx.event("calls/route", call_ref="busy", at=TUESDAY_10 + timedelta(seconds=21))["extension"] == "8001"


def test_it_records_a_callback_request_instead_of_waiting(pbx, floor):
    pbx.event("calls/offered", call_ref="c-3", caller=floor["phone"])
    answer = pbx.event("calls/callback", call_ref="c-3", kind="callback", at=TUESDAY_10 + timedelta(seconds=40))
    assert answer["kind"] == "callback" and answer["status"] == CallStatus.CALLBACK
    request = CallbackRequest.objects.get(pk=answer["callback_id"])
    assert request.number == Call.objects.get(call_ref="c-3").caller_number


# --- transfers -----------------------------------------------------------------------------------------------


def _transfer_command(pbx, floor, call_ref: str, note: str = "转总部") -> TelephonyCommand:
    """A call answered at the local center that its agent transfers to HQ at the desktop: the PBX's command."""
    _log_in(pbx, "8001", "9001")
    pbx.event("calls/offered", call_ref=call_ref, caller=floor["phone"])
    pbx.event("calls/answered", call_ref=call_ref, extension="8001", at=TUESDAY_10 + timedelta(seconds=5))
    call = call_transfer(actor=floor["local"].staff, call=Call.objects.get(call_ref=call_ref),
                         target=TransferTarget.CENTER, center=floor["hq"], note=note,
                         at=TUESDAY_10 + timedelta(minutes=2))
    return TelephonyCommand.objects.get(call=call)


def test_it_hands_out_a_transfer_command_once_and_takes_the_confirmation(pbx, floor):
    command = _transfer_command(pbx, floor, "c-4", note="港股通开通，转总部")
    call = command.call

    fetched = pbx.request("GET", "commands", query="after=0")
    assert fetched.status_code == 200, fetched.text
    assert [(c["id"], c["call_ref"], c["kind"], c["target"]) for c in fetched.json()] == [
        (command.pk, "c-4", "transfer", {"type": "agent", "extension": "9001"})]
    assert pbx.request("GET", "commands", query="after=0").json() == []  # leased to the poller that took it
    command.refresh_from_db()
    assert command.delivered_at is not None and command.deliveries == 1

    confirmed = pbx.event("calls/transferred", call_ref="c-4", command_id=command.pk,
                          at=TUESDAY_10 + timedelta(minutes=2, seconds=1))
    assert confirmed["next"]["action"] == "agent" and confirmed["next"]["extension"] == "9001"
    pbx.event("calls/answered", call_ref="c-4", extension="9001", at=TUESDAY_10 + timedelta(minutes=2, seconds=6))
    call.refresh_from_db()
    assert call.agent == floor["hq_agent"] and call.transfer_note == "港股通开通，转总部"
    assert AuditEvent.objects.filter(action="contact_center.transfer_carried_out").count() == 1
    other = pbx.post("calls/transferred", {"event_id": "x-1", "call_ref": "busy-elsewhere", "command_id": command.pk})
    assert "command_id" in _error(other, 422, "validation_failed")["details"]
    TelephonyCommand.objects.filter(pk=command.pk).update(delivered_at=timezone.now() - timedelta(hours=1))
    assert pbx.request("GET", "commands", query="after=0").json() == []  # carried out: never again


def _lease_runs_out(command: TelephonyCommand, settings) -> None:
    TelephonyCommand.objects.filter(pk=command.pk).update(
        delivered_at=timezone.now() - timedelta(seconds=settings.TELEPHONY_COMMAND_LEASE_SECONDS + 1))


def test_it_hands_a_command_out_again_when_the_pbx_never_reported_it_carried_out(pbx, floor, settings):
    settings.TELEPHONY_COMMAND_MAX_DELIVERIES = 3
    command = _transfer_command(pbx, floor, "c-lost")

    def fetched_ids():
        return [c["id"] for c in pbx.request("GET", "commands", query="after=0").json()]

    assert fetched_ids() == [command.pk]
    assert fetched_ids() == []  # within the lease
    for _ in range(2):  # the connector crashed after fetching: it comes back after the lease, twice more
        _lease_runs_out(command, settings)
        assert fetched_ids() == [command.pk]
    _lease_runs_out(command, settings)
    assert fetched_ids() == []  # three deliveries: the agent sees the call did not move
    assert TelephonyCommand.objects.get(pk=command.pk).deliveries == 3


def test_it_does_not_hand_out_a_command_of_a_call_that_has_ended(pbx, floor, settings):
    command = _transfer_command(pbx, floor, "c-gone")
    assert [c["id"] for c in pbx.request("GET", "commands", query="after=0").json()] == [command.pk]
    pbx.event("calls/ended", call_ref="c-gone", at=TUESDAY_10 + timedelta(minutes=3))
    _lease_runs_out(command, settings)

    assert pbx.request("GET", "commands", query="after=0").json() == []


# --- recordings of return visits -----------------------------------------------------------------------------


def test_it_takes_a_return_visit_calls_recording_to_the_visit(pbx, users, org, customer_a, settings, tmp_path):
    from brokerdesk.visits.services import visit_call_start, visit_task_claim
    from brokerdesk.visits.tests.lifecycle_support import make_task

    settings.ATTACHMENT_DIR = tmp_path
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_call_start(actor=users["agent"], task_id=task.pk, call_ref="VISIT-0042")

    answer = pbx.event("recordings", call_ref="VISIT-0042", recording_ref="rec/visits/0042.wav")
    assert answer == {"call_ref": "VISIT-0042", "attached_to": "visit", "call_id": None, "visit_task_id": task.pk,
                      "attempt": 1}
    attempt = task.calls.get(number=1)
    assert (attempt.recording_source, attempt.recording_ref) == ("telephony", "rec/visits/0042.wav")
    assert task.events.get(action="recording").details["via"] == "telephony"
    _error(pbx.post("recordings", {"event_id": "r-2", "call_ref": "NOBODY", "recording_ref": "x.wav"}), 404,
           "not_found")


# --- bad input -----------------------------------------------------------------------------------------------


def test_it_refuses_bad_input_with_the_field_named_and_writes_nothing(pbx, floor):
    naive = pbx.post("calls/offered", {**_offer(), "at": "2026-11-17T10:00:00"})
    assert "at" in _error(naive, 422, "validation_failed")["details"]
    missing = pbx.post("calls/offered", {"event_id": "e-1", "caller": "138"})
    assert "call_ref" in _error(missing, 422, "validation_failed")["details"]
    keys = pbx.post("calls/offered", {**_offer(), "ivr": ["2", "hello"]})
    assert "ivr[1]" in _error(keys, 422, "validation_failed")["details"]
    state = pbx.post("agents/state", {"event_id": "s-1", "extension": "8001", "state": "on_call"})
    assert "state" in _error(state, 422, "validation_failed")["details"]
    reason = pbx.post("agents/state", {"event_id": "s-2", "extension": "8001", "state": "break", "reason": "missed"})
    assert "reason" in _error(reason, 422, "validation_failed")["details"]
    unknown = pbx.post("agents/state", {"event_id": "s-3", "extension": "0000", "state": "available"})
    assert "extension" in _error(unknown, 422, "validation_failed")["details"]
    not_json = pbx.request("POST", "calls/route", raw=b"[1, 2]")
    assert not_json.status_code in (400, 422) and "error" in not_json.json()
    _error(pbx.post("calls/route", {"event_id": "r-1", "call_ref": "nobody"}), 404, "not_found")
    assert not Call.objects.exists() and not CallEvent.objects.exists()
    assert AgentProfile.objects.get(extension="8001").state == AgentState.OFFLINE


def test_it_leaves_an_agent_on_a_call_alone_when_the_phone_says_offline(pbx, floor):
    _log_in(pbx, "8001")
    pbx.event("calls/offered", call_ref="c-5", caller=floor["phone"])
    pbx.event("calls/answered", call_ref="c-5", extension="8001")
    _error(pbx.post("agents/state", {"event_id": "s-9", "extension": "8001", "state": "offline"}), 409, "conflict")
    assert AgentProfile.objects.get(extension="8001").state == AgentState.ON_CALL
    assert not CallEvent.objects.filter(event_id="s-9").exists()
