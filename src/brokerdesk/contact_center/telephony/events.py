"""What the PBX reports, applied once: each event is handled in one transaction together with its CallEvent row
(event_id unique), and the answer given is stored with it. The same event_id again is answered from the store
and changes nothing; two copies racing each other are settled by the unique index (the loser's transaction rolls
back and it answers from the winner's row). An event refused with an error is not stored: the PBX may send it
again, fixed or not, with the same event_id.

The calls' own logic is in services/calls.py; this module only adapts it to events, plus the two things that
belong to the PBX alone: agents logging in and out on their phones, and the transfer commands it fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.contact_center.choices import AgentState, BreakReason
from brokerdesk.contact_center.models import AgentProfile, Call, CallEvent, TelephonyCommand
from brokerdesk.contact_center.services import calls
from brokerdesk.contact_center.services.agents import agent_move
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, ValidationFailed
from brokerdesk.visits.recordings import visit_recording_attach

PHONE_BREAK_REASONS = frozenset(BreakReason.values) - {BreakReason.MISSED}


def event_handle(*, kind: str, event_id: str, at: datetime, payload: dict, call_ref: str = "",
                 process: Callable[[], dict]) -> dict:
    """Run process() and record the event with its answer, once per event_id (see the module's docstring)."""
    stored = _stored_answer(event_id, kind)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            answer = process()
            call_id = (Call.objects.filter(call_ref=call_ref).values_list("pk", flat=True).first()
                       if call_ref else None)
            CallEvent.objects.create(call_id=call_id, event_id=event_id, kind=kind, at=at, payload=payload,
                                     response=answer)
    except IntegrityError:
        stored = _stored_answer(event_id, kind)
        if stored is None:
            raise
        return stored
    return answer


def _stored_answer(event_id: str, kind: str) -> dict | None:
    event = CallEvent.objects.filter(event_id=event_id).only("kind", "response").first()
    if event is None:
        return None
    if event.kind != kind:
        raise Conflict(_("The event id %(id)s was already used for a %(kind)s event.")
                       % {"id": event_id, "kind": event.kind}, details={"event_id": [_("Already used.")]})
    return event.response


def call_state(call: Call) -> dict:
    extension = ""
    if call.agent_id:
        extension = AgentProfile.objects.filter(staff_id=call.agent_id).values_list("extension", flat=True).first()
    center = call.center.code if call.center_id else ""
    return {"call_id": call.pk, "call_ref": call.call_ref, "status": call.status, "center": center,
            "extension": extension or ""}


# --- transfers ------------------------------------------------------------------------------------------------


def commands_deliver(*, after: int = 0, call_ref: str = "", limit: int = 50) -> list[TelephonyCommand]:
    """The commands for the PBX (oldest first), each leased to this poller (at-least-once delivery).

    A command not reported carried out within settings.TELEPHONY_COMMAND_LEASE_SECONDS of its hand-out is
    handed out again (a connector that crashed after fetching it), at most TELEPHONY_COMMAND_MAX_DELIVERIES
    times and only while its call lasts. Pollers racing each other never share a hand-out: each takes it with a
    compare-and-set on the previous hand-out's time.
    """
    now = timezone.now()
    lease_ended = now - timedelta(seconds=settings.TELEPHONY_COMMAND_LEASE_SECONDS)
    pending = (TelephonyCommand.objects
               .filter(Q(delivered_at__isnull=True) | Q(delivered_at__lte=lease_ended), done_at__isnull=True,
                       deliveries__lt=settings.TELEPHONY_COMMAND_MAX_DELIVERIES, call__ended_at__isnull=True,
                       pk__gt=after)
               .select_related("call"))
    if call_ref:
        pending = pending.filter(call__call_ref=call_ref)
    delivered = []
    for command in pending.order_by("pk")[:limit]:
        unchanged = ({"delivered_at__isnull": True} if command.delivered_at is None
                     else {"delivered_at": command.delivered_at})
        taken = TelephonyCommand.objects.filter(pk=command.pk, done_at__isnull=True, **unchanged).update(
            delivered_at=now, deliveries=F("deliveries") + 1)
        if taken:
            command.delivered_at, command.deliveries = now, command.deliveries + 1
            delivered.append(command)
    return delivered


def transfer_confirm(*, call_ref: str, command_id: int, at: datetime) -> dict:
    """The PBX carried out a transfer command: record it, and tell it what to do with the call now."""
    command = TelephonyCommand.objects.select_related("call").filter(pk=command_id).first()
    if command is None or command.call.call_ref != call_ref:
        raise ValidationFailed(_("This call has no command %(id)s.") % {"id": command_id},
                               details={"command_id": [_("No such command for this call.")]})
    if command.delivered_at is None:  # the PBX got it some other way (a retry crossed the poll): it has it now
        TelephonyCommand.objects.filter(pk=command.pk, delivered_at__isnull=True).update(delivered_at=at)
    # Carried out: never handed out again (a repeated report changes nothing).
    TelephonyCommand.objects.filter(pk=command.pk, done_at__isnull=True).update(done_at=at)
    audit_record(actor=None, action="contact_center.transfer_carried_out", object_type="call",
                 object_id=command.call_id, details={"command": command.pk, "target": command.target})
    answer = calls.call_route(call_ref=call_ref, at=at)
    return {"command_id": command.pk, "call_ref": call_ref, "next": answer.as_dict()}


# --- recordings -----------------------------------------------------------------------------------------------


def recording_ready(*, call_ref: str, recording_ref: str) -> dict:
    """An inbound call's recording goes on the call (and its interaction); a return-visit call's on the visit
    attempt that call was (visits.recordings)."""
    if Call.objects.filter(call_ref=call_ref).exists():
        call = calls.call_recording_ready(call_ref=call_ref, recording_ref=recording_ref)
        return {"call_ref": call_ref, "attached_to": "call", "call_id": call.pk}
    attempt = visit_recording_attach(actor=None, call_ref=call_ref, recording_ref=recording_ref, via="telephony")
    return {"call_ref": call_ref, "attached_to": "visit", "visit_task_id": attempt.task_id,
            "attempt": attempt.number}


# --- agents on their phones -----------------------------------------------------------------------------------


def agent_phone_state_set(*, extension: str, state: str, reason: str = "", at: datetime) -> AgentProfile:
    """An agent logs in, pauses or logs out on the phone (feature codes): the system moves them, as the desktop
    would. An agent ringing or on a call is left alone (409): calls move them."""
    if state not in (AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE):
        raise ValidationFailed(details={"state": [_("Choose available, break or offline.")]})
    if state == AgentState.BREAK:
        reason = reason or BreakReason.OTHER
        if reason not in PHONE_BREAK_REASONS:
            raise ValidationFailed(details={"reason": [_("Choose a break reason: %(reasons)s.")
                                                       % {"reasons": ", ".join(sorted(PHONE_BREAK_REASONS))}]})
    else:
        reason = ""
    with transaction.atomic():
        agent = AgentProfile.objects.select_for_update().filter(extension=extension).first()
        if agent is None:
            raise ValidationFailed(_("No agent has extension %(ext)s.") % {"ext": extension},
                                   details={"extension": [_("Unknown extension.")]})
        if agent.state == state and agent.break_reason == reason:
            return agent
        if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
            raise Conflict(_("The agent at %(ext)s is on a call: the state follows the call.") % {"ext": extension})
        before = agent.state
        agent = agent_move(agent.pk, state, break_reason=reason, at=at)
        audit_record(actor=None, action="contact_center.agent_state_by_phone", object_type="agent",
                     object_id=agent.pk, before={"state": before},
                     after={"state": state, "break_reason": reason}, details={"extension": extension})
        return agent
