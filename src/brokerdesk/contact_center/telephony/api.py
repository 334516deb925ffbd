"""/api/v1/telephony: the HTTP contract a PBX (Asterisk, FreeSWITCH) calls. docs/telephony.md is its manual.

Authenticated by the PBX's request signature (auth.TelephonySignature), not by a user: the PBX acts as the
system. Every POST is an event with an event_id, applied once (events.event_handle).
"""

from django.utils import timezone
from ninja import Query, Router

from brokerdesk.contact_center.models import Call
from brokerdesk.contact_center.self_service import self_service_balances
from brokerdesk.contact_center.services import calls
from brokerdesk.contact_center.telephony import events
from brokerdesk.contact_center.telephony.auth import TelephonySignature
from brokerdesk.contact_center.telephony.schemas import (
    AgentStateIn,
    AgentStateOut,
    CallbackIn,
    CallbackOut,
    CallStateOut,
    CommandOut,
    CommandsQuery,
    ExtensionEventIn,
    OfferedIn,
    RecordingIn,
    RecordingOut,
    RouteAnswerOut,
    RouteIn,
    SelfServiceIn,
    SelfServiceOut,
    TransferredIn,
    TransferredOut,
)
from brokerdesk.core.api_types import ERROR_RESPONSES

router = Router(tags=["telephony"], auth=TelephonySignature())


def _handle(kind: str, payload, process, *, call_ref: str = "") -> dict:
    at = payload.at or timezone.now()
    data = payload.model_dump(mode="json")
    data["at"] = at.isoformat()
    return events.event_handle(kind=kind, event_id=payload.event_id, at=at, payload=data, call_ref=call_ref,
                               process=lambda: process(at))


@router.post("/calls/offered", response={200: RouteAnswerOut, **ERROR_RESPONSES}, url_name="telephony_call_offered",
             summary="A call reached the national number (after the IVR): where does it go?")
def call_offered(request, payload: OfferedIn):
    return _handle("offered", payload, lambda at: calls.call_offer(
        call_ref=payload.call_ref, caller_number=payload.caller, dialled_number=payload.dialled, ivr=payload.ivr,
        at=at).as_dict(), call_ref=payload.call_ref)


@router.post("/calls/route", response={200: RouteAnswerOut, **ERROR_RESPONSES}, url_name="telephony_call_route",
             summary="Route this waiting call (asked again every recheck_after seconds while the caller holds)")
def call_route(request, payload: RouteIn):
    return _handle("route", payload, lambda at: calls.call_route(call_ref=payload.call_ref, at=at).as_dict(),
                   call_ref=payload.call_ref)


@router.post("/calls/answered", response={200: CallStateOut, **ERROR_RESPONSES},
             url_name="telephony_call_answered", summary="The agent at the extension picked up")
def call_answered(request, payload: ExtensionEventIn):
    return _handle("answered", payload, lambda at: events.call_state(calls.call_answered(
        call_ref=payload.call_ref, extension=payload.extension, at=at)), call_ref=payload.call_ref)


@router.post("/calls/ring-timeout", response={200: RouteAnswerOut, **ERROR_RESPONSES},
             url_name="telephony_call_ring_timeout",
             summary="The extension rang out unanswered: the agent is parked and the call routed again")
def call_ring_timeout(request, payload: ExtensionEventIn):
    return _handle("ring_timeout", payload, lambda at: calls.call_ring_timeout(
        call_ref=payload.call_ref, extension=payload.extension, at=at).as_dict(), call_ref=payload.call_ref)


@router.post("/calls/transferred", response={200: TransferredOut, **ERROR_RESPONSES},
             url_name="telephony_call_transferred",
             summary="The PBX carried out a transfer command; the answer says what to do with the call now")
def call_transferred(request, payload: TransferredIn):
    return _handle("transferred", payload, lambda at: events.transfer_confirm(
        call_ref=payload.call_ref, command_id=payload.command_id, at=at), call_ref=payload.call_ref)


@router.post("/calls/ended", response={200: CallStateOut, **ERROR_RESPONSES}, url_name="telephony_call_ended",
             summary="The call ended (the caller or the agent hung up)")
def call_ended(request, payload: RouteIn):
    return _handle("ended", payload, lambda at: events.call_state(calls.call_ended(call_ref=payload.call_ref, at=at)),
                   call_ref=payload.call_ref)


@router.post("/calls/callback", response={200: CallbackOut, **ERROR_RESPONSES}, url_name="telephony_call_callback",
             summary="The caller asked to be called back, or left a voicemail")
def call_callback(request, payload: CallbackIn):
    def process(at):
        callback = calls.callback_request(call_ref=payload.call_ref, kind=payload.kind,
                                          recording_ref=payload.recording_ref, at=at)
        status = Call.objects.filter(pk=callback.call_id).values_list("status", flat=True).first() or ""
        return {"callback_id": callback.pk, "call_ref": payload.call_ref, "kind": callback.kind, "status": status}

    return _handle("callback", payload, process, call_ref=payload.call_ref)


@router.post("/recordings", response={200: RecordingOut, **ERROR_RESPONSES}, url_name="telephony_recording",
             summary="A call's recording is ready (an inbound call, or a return-visit call)")
def recording(request, payload: RecordingIn):
    return _handle("recording", payload, lambda at: events.recording_ready(
        call_ref=payload.call_ref, recording_ref=payload.recording_ref), call_ref=payload.call_ref)


@router.post("/agents/state", response={200: AgentStateOut, **ERROR_RESPONSES}, url_name="telephony_agent_state",
             summary="An agent logged in, paused or logged out on the phone")
def agent_state(request, payload: AgentStateIn):
    def process(at):
        agent = events.agent_phone_state_set(extension=payload.extension, state=payload.state,
                                             reason=payload.reason, at=at)
        return {"extension": agent.extension, "state": agent.state, "break_reason": agent.break_reason,
                "since": agent.state_since.isoformat()}

    return _handle("agent_state", payload, process)


@router.get("/commands", response={200: list[CommandOut], **ERROR_RESPONSES}, url_name="telephony_commands",
            summary="Pending commands for the PBX (transfers chosen at the desktop); at least once: one not reported "
                    "carried out within its lease is handed out again")
def commands(request, query: Query[CommandsQuery]):
    return [{"id": c.pk, "call_ref": c.call.call_ref, "kind": c.kind, "target": c.target,
             "created_at": c.created_at}
            for c in events.commands_deliver(after=query.after, call_ref=query.call_ref, limit=query.limit)]


@router.post("/calls/self-service", response={200: SelfServiceOut, **ERROR_RESPONSES},
             url_name="telephony_self_service",
             summary="Self-service menu: the caller's balances and recent trades, after verification (not an event: "
                     "nothing of the answer is stored)")
def self_service(request, payload: SelfServiceIn):
    return self_service_balances(call_ref=payload.call_ref, account_no=payload.account_no,
                                 id_last4=payload.id_last4)

