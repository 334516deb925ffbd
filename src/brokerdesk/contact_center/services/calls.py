"""The life of a call, as the PBX reports it (telephony API) and as agents work it (desktop).

brokerdesk is the network's call distributor: the PBX asks where a call goes (call_offer, then call_route while
the caller waits) and is answered with an agent's extension to ring, or "wait and ask again in n seconds", or a
self-service / callback / voicemail menu. Waiting calls get agents in order of priority, then of waiting time:
a new call never takes the free agent from a call that has waited longer in the same queue.

    call_offer ──> queued ──call_route (an agent is free, head of the queue)──> ringing ──call_answered──> answered
                     │  └─call_route (waited past the center's overflow wait)──> queued at another center (leg 2)
                     │                                              ringing ──call_ring_timeout──> queued
                     └─call_ended before an answer──> abandoned      answered ──call_ended──> ended (agent wraps up)
    answered ──call_transfer (agent, at the desktop)──> queued/ringing at the target center or agent, or ended
                                                        toward the client's branch desk line

Every function runs in one transaction, writes the Call, its legs and the agents' states together, and audits
with the system as actor (the PBX) or the agent. Realtime pushes go out after the commit (signals.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.contact_center import signals
from brokerdesk.contact_center.choices import (
    AgentState,
    BreakReason,
    CallbackKind,
    CallStatus,
    Direction,
    InteractionChannel,
    RouteReason,
    TransferTarget,
)
from brokerdesk.contact_center.identify import caller_identify
from brokerdesk.contact_center.models import (
    AgentProfile,
    Call,
    CallbackRequest,
    CallLeg,
    Interaction,
    Skill,
    TelephonyCommand,
    WrapUpCode,
)
from brokerdesk.contact_center.routing.config import router, serving_center_of, skill_id_for
from brokerdesk.contact_center.routing.engine import Action, Caller, CallRequest, Decision
from brokerdesk.contact_center.routing.live import DatabaseLiveView
from brokerdesk.contact_center.services.agents import agent_move
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, NotFound, ValidationFailed
from brokerdesk.core.masking import mask_phone
from brokerdesk.core.permissions import require_permission
from brokerdesk.org.models import ContactCenter

# The longest a PBX waits before asking again about a queued call: how soon a freed agent is noticed.
POLL_SECONDS = 3.0


@dataclass(frozen=True)
class RouteAnswer:
    """What the PBX is told to do with a call."""

    action: str  # "agent" | "queue" | "self_service" | "callback" | "voicemail" | "offer_callback" | "none"
    call_id: int
    reason: str = ""
    center: str = ""  # center code
    skill: str = ""
    priority: int = 0
    extension: str = ""  # "agent": the extension to ring
    recheck_after: float | None = None  # "queue": ask again after this many seconds

    def as_dict(self) -> dict:
        return asdict(self)


# --- the PBX's side -------------------------------------------------------------------------------------------


def call_offer(*, call_ref: str, caller_number: str, dialled_number: str, ivr: tuple[str, ...] | list = (),
               at: datetime | None = None) -> RouteAnswer:
    """A call reached the national number (after the IVR): identify the caller, route it, ring an agent if one is
    free. Offering the same call_ref again returns the call's current answer and changes nothing."""
    at = at or timezone.now()
    existing = Call.objects.filter(call_ref=call_ref).first()
    if existing is not None:
        return _current_answer(existing)
    ident = caller_identify(caller_number)
    ivr = tuple(str(d) for d in ivr)[:10]
    decision = router().route(CallRequest(ident.caller, at, ivr), DatabaseLiveView())
    with transaction.atomic():
        call = Call.objects.create(
            call_ref=call_ref, caller_number=ident.number, dialled_number=(dialled_number or "")[:32],
            customer_id=ident.customer_id, customers_matched=len(ident.customer_ids), ivr_choices=list(ivr),
            priority=decision.priority, is_vip=decision.is_vip, is_complaint=decision.is_complaint,
            route_reason=decision.reason, offered_at=at, status=_status_for(decision.action),
            skill=_skill(decision.skill))
        audit_record(actor=None, action="contact_center.call_offered", object_type="call", object_id=call.pk,
                     after={"status": call.status, "reason": decision.reason, "customer": call.customer_id})
        if decision.action is not Action.QUEUE:
            return RouteAnswer(decision.action.value, call.pk, decision.reason)
        _enter_queue(call, decision, at)
        return _assign_or_wait(call, at, decision.recheck_after)


def call_route(*, call_ref: str, at: datetime | None = None) -> RouteAnswer:
    """The PBX asks again about a waiting call: ring a freed agent, overflow to another center, or keep waiting."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _call_for_update(call_ref)
        if call.status != CallStatus.QUEUED:
            return _current_answer(call)
        leg = call.legs.order_by("-sequence").first()
        waited = (at - leg.queued_at).total_seconds()
        request = CallRequest(_caller_of(call), at, tuple(call.ivr_choices), waited=waited,
                              center_id=call.center_id, skill=call.skill.code if call.skill else None)
        answer = _assign(call, at)
        if answer is not None:
            return answer
        decision = router().route(request, DatabaseLiveView())
        if decision.action is Action.CALLBACK:
            return RouteAnswer("offer_callback", call.pk, RouteReason.OVERFLOW, _code(call.center_id),
                               request.skill or "", call.priority)
        if decision.center_id != call.center_id:
            _close_leg(leg, at, "overflowed")
            _enter_queue(call, decision, at, keep_place=True)
            audit_record(actor=None, action="contact_center.call_overflowed", object_type="call",
                         object_id=call.pk, details={"to_center": decision.center_id, "waited": round(waited)})
        return _assign_or_wait(call, at, decision.recheck_after)


def call_answered(*, call_ref: str, extension: str, at: datetime | None = None) -> Call:
    """The agent at `extension` picked up."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _call_for_update(call_ref)
        if call.status == CallStatus.ANSWERED:
            return call
        if call.status not in (CallStatus.RINGING, CallStatus.QUEUED):
            raise Conflict(_("The call is %(status)s: it cannot be answered.") % {"status": call.get_status_display()})
        agent = AgentProfile.objects.filter(extension=extension).select_related("staff").first()
        if agent is None:
            raise ValidationFailed(_("No agent has extension %(ext)s.") % {"ext": extension},
                                   details={"extension": [_("Unknown extension.")]})
        if call.agent_id and call.agent_id != agent.staff_id:  # the PBX put it through to someone else
            agent_move(call.agent.agent_profile.pk, AgentState.AVAILABLE, at=at, expected=(AgentState.RINGING,))
        agent_move(agent.pk, AgentState.ON_CALL, at=at, current_call=call,
                   expected=(AgentState.RINGING, AgentState.AVAILABLE))
        leg = call.legs.order_by("-sequence").first()
        first_answer = call.answered_at is None
        Call.objects.filter(pk=call.pk).update(
            status=CallStatus.ANSWERED, agent=agent.staff, center=agent.center_id,
            answered_at=call.answered_at or at,
            wait_seconds=round((at - call.offered_at).total_seconds()) if first_answer else call.wait_seconds)
        CallLeg.objects.filter(pk=leg.pk).update(agent=agent.staff, answered_at=at, center=agent.center_id)
        Interaction.objects.update_or_create(call=call, defaults={
            "channel": InteractionChannel.PHONE, "direction": Direction.INBOUND, "customer_id": call.customer_id,
            "agent": agent.staff, "center_id": agent.center_id, "started_at": call.offered_at,
            "summary": _("Inbound call from %(number)s") % {"number": mask_phone(call.caller_number)}})
        audit_record(actor=None, action="contact_center.call_answered", object_type="call", object_id=call.pk,
                     details={"agent": agent.staff_id, "leg": leg.sequence})
        call_id, agent_id = call.pk, agent.staff_id
        transaction.on_commit(lambda: signals.call_connected.send(sender=Call, call_id=call_id, agent_id=agent_id))
        call.refresh_from_db()
        return call


def call_ring_timeout(*, call_ref: str, extension: str, at: datetime | None = None) -> RouteAnswer:
    """The agent did not pick up: they are parked (break, missed a call) and the call goes back to the queue."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _call_for_update(call_ref)
        agent = AgentProfile.objects.filter(extension=extension).first()
        if call.status != CallStatus.RINGING or agent is None or call.agent_id != agent.staff_id:
            return _current_answer(call)
        agent_move(agent.pk, AgentState.BREAK, break_reason=BreakReason.MISSED, at=at,
                   expected=(AgentState.RINGING,))
        Call.objects.filter(pk=call.pk).update(status=CallStatus.QUEUED, agent=None)
        CallLeg.objects.filter(call=call, sequence=call.legs.count()).update(agent=None)
        call.refresh_from_db()
        _finished(call, agent.staff_id)
        return _assign_or_wait(call, at, POLL_SECONDS)


def call_ended(*, call_ref: str, at: datetime | None = None) -> Call:
    """Someone hung up. Before an answer it is abandoned; after, the agent goes to wrap-up."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _call_for_update(call_ref)
        if call.status in (CallStatus.ENDED, CallStatus.ABANDONED):
            return call
        leg = call.legs.order_by("-sequence").first()
        if call.status == CallStatus.ANSWERED:
            agent = call.agent.agent_profile
            agent_move(agent.pk, AgentState.WRAP_UP, at=at, expected=(AgentState.ON_CALL,))
            status, outcome = CallStatus.ENDED, "answered"
            talk = round((at - (leg.answered_at or call.answered_at)).total_seconds())
            Call.objects.filter(pk=call.pk).update(status=status, ended_at=at, talk_seconds=(call.talk_seconds or 0)
                                                   + talk)
            Interaction.objects.filter(call=call).update(ended_at=at)
        elif call.status in (CallStatus.QUEUED, CallStatus.RINGING, CallStatus.OFFERED):
            if call.status == CallStatus.RINGING and call.agent_id:
                agent_move(call.agent.agent_profile.pk, AgentState.AVAILABLE, at=at, expected=(AgentState.RINGING,))
            status, outcome = CallStatus.ABANDONED, "abandoned"
            Call.objects.filter(pk=call.pk).update(status=status, ended_at=at, agent=None)
            if call.answered_at is not None:  # transferred, then hung up while waiting again: still a contact
                Interaction.objects.filter(call=call).update(ended_at=at)
        else:  # self-service, callback, voicemail: the menu ended
            status, outcome = call.status, call.status
            Call.objects.filter(pk=call.pk).update(ended_at=at)
            Interaction.objects.get_or_create(call=call, defaults={
                "channel": InteractionChannel.PHONE, "direction": Direction.INBOUND, "customer_id": call.customer_id,
                "started_at": call.offered_at, "ended_at": at, "disposition": call.status,
                "summary": _("Inbound call: %(what)s") % {"what": call.get_status_display()}})
        if leg is not None and leg.ended_at is None:
            _close_leg(leg, at, outcome)
        audit_record(actor=None, action="contact_center.call_ended", object_type="call", object_id=call.pk,
                     after={"status": status})
        call.refresh_from_db()
        _finished(call, call.agent_id)
        return call


def callback_request(*, call_ref: str, kind: str = CallbackKind.CALLBACK, recording_ref: str = "",
                     at: datetime | None = None) -> CallbackRequest:
    """The caller chose a callback (or left a voicemail) instead of waiting, or outside hours."""
    at = at or timezone.now()
    if kind not in CallbackKind.values:
        raise ValidationFailed(details={"kind": [_("Unknown kind.")]})
    with transaction.atomic():
        call = _call_for_update(call_ref)
        existing = call.callbacks.filter(kind=kind).first()
        if existing is not None:
            return existing
        center_id = call.center_id or serving_center_of(
            call.customer.home_branch_id if call.customer_id else None) or _hq_id()
        request = CallbackRequest.objects.create(kind=kind, call=call, customer_id=call.customer_id,
                                                 number=call.caller_number, center_id=center_id, requested_at=at,
                                                 recording_ref=recording_ref[:300])
        leg = call.legs.order_by("-sequence").first()
        if leg is not None and leg.ended_at is None:
            _close_leg(leg, at, kind)
        new_status = CallStatus.VOICEMAIL if kind == CallbackKind.VOICEMAIL else CallStatus.CALLBACK
        Call.objects.filter(pk=call.pk).update(status=new_status, agent=None)
        audit_record(actor=None, action="contact_center.callback_requested", object_type="callback_request",
                     object_id=request.pk, details={"call": call.pk, "kind": kind})
        _finished(call, None)
        return request


def call_recording_ready(*, call_ref: str, recording_ref: str) -> Call:
    with transaction.atomic():
        call = _call_for_update(call_ref)
        Call.objects.filter(pk=call.pk).update(recording_ref=recording_ref[:300])
        Interaction.objects.filter(call=call).update(recording_ref=recording_ref[:300])
        CallbackRequest.objects.filter(call=call, kind=CallbackKind.VOICEMAIL, recording_ref="").update(
            recording_ref=recording_ref[:300])
        audit_record(actor=None, action="contact_center.call_recording", object_type="call", object_id=call.pk)
        call.refresh_from_db()
        return call


# --- the agent's side -----------------------------------------------------------------------------------------


def call_wrap_up(*, actor, call: Call, code: str, note: str = "", at: datetime | None = None) -> Call:
    """The agent records what the call was about and becomes available again (or stays on break)."""
    require_permission(actor, "contact_center.use_agent_desktop", "call_wrap_up")
    at = at or timezone.now()
    wrap_up = WrapUpCode.objects.filter(code=code, is_active=True).first()
    if wrap_up is None:
        raise ValidationFailed(details={"code": [_("Choose a wrap-up code.")]})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(details={"note": [_("At most 2000 characters.")]})
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if not CallLeg.objects.filter(call=call, agent=actor, answered_at__isnull=False).exists():
            raise NotFound()
        if call.status == CallStatus.ANSWERED and call.agent_id == actor.pk:
            raise Conflict(_("The call is still going on: wrap up after it ends."))
        Call.objects.filter(pk=call.pk).update(wrap_up_code=wrap_up, wrap_up_note=note, wrap_up_at=at)
        Interaction.objects.filter(call=call).update(disposition=wrap_up.code,
                                                     summary=(note or wrap_up.name)[:300])
        profile = AgentProfile.objects.filter(staff=actor).first()
        if profile is not None and profile.state == AgentState.WRAP_UP:
            agent_move(profile.pk, AgentState.AVAILABLE, actor=actor, at=at)
        audit_record(actor=actor, action="contact_center.call_wrapped_up", object_type="call", object_id=call.pk,
                     after={"code": wrap_up.code})
        call.refresh_from_db()
        return call


def call_transfer(*, actor, call: Call, target: str, center: ContactCenter | None = None,
                  agent: AgentProfile | None = None, note: str = "", at: datetime | None = None) -> Call:
    """Transfer with context ("escort"): to another center's queue, to a named agent, or to the client's branch desk.

    The note and the client's 360 go with the call: the next agent's screen-pop shows them. The PBX is told to
    move the caller by a TelephonyCommand it fetches. The transferring agent goes to wrap-up.
    """
    require_permission(actor, "contact_center.use_agent_desktop", "call_transfer")
    at = at or timezone.now()
    note = (note or "").strip()[:2000]
    if target not in TransferTarget.values:
        raise ValidationFailed(details={"target": [_("Choose where to transfer the call.")]})
    with transaction.atomic():
        call = Call.objects.select_for_update(of=("self",)).select_related("customer").get(pk=call.pk)
        if call.status != CallStatus.ANSWERED or call.agent_id != actor.pk:
            raise NotFound()
        leg = call.legs.order_by("-sequence").first()
        me = AgentProfile.objects.get(staff=actor)
        if target == TransferTarget.BRANCH:
            branch = call.customer.home_branch if call.customer_id else None
            if branch is None or not branch.service_phone:
                raise ValidationFailed(_("The client's branch has no service desk line to transfer to."),
                                       details={"target": [_("No branch desk line.")]})
            command_target = {"type": "number", "number": branch.service_phone, "branch": branch.code}
        elif target == TransferTarget.CENTER:
            if center is None:
                raise ValidationFailed(details={"center": [_("Choose a center.")]})
            try:
                decision = router().transfer_to(center_id=center.pk, skill=call.skill.code if call.skill else None,
                                                priority=call.priority, at=at)
            except ValueError as error:
                raise ValidationFailed(_("%(center)s cannot take the call now.") % {"center": center},
                                       details={"center": [str(error)]}) from error
        else:
            if agent is None or agent.pk == me.pk:
                raise ValidationFailed(details={"agent": [_("Choose another agent.")]})
            if agent.state != AgentState.AVAILABLE:
                raise Conflict(_("%(agent)s is not available.") % {"agent": agent.staff})

        agent_move(me.pk, AgentState.WRAP_UP, actor=actor, at=at, expected=(AgentState.ON_CALL,))
        _close_leg(leg, at, "transferred")
        talk = round((at - (leg.answered_at or at)).total_seconds())
        Call.objects.filter(pk=call.pk).update(transfer_note=note, talk_seconds=(call.talk_seconds or 0) + talk,
                                               agent=None)
        call.refresh_from_db()
        if target == TransferTarget.BRANCH:
            Call.objects.filter(pk=call.pk).update(status=CallStatus.ENDED, ended_at=at)
            Interaction.objects.filter(call=call).update(branch=branch, ended_at=at)
        elif target == TransferTarget.CENTER:
            _enter_queue(call, decision, at, transferred_by=actor)
            answer = _assign(call, at)
            command_target = ({"type": "agent", "extension": answer.extension} if answer is not None else
                              {"type": "queue", "center": center.code, "skill": decision.skill})
        else:
            _enter_queue(call, Decision(Action.QUEUE, RouteReason.TRANSFER, agent.center_id,
                                        call.skill.code if call.skill else None, call.priority), at,
                         transferred_by=actor)
            agent_move(agent.pk, AgentState.RINGING, at=at, current_call=call, expected=(AgentState.AVAILABLE,))
            _ringing(call, agent, at)
            command_target = {"type": "agent", "extension": agent.extension}
        TelephonyCommand.objects.create(call=call, kind="transfer", target=command_target, created_at=at)
        audit_record(actor=actor, action="contact_center.call_transferred", object_type="call", object_id=call.pk,
                     details={"target": command_target, "note": bool(note)})
        _finished(call, actor.pk)
        call.refresh_from_db()
        return call


# --- internals ------------------------------------------------------------------------------------------------


def _call_for_update(call_ref: str) -> Call:
    # of=self: PostgreSQL cannot lock the nullable side of the outer joins select_related makes.
    call = (Call.objects.select_for_update(of=("self",)).filter(call_ref=call_ref).select_related("skill", "agent")
            .first())
    if call is None:
        raise NotFound(_("No call %(ref)s.") % {"ref": call_ref})
    return call


def _status_for(action: Action) -> str:
    return {Action.QUEUE: CallStatus.QUEUED, Action.SELF_SERVICE: CallStatus.SELF_SERVICE,
            Action.CALLBACK: CallStatus.CALLBACK, Action.VOICEMAIL: CallStatus.VOICEMAIL}[action]


def _skill(code: str | None) -> Skill | None:
    """The skill row for a code, without a query: the ids come with the Router's configuration snapshot."""
    skill_id = skill_id_for(code) if code else None
    return Skill(pk=skill_id, code=code) if skill_id is not None else None


def _code(center_id: int | None) -> str:
    return next((c.code for c in router().config.centers if c.id == center_id), "")


def _hq_id() -> int | None:
    return next((c.id for c in router().config.centers if c.is_hq), None)


def _caller_of(call: Call) -> Caller:
    branch_id = call.customer.home_branch_id if call.customer_id else None
    return Caller(call.customer_id, serving_center_of(branch_id), call.is_vip)


def _enter_queue(call: Call, decision: Decision, at: datetime, *, keep_place: bool = False,
                 transferred_by=None) -> CallLeg:
    """Put the call in decision's queue as a new leg. An overflowed call keeps its place (its first queued_at):
    it has waited longest; a transferred one queues from now."""
    sequence = call.legs.count() + 1
    leg = CallLeg.objects.create(call=call, sequence=sequence, center_id=decision.center_id,
                                 skill=_skill(decision.skill), route_reason=decision.reason or RouteReason.LOCAL,
                                 queued_at=at, transferred_by=transferred_by)
    queued_at = call.queued_at if keep_place and call.queued_at else at
    Call.objects.filter(pk=call.pk).update(status=CallStatus.QUEUED, center_id=decision.center_id,
                                           queued_at=queued_at, skill=_skill(decision.skill),
                                           route_reason=decision.reason or call.route_reason)
    call.status, call.center_id, call.queued_at = CallStatus.QUEUED, decision.center_id, queued_at
    call.skill = _skill(decision.skill)
    call.route_reason = decision.reason or call.route_reason
    center_id = decision.center_id
    transaction.on_commit(lambda: signals.queue_changed.send(sender=Call, center_id=center_id))
    return leg


def _close_leg(leg: CallLeg, at: datetime, outcome: str) -> None:
    CallLeg.objects.filter(pk=leg.pk).update(ended_at=at, outcome=outcome)
    center_id = leg.center_id
    transaction.on_commit(lambda: signals.queue_changed.send(sender=Call, center_id=center_id))


def _assign_or_wait(call: Call, at: datetime, recheck_after: float | None) -> RouteAnswer:
    answer = _assign(call, at)
    if answer is not None:
        return answer
    wait = min(recheck_after or POLL_SECONDS, POLL_SECONDS)
    return RouteAnswer("queue", call.pk, call.route_reason, _code(call.center_id),
                       call.skill.code if call.skill else "", call.priority, recheck_after=wait)


def _assign(call: Call, at: datetime) -> RouteAnswer | None:
    """Ring the longest-idle free agent with the skill at the call's center, unless calls ahead of it (higher
    priority, or the same priority and waiting longer) would be left without one."""
    if call.skill is None or call.center_id is None:
        return None
    ahead = Call.objects.filter(
        Q(priority__gt=call.priority) | Q(priority=call.priority, queued_at__lt=call.queued_at)
        | Q(priority=call.priority, queued_at=call.queued_at, pk__lt=call.pk),
        status=CallStatus.QUEUED, center_id=call.center_id, skill_id=call.skill.pk).count()
    candidates = list(AgentProfile.objects.filter(
        center_id=call.center_id, state=AgentState.AVAILABLE, skill_levels__skill_id=call.skill.pk)
        .order_by("available_since", "pk").values_list("pk", flat=True)[ahead:ahead + 3])
    for agent_id in candidates:
        try:
            with transaction.atomic():
                agent = agent_move(agent_id, AgentState.RINGING, at=at, current_call=call,
                                   expected=(AgentState.AVAILABLE,))
        except Conflict:  # taken by another call meanwhile: the next one
            continue
        _ringing(call, agent, at)
        return RouteAnswer("agent", call.pk, call.route_reason, _code(call.center_id), call.skill.code,
                           call.priority, extension=agent.extension)
    return None


def _ringing(call: Call, agent: AgentProfile, at: datetime) -> None:
    Call.objects.filter(pk=call.pk).update(status=CallStatus.RINGING, agent=agent.staff_id)
    CallLeg.objects.filter(call=call, sequence=call.legs.count()).update(agent=agent.staff_id)
    call.status, call.agent_id = CallStatus.RINGING, agent.staff_id
    call_id, agent_id = call.pk, agent.staff_id
    transaction.on_commit(lambda: signals.call_presented.send(sender=Call, call_id=call_id, agent_id=agent_id))


def _finished(call: Call, agent_id) -> None:
    call_id = call.pk
    transaction.on_commit(lambda: signals.call_finished.send(sender=Call, call_id=call_id, agent_id=agent_id))


def _current_answer(call: Call) -> RouteAnswer:
    code = _code(call.center_id)
    skill = call.skill.code if call.skill else ""
    if call.status == CallStatus.RINGING and call.agent_id:
        extension = AgentProfile.objects.filter(staff_id=call.agent_id).values_list("extension", flat=True).first()
        return RouteAnswer("agent", call.pk, call.route_reason, code, skill, call.priority, extension=extension or "")
    if call.status == CallStatus.QUEUED:
        return RouteAnswer("queue", call.pk, call.route_reason, code, skill, call.priority,
                           recheck_after=POLL_SECONDS)
    if call.status in (CallStatus.SELF_SERVICE, CallStatus.CALLBACK, CallStatus.VOICEMAIL):
        return RouteAnswer(call.status, call.pk, call.route_reason)
    return RouteAnswer("none", call.pk, call.route_reason, code, skill, call.priority)
