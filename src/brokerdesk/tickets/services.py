"""Ticket writes: create from any channel, the workflow (workflow.TRANSITIONS), supervision tickets, handover,
escalation, satisfaction, accountability.

Every function takes the acting staff member (None for the system: email intake, the public form, the sweep),
checks permission and scope, changes state compare-and-set, writes a TicketEvent (the history on the page) and
an audit event in the same transaction, and sends notifications only through on-commit hooks.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_identified_by
from brokerdesk.org.choices import DepartmentKind, Role
from brokerdesk.org.models import Branch, Department, Staff
from brokerdesk.org.notifications import notify
from brokerdesk.tickets import client_notices, sla
from brokerdesk.tickets.choices import (
    Priority,
    RegulatorSource,
    Satisfaction,
    SupervisionStatus,
    TicketAction,
    TicketChannel,
    TicketKind,
    TicketStatus,
    TimerKind,
)
from brokerdesk.tickets.major import Facts, RuleSpec, major_reasons, split_keywords
from brokerdesk.tickets.models import (
    Accountability,
    Escalation,
    MajorComplaintRule,
    SupervisionOrder,
    Ticket,
    TicketCategory,
    TicketEvent,
)
from brokerdesk.tickets.selectors import tickets_visible_to
from brokerdesk.tickets.workflow import TransitionNotAllowed, next_status

LIMITS = {"subject": 200, "description": 10000, "contact_name": 60, "contact_phone": 30, "contact_email": 254,
          "interaction_ref": 64, "source_ref": 120, "regulator_ref": 60, "note": 5000}
# Departments a major complaint is escalated to at once (DOMAIN.md "Complaints").
ESCALATION_DEPARTMENTS = (DepartmentKind.OPERATIONS, DepartmentKind.RISK_CONTROL, DepartmentKind.COMPLIANCE)


@dataclass(frozen=True)
class TicketInput:
    kind: str
    channel: str
    subject: str
    description: str
    category_id: int | None = None
    customer_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    interaction_ref: str = ""
    source_ref: str = ""
    regulator_source: str = ""
    regulator_ref: str = ""
    regulator_deadline: datetime | None = None
    amount_involved: Decimal | str | None = None
    clients_involved: int = 1
    committed_resolution_at: datetime | None = None
    priority: str = Priority.NORMAL


def _require_hq(actor, attempted: str) -> None:
    """Dispatching, reviewing and resolving supervised complaints are HQ's (company- or center-scoped staff)."""
    if not actor.sees_all_branches:
        audit_record(actor=actor, action="access.denied", details={"attempted": attempted, "why": "not HQ"})
        raise PermissionDenied(_("Only HQ staff may do this."))


def _check_text(errors: FieldErrors, name: str, value: str, *, required: bool = False, limit: int | None = None,
                missing: str | None = None) -> str:
    """The stripped text, with its problems added to errors: missing when required (`missing` says what to write),
    longer than its limit (LIMITS[name] unless given)."""
    value = (value or "").strip()
    limit = limit or LIMITS[name]
    if required and not value:
        errors.add(name, missing or _("This field is required."))
    if len(value) > limit:
        errors.add(name, _("At most %(n)d characters.") % {"n": limit})
    return value


def _validate(data: TicketInput, now: datetime) -> dict:
    """Every problem with the input at once, before anything is written."""
    errors = FieldErrors()
    fields: dict = {}
    if data.kind not in TicketKind.values:
        errors.add("kind", _("Unknown kind."))
    if data.channel not in TicketChannel.values:
        errors.add("channel", _("Unknown channel."))
    if data.priority not in Priority.values:
        errors.add("priority", _("Unknown priority."))
    for name in ("subject", "description"):
        fields[name] = _check_text(errors, name, getattr(data, name), required=True)
    for name in ("contact_name", "contact_phone", "contact_email", "interaction_ref", "source_ref", "regulator_ref"):
        fields[name] = _check_text(errors, name, getattr(data, name))
    if data.category_id is not None:
        category = TicketCategory.objects.filter(pk=data.category_id, is_active=True).first()
        if category is None:
            errors.add("category", _("Unknown category."))
        elif category.kinds and data.kind not in category.kinds:
            errors.add("category", _("This category does not apply to this kind of ticket."))
        fields["category"] = category
    if data.kind == TicketKind.REGULATOR_REFERRAL:
        if data.regulator_source not in RegulatorSource.values:
            errors.add("regulator_source", _("Say which regulator referred it."))
        if not fields.get("regulator_ref"):
            errors.add("regulator_ref", _("The regulator's reference number is required."))
        if data.regulator_deadline is None:
            errors.add("regulator_deadline", _("The regulator's deadline is required."))
    elif data.regulator_source or data.regulator_ref or data.regulator_deadline:
        errors.add("regulator_source", _("Only regulator referrals carry a regulator reference."))
    fields["regulator_source"] = data.regulator_source or ""
    fields["regulator_deadline"] = data.regulator_deadline
    if data.regulator_deadline is not None and data.regulator_deadline <= now:
        errors.add("regulator_deadline", _("The deadline has already passed."))
    if data.committed_resolution_at is not None and data.committed_resolution_at <= now:
        errors.add("committed_resolution_at", _("The promised time must be in the future."))
    fields["committed_resolution_at"] = data.committed_resolution_at
    amount = None
    if data.amount_involved not in (None, ""):
        try:
            amount = Decimal(str(data.amount_involved))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
                raise InvalidOperation
        except InvalidOperation:
            errors.add("amount_involved", _("An amount of zero or more, in yuan."))
    fields["amount_involved"] = amount
    if not isinstance(data.clients_involved, int) or not 1 <= data.clients_involved <= 100000:
        errors.add("clients_involved", _("From 1 to 100000."))
    fields["clients_involved"] = data.clients_involved
    errors.raise_if_any()
    fields.update(kind=data.kind, channel=data.channel, priority=data.priority)
    return fields


def ticket_event_record(ticket: Ticket, actor, action: str, now: datetime, *, old: str = "", new: str = "",
                        note: str = "", details: dict | None = None) -> None:
    """One step of the ticket's history, and the same step in the audit chain."""
    TicketEvent.objects.create(ticket=ticket, at=now, actor=actor if getattr(actor, "pk", None) else None,
                               action=action, from_status=old, to_status=new, note=note, details=details or {})
    audit_record(actor=actor, action=f"tickets.{action}", object_type="ticket", object_id=ticket.pk,
                 before={"status": old} if old else None, after={"status": new} if new else None,
                 details={"note": note, **(details or {})} if note or details else None)


def ticket_create(*, actor, data: TicketInput, accept: bool = False) -> Ticket:
    """A ticket from any channel. With accept, the staff member recording it (an agent during a call) is its
    first handler at once; otherwise it waits in the queue as new. The client is the one given (already scoped
    by the caller) or, failing that, the one the contact phone or email identifies."""
    if actor is not None:
        require_permission(actor, "tickets.add_ticket", "tickets.ticket_create")
    now = timezone.now()
    fields = _validate(data, now)
    customer = None
    if data.customer_id is not None:
        customer = Customer.objects.filter(pk=database_id(data.customer_id)).select_related("home_branch").first()
        if customer is None:
            raise ValidationFailed(details={"customer": [_("Unknown client.")]})
    else:
        customer = customer_identified_by(phone=fields["contact_phone"], email=fields["contact_email"])
    branch = customer.home_branch if customer else (actor.branch if actor and not actor.sees_all_branches else None)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            **fields, customer=customer, branch=branch, created_by=actor,
            status=TicketStatus.ACCEPTED if accept else TicketStatus.NEW,
            owner=actor if accept else None, first_responded_at=now if accept else None)
        ticket.number = f"TK{timezone.localtime(now):%Y%m%d}{ticket.pk:07d}"
        Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
        ticket_event_record(ticket, actor, "create", now, new=ticket.status,
               details={"channel": ticket.channel, "kind": ticket.kind, "customer": customer.pk if customer else None})
        if accept:
            ticket_event_record(ticket, actor, "accept", now, old=TicketStatus.NEW, new=TicketStatus.ACCEPTED)
        reasons = _major_reasons(ticket)
        if reasons:  # before the clocks start: a major complaint runs on the major policy
            _escalate(ticket, actor, reasons, now)
        sla.timers_start(ticket, now=now)
        client_notices.ticket_registered_notify(ticket)
    return ticket


def _major_reasons(ticket: Ticket) -> list[dict]:
    rules = [RuleSpec(r.pk, r.name, r.kind, split_keywords(r.keywords), r.amount_threshold, r.min_clients)
             for r in MajorComplaintRule.objects.filter(is_active=True)]
    if ticket.kind not in (TicketKind.COMPLAINT, TicketKind.REGULATOR_REFERRAL) or not rules:
        return []
    facts = Facts(kind=ticket.kind, text=f"{ticket.subject}\n{ticket.description}", amount=ticket.amount_involved,
                  clients=ticket.clients_involved)
    return major_reasons(facts, rules)


def ticket_lock_for_actor(actor, ticket_id, permission: str, attempted: str, *,
                          system_allowed: bool = False) -> Ticket:
    """The ticket, locked for this transaction, if the actor may act on it; "not yours" is NotFound. With
    system_allowed, actor None is the system (another app's service acting on its own authority) and may act
    on any ticket."""
    require_permission(actor, permission, attempted, system_allowed=system_allowed)
    tickets = Ticket.objects.all() if actor is None else tickets_visible_to(actor)
    ticket = tickets.select_for_update().filter(pk=database_id(ticket_id)).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _move(ticket: Ticket, actor, action: str, now: datetime, *, note: str = "", details: dict | None = None,
          returned_to_branch: bool = False, **changes) -> Ticket:
    """Compare-and-set the status by the workflow table and write the history row."""
    try:
        new = next_status(action, ticket.status, kind=ticket.kind, returned_to_branch=returned_to_branch)
    except TransitionNotAllowed:
        raise Conflict(_("The ticket is %(status)s: “%(action)s” is not possible now.")
                       % {"status": TicketStatus(ticket.status).label, "action": TicketAction(action).label}) from None
    old = ticket.status
    moved = Ticket.objects.filter(pk=ticket.pk, status=old).update(status=new, updated_at=now, **changes)
    if not moved:
        raise Conflict()
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.status = new
    ticket_event_record(ticket, actor, action, now, old=old, new=new, note=note, details=details)
    return ticket


def _note_text(note: str, *, required: bool, name: str = "note") -> str:
    errors = FieldErrors()
    value = _check_text(errors, name, note, required=required, limit=LIMITS["note"], missing=_("Please say why."))
    errors.raise_if_any()
    return value


def ticket_accept(*, actor, ticket_id) -> Ticket:
    """The first handler takes the ticket (首问负责制): they own it until an explicit handover."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_accept")
        now = timezone.now()
        ticket = _move(ticket, actor, "accept", now, owner=actor, first_responded_at=now)
        sla.timers_stop(ticket, [TimerKind.FIRST_RESPONSE], now=now)
    return ticket


def ticket_start(*, actor, ticket_id, note: str = "") -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_start")
        return _move(ticket, actor, "start", timezone.now(), note=_note_text(note, required=False))


def ticket_dispatch(*, actor, ticket_id, instructions: str, branch_id=None, department_id=None,
                    reply_by: datetime | None = None, reply_within_days: int = 2) -> SupervisionOrder:
    """投诉督办单: HQ sends the ticket to the branch or department that must resolve it, with a reply-by time.

    actor None is the system: a return visit that found staff misconduct sends its ticket to compliance by rule
    (visits.findings), with no dispatcher; pages and the API always pass the signed-in staff member."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.dispatch_ticket", "tickets.ticket_dispatch",
                                       system_allowed=True)
        if actor is not None:
            _require_hq(actor, "tickets.ticket_dispatch")
        errors = FieldErrors()
        instructions = _check_text(errors, "instructions", instructions, required=True, limit=LIMITS["note"],
                                   missing=_("Tell the branch what to do."))
        branch = department = None
        if bool(branch_id) == bool(department_id):
            errors.add("target", _("Choose one branch or one department."))
        elif branch_id:
            branch = Branch.objects.filter(pk=database_id(branch_id), is_active=True).first()
            if branch is None:
                errors.add("target", _("Unknown branch."))
        else:
            department = Department.objects.filter(pk=database_id(department_id)).first()
            if department is None:
                errors.add("target", _("Unknown department."))
        now = timezone.now()
        if reply_by is None and not errors:
            reply_by = sla.add_business_days(now, reply_within_days)
        if reply_by is not None and reply_by <= now:
            errors.add("reply_by", _("The reply-by time must be in the future."))
        errors.raise_if_any()
        if ticket.supervision_orders.filter(status__in=[SupervisionStatus.OPEN, SupervisionStatus.REPLIED,
                                                        SupervisionStatus.RETURNED]).exists():
            raise Conflict(_("This ticket already has an open supervision ticket."))
        changes = {"branch": branch} if branch else {"department": department}
        ticket = _move(ticket, actor, "dispatch", now, note=instructions,
                       details={"branch": branch.pk if branch else None,
                                "department": department.pk if department else None,
                                "reply_by": reply_by.isoformat()}, **changes)
        order = SupervisionOrder.objects.create(ticket=ticket, target_branch=branch, target_department=department,
                                                instructions=instructions, reply_by=reply_by, dispatched_by=actor,
                                                dispatched_at=now)
        sla.supervision_timer_start(order, now=now)
        notify(_branch_handlers(branch) if branch else department.staff.filter(is_active=True),
               kind="ticket_dispatched",
               title=_("Supervision ticket %(ticket)s: reply by %(when)s")
               % {"ticket": ticket, "when": timezone.localtime(reply_by).strftime("%Y-%m-%d %H:%M")},
               body=ticket.subject, url=f"/tickets/{ticket.pk}/")
    return order


def _branch_handlers(branch: Branch):
    return Staff.objects.filter(branch=branch, is_active=True, groups__name=Role.BRANCH_STAFF).distinct()


def _open_order(ticket: Ticket) -> SupervisionOrder | None:
    return ticket.supervision_orders.filter(
        status__in=[SupervisionStatus.OPEN, SupervisionStatus.RETURNED, SupervisionStatus.REPLIED]).first()


def ticket_reply(*, actor, ticket_id, findings: str, measures: str) -> SupervisionOrder:
    """The branch (or department) answers the supervision ticket with its findings and measures."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_reply")
        order = _open_order(ticket)
        if order is None or order.status == SupervisionStatus.REPLIED:
            raise Conflict(_("There is no supervision ticket awaiting a reply."))
        if order.target_branch_id and not actor.sees_all_branches and actor.branch_id != order.target_branch_id:
            raise NotFound()
        if order.target_department_id and actor.department_id != order.target_department_id \
                and not actor.sees_all_branches:
            raise NotFound()
        errors = FieldErrors()
        findings = _check_text(errors, "findings", findings, required=True, limit=LIMITS["note"])
        measures = _check_text(errors, "measures", measures, required=True, limit=LIMITS["note"])
        errors.raise_if_any()
        now = timezone.now()
        resolution = f"{findings}\n\n{measures}"
        _move(ticket, actor, "reply", now, note=resolution, details={"supervision": order.pk}, resolution=resolution)
        SupervisionOrder.objects.filter(pk=order.pk).update(status=SupervisionStatus.REPLIED, findings=findings,
                                                            measures=measures, replied_by=actor, replied_at=now)
        sla.timers_stop(ticket, [TimerKind.SUPERVISION_REPLY], now=now, supervision=order)
        order.refresh_from_db()
        notify([order.dispatched_by], kind="ticket_replied",
               title=_("%(branch)s replied to supervision ticket %(ticket)s")
               % {"branch": order.target, "ticket": ticket}, body=findings[:500], url=f"/tickets/{ticket.pk}/")
    return order


def ticket_propose(*, actor, ticket_id, resolution: str) -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_propose")
        text = _note_text(resolution, required=True, name="resolution")
        return _move(ticket, actor, "propose", timezone.now(), note=text, resolution=text)


def _needs_hq_review(ticket: Ticket) -> bool:
    return ticket.supervision_orders.exists() or ticket.kind in (TicketKind.COMPLAINT, TicketKind.REGULATOR_REFERRAL)


def ticket_return(*, actor, ticket_id, note: str) -> Ticket:
    """HQ is not satisfied with the proposed resolution: back to the branch (a supervision reply) or to work."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.dispatch_ticket", "tickets.ticket_return")
        _require_hq(actor, "tickets.ticket_return")
        text = _note_text(note, required=True)
        order = ticket.supervision_orders.filter(status=SupervisionStatus.REPLIED).first()
        ticket = _move(ticket, actor, "return", timezone.now(), note=text, returned_to_branch=order is not None)
        if order is not None:
            SupervisionOrder.objects.filter(pk=order.pk).update(
                status=SupervisionStatus.RETURNED, reviewed_by=actor, reviewed_at=timezone.now(), review_note=text)
    return ticket


def ticket_resolve(*, actor, ticket_id, note: str = "") -> Ticket:
    """Accept the proposed resolution. Complaints and supervised tickets are resolved by HQ; a consultation or
    request its owner has answered may be resolved by the owner."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_resolve")
        if _needs_hq_review(ticket):
            require_permission(actor, "tickets.dispatch_ticket", "tickets.ticket_resolve")
            _require_hq(actor, "tickets.ticket_resolve")
        elif ticket.owner_id != actor.pk and not actor.sees_all_branches:
            raise PermissionDenied(_("Only the ticket's owner or HQ may resolve it."))
        now = timezone.now()
        ticket = _move(ticket, actor, "resolve", now, note=_note_text(note, required=False), resolved_at=now)
        sla.timers_stop(ticket, [TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION, TimerKind.REGULATOR], now=now)
        SupervisionOrder.objects.filter(ticket=ticket, status=SupervisionStatus.REPLIED).update(
            status=SupervisionStatus.ACCEPTED, reviewed_by=actor, reviewed_at=now)
        client_notices.ticket_resolved_notify(ticket)
    return ticket


def ticket_callback_start(*, actor, ticket_id) -> Ticket:
    """The satisfaction callback begins. After commit a job announces it (signals.ticket_callback_due): the
    return-visits app makes the callback a visit task, whose outcome records the satisfaction below."""
    from brokerdesk.tickets.tasks import ticket_callback_announce

    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_callback_start")
        ticket = _move(ticket, actor, "callback", timezone.now())
        ticket_pk = ticket.pk
        transaction.on_commit(lambda: ticket_callback_announce(ticket_pk))
        return ticket


def ticket_satisfaction_record(*, actor, ticket_id, satisfaction: int | None, comment: str = "",
                               reached: bool = True, details: dict | None = None) -> Ticket:
    """Record what the client said on the callback and close the ticket. An unreachable client is recorded as
    such (no score); a dissatisfied client's ticket can be reopened.

    actor None is the system: a callback visit recorded by someone who cannot see this ticket (visits.callbacks);
    details (e.g. the visit task) go into the history row."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_satisfaction_record",
                                       system_allowed=True)
        comment = _note_text(comment, required=not reached, name="comment")
        if reached and satisfaction not in Satisfaction.values:
            raise ValidationFailed(details={"satisfaction": [_("Choose how satisfied the client is (1-5).")]})
        now = timezone.now()
        return _move(ticket, actor, "record_satisfaction", now, note=comment,
                     details={"satisfaction": satisfaction if reached else None, "reached": reached,
                              **(details or {})},
                     satisfaction=satisfaction if reached else None, satisfaction_note=comment, closed_at=now)


def ticket_close(*, actor, ticket_id, note: str = "") -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_close")
        now = timezone.now()
        return _move(ticket, actor, "close", now, note=_note_text(note, required=False), closed_at=now)


def ticket_reopen(*, actor, ticket_id, reason: str) -> Ticket:
    """Back to work: the client is not satisfied or the resolution failed. Needs a reason; restarts the
    resolution clock."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.dispatch_ticket", "tickets.ticket_reopen")
        text = _note_text(reason, required=True, name="reason")
        now = timezone.now()
        ticket = _move(ticket, actor, "reopen", now, note=text, resolved_at=None, closed_at=None,
                       reopen_count=ticket.reopen_count + 1)
        sla.timers_stop(ticket, [TimerKind.RESOLUTION, TimerKind.REGULATOR], now=now)
        sla.timers_start(ticket, now=now, reopened=True)
    return ticket


def ticket_handover(*, actor, ticket_id, to_staff_id, reason: str) -> Ticket:
    """首问负责制: the owner changes only here, with a reason, to someone who may work on the ticket."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_handover")
        if ticket.owner_id not in (None, actor.pk) and not actor.has_perm("tickets.dispatch_ticket"):
            raise PermissionDenied(_("Only the owner or a supervisor may hand this ticket over."))
        text = _note_text(reason, required=True, name="reason")
        target = Staff.objects.filter(pk=database_id(to_staff_id), is_active=True).first()
        if target is None or not target.has_perm("tickets.work_ticket") or \
                not tickets_visible_to(target).filter(pk=ticket.pk).exists():
            raise ValidationFailed(details={"to_staff": [_("This person cannot work on this ticket.")]})
        if target.pk == ticket.owner_id:
            raise ValidationFailed(details={"to_staff": [_("This person already owns the ticket.")]})
        now = timezone.now()
        previous = ticket.owner
        Ticket.objects.filter(pk=ticket.pk).update(owner=target, updated_at=now)
        ticket.owner = target
        ticket_event_record(ticket, actor, "handover", now, note=text,
               details={"from": previous.pk if previous else None, "to": target.pk})
        notify([target], kind="ticket_handover", title=_("Ticket %(ticket)s was handed over to you") %
               {"ticket": ticket}, body=text, url=f"/tickets/{ticket.pk}/")
    return ticket


def ticket_pause(*, actor, ticket_id, reason: str) -> Ticket:
    """Waiting on the client (documents, a call back): the SLA clocks stop until the client answers."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_pause")
        next_status("pause", ticket.status)
        if ticket.waiting_on_client_since:
            raise Conflict(_("The ticket is already waiting on the client."))
        text = _note_text(reason, required=True, name="reason")
        now = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(waiting_on_client_since=now, updated_at=now)
        ticket.waiting_on_client_since = now
        sla.timers_pause(ticket, now=now)
        ticket_event_record(ticket, actor, "pause", now, note=text)
    return ticket


def ticket_resume(*, actor, ticket_id, note: str = "") -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_resume")
        if not ticket.waiting_on_client_since:
            raise Conflict(_("The ticket is not waiting on the client."))
        now = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(waiting_on_client_since=None, updated_at=now)
        ticket.waiting_on_client_since = None
        sla.timers_resume(ticket, now=now)
        ticket_event_record(ticket, actor, "resume", now, note=_note_text(note, required=False))
    return ticket


def ticket_note_add(*, actor, ticket_id, note: str) -> TicketEvent:
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.ticket_note_add")
        ticket_action_check("note", ticket)
        ticket_event_record(ticket, actor, "note", timezone.now(), note=_note_text(note, required=True))
        return ticket.events.order_by("-id").first()


def ticket_action_check(action: str, ticket: Ticket) -> None:
    try:
        next_status(action, ticket.status, kind=ticket.kind)
    except TransitionNotAllowed:
        raise Conflict(_("A closed ticket is archived and read-only.")) from None


def ticket_escalate(*, actor, ticket_id, reason: str) -> Escalation:
    """A handler marks a complaint major (media, lawsuit threatened, …) beyond what the rules caught."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.escalate_ticket", "tickets.ticket_escalate")
        ticket_action_check("escalate", ticket)
        text = _note_text(reason, required=True, name="reason")
        return _escalate(ticket, actor, [{"rule": None, "name": _("Marked by the handler"), "kind": "flag",
                                          "detail": text}], timezone.now())


def _escalate(ticket: Ticket, actor, reasons: list[dict], now: datetime) -> Escalation:
    """At once to operations, risk control and compliance: a record, the notifications and the ticket marked
    major and urgent."""
    Ticket.objects.filter(pk=ticket.pk).update(is_major=True, priority=Priority.URGENT,
                                               escalated_at=ticket.escalated_at or now, updated_at=now)
    ticket.is_major, ticket.priority = True, Priority.URGENT
    ticket.escalated_at = ticket.escalated_at or now
    departments = list(Department.objects.filter(kind__in=ESCALATION_DEPARTMENTS))
    recipients = Staff.objects.filter(department__in=departments, is_active=True)
    escalation = Escalation.objects.create(ticket=ticket, at=now, by=actor if getattr(actor, "pk", None) else None,
                                           reasons=reasons)
    escalation.departments.set(departments)
    title = _("Major complaint %(ticket)s escalated") % {"ticket": ticket}
    body = "\n".join(f"{r['name']}: {r['detail']}" for r in reasons) + f"\n\n{ticket.subject}"
    escalation.notified = notify(list(recipients), kind="ticket_escalated", title=title, body=body,
                                 url=f"/tickets/{ticket.pk}/")
    Escalation.objects.filter(pk=escalation.pk).update(notified=escalation.notified)
    ticket_event_record(ticket, actor, "escalate", now, details={"reasons": reasons,
                                                    "departments": [d.pk for d in departments]})
    return escalation


def accountability_record(*, actor, ticket_id, finding: str, measure: str, staff_id=None,
                          staff_name: str = "") -> Accountability:
    """责任追究: who was found responsible, what was found and what was done."""
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.escalate_ticket", "tickets.accountability_record")
        ticket_action_check("record_accountability", ticket)
        errors = FieldErrors()
        staff = None
        if staff_id:
            staff = Staff.objects.filter(pk=database_id(staff_id)).first()
            if staff is None:
                errors.add("staff", _("Unknown staff member."))
        name = (staff_name or (str(staff) if staff else "")).strip()
        if not name or len(name) > 60:
            errors.add("staff_name", _("Name the staff member (at most 60 characters)."))
        finding = _check_text(errors, "finding", finding, required=True, limit=LIMITS["note"])
        measure = _check_text(errors, "measure", measure, required=True, limit=LIMITS["note"])
        errors.raise_if_any()
        now = timezone.now()
        record = Accountability.objects.create(ticket=ticket, staff=staff, staff_name=name, finding=finding,
                                               measure=measure, recorded_by=actor, recorded_at=now)
        ticket_event_record(ticket, actor, "record_accountability", now, note=finding,
                            details={"staff": staff.pk if staff else None, "staff_name": name, "measure": measure})
    return record
