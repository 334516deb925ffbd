"""Package subscriptions: request (self-service, an agent on the client's behalf, branch staff), eligibility and
suitability, approval, cooling-off, effect, upgrade/downgrade/cancel, with every step in the history.

Status moves are compare-and-set on the old status and write a SubscriptionEvent and an audit row in the same
transaction. A subscription taking effect ends the client's previous one and queues a commission change for the
core system (services.commission_export); the CRM never changes commission itself.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.calendar import is_trading_day
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.segmentation.selectors import current_tier
from brokerdesk.service_plans.choices import (
    OPEN_SUBSCRIPTION_STATUSES,
    RequestChannel,
    ServiceEventKind,
    SubjectKind,
    SubscriptionChange,
    SubscriptionStatus,
    SuitabilityOutcome,
)
from brokerdesk.service_plans.events import service_event_record
from brokerdesk.service_plans.models import (
    CommissionChange,
    ServicePackage,
    Subscription,
    SubscriptionEvent,
)
from brokerdesk.service_plans.selectors.packages import (
    current_package,
    current_subscription,
    default_package,
    eligibility_problems,
    schedule_for,
    subscription_get_for_actor,
)
from brokerdesk.service_plans.services.suitability import (
    ConfirmationRequired,
    Subject,
    SuitabilityRefused,
    confirmed_check_for,
    decide_for,
    needs_confirmation,
    reason_messages,
    suitability_check_record,
)

REFUSED_OUTCOMES = (SuitabilityOutcome.REFUSED_LOWEST_CATEGORY, SuitabilityOutcome.REFUSED_NO_ASSESSMENT)


@dataclass
class SubscriptionRequest:
    package_code: str
    channel: str
    commission_rate: str = ""  # ‰; blank: the schedule's standard rate
    reason: str = ""
    confirmed_check_id: int | None = None  # the client's signed confirmation of the warning, when one was needed


def package_subject(package: ServicePackage) -> Subject:
    return Subject(SubjectKind.PACKAGE, package.code, package.name, package.risk_level)


def _parse_rate(text: str, errors: FieldErrors) -> Decimal | None:
    try:
        rate = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        errors.add("commission_rate", _("Enter the rate in per mille, e.g. 0.2500."))
        return None
    if not rate.is_finite() or rate < 0 or rate.as_tuple().exponent < -4:
        errors.add("commission_rate", _("Enter the rate in per mille with at most four decimals."))
        return None
    return rate


def _record(subscription: Subscription, action: str, from_status: str, actor, note: str = "") -> None:
    SubscriptionEvent.objects.create(subscription=subscription, action=action, from_status=from_status,
                                     to_status=subscription.status, actor=actor, at=timezone.now(), note=note[:500])
    audit_record(actor=actor, action=f"subscription.{action}", object_type="subscription", object_id=subscription.pk,
                 before={"status": from_status} if from_status else None,
                 after={"status": subscription.status, "customer_id": subscription.customer_id,
                        "package": subscription.package.code, "commission_rate": subscription.commission_rate},
                 details={"note": note[:500]} if note else None)


def _move(subscription: Subscription, to_status: str, *, actor, action: str, note: str = "", **fields) -> None:
    """Compare-and-set from the status the caller saw; Conflict if someone else moved it first."""
    from_status = subscription.status
    if Subscription.objects.filter(pk=subscription.pk, status=from_status).update(status=to_status, **fields) != 1:
        raise Conflict()
    subscription.refresh_from_db()
    _record(subscription, action, from_status, actor, note)


def next_trading_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def _commission_change_queue(subscription: Subscription, *, old_rate, new_rate) -> None:
    """Queue the change for the core system's next file (nothing when the rate stays), from the next trading day,
    on the client's primary capital account."""
    if old_rate == new_rate:
        return
    accounts = subscription.customer.capital_accounts
    account = accounts.filter(is_primary=True).first() or accounts.first()
    CommissionChange.objects.create(
        customer=subscription.customer, subscription=subscription,
        capital_account=account.account_no if account else "", old_rate=old_rate, new_rate=new_rate,
        effective_on=next_trading_day(timezone.localdate()), created_at=timezone.now())


def _activate(subscription: Subscription, *, actor, action: str, note: str = "") -> None:
    """Take effect today: end the previous package, queue the commission change, announce the change."""
    today = timezone.localdate()
    customer = subscription.customer
    previous = current_subscription(customer)
    if previous is not None:
        _move(previous, SubscriptionStatus.ENDED, actor=actor, action="end", ended_on=today,
              note=_("Replaced by subscription %(id)s.") % {"id": subscription.pk})
        old_rate = previous.commission_rate
    else:
        default = default_package()
        schedule = schedule_for(default, subscription.asset_tier) if default else None
        old_rate = schedule.standard_rate if schedule else None
    _move(subscription, SubscriptionStatus.ACTIVE, actor=actor, action=action, note=note, effective_on=today)
    _commission_change_queue(subscription, old_rate=old_rate, new_rate=subscription.commission_rate)
    service_event_record(kind=ServiceEventKind.PACKAGE_CHANGED, customer=customer,
                         key=f"subscription:{subscription.pk}",
                         payload={"subscription_id": subscription.pk, "package": subscription.package.code,
                                  "previous_package": previous.package.code if previous else None,
                                  "change": subscription.change})


def _after_approval(subscription: Subscription, *, actor) -> None:
    """Approved (or needing no approval): cooling-off first if the sale needs it, else effect now."""
    check = subscription.suitability
    if check is not None and check.cooling_off_until and check.cooling_off_until > timezone.now():
        _move(subscription, SubscriptionStatus.COOLING_OFF, actor=actor, action="cooling_off",
              cooling_off_until=check.cooling_off_until)
    else:
        _activate(subscription, actor=actor, action="activate")


def _change_kind(current: ServicePackage | None, wanted: ServicePackage) -> str:
    if current is None or current.is_default:
        return SubscriptionChange.NEW
    return SubscriptionChange.UPGRADE if wanted.rank > current.rank else SubscriptionChange.DOWNGRADE


def subscription_request(*, actor, customer_id=None, customer: Customer | None = None,
                         data: SubscriptionRequest) -> Subscription:
    """Request a package for a client. Staff act for a client they may see (actor, customer_id); on self-service
    the client acts for themselves (actor None, customer from the signed link).

    Raises ValidationFailed (eligibility and input), SuitabilityRefused (lowest category, no valid assessment),
    or ConfirmationRequired with details.check_id: the check the client must sign before asking again with it.
    """
    if actor is not None:
        customer = customer_get_for_actor(actor, customer_id)
        require_permission(actor, "service_plans.subscribe_package", "subscription.request")
        if data.channel == RequestChannel.SELF_SERVICE:
            raise PermissionDenied()
    elif customer is None or data.channel != RequestChannel.SELF_SERVICE:
        raise NotFound()
    today = timezone.localdate()
    errors = FieldErrors()
    if data.channel not in RequestChannel.values:
        errors.add("channel", _("Unknown channel."))
    package = (ServicePackage.objects.filter(code=data.package_code).prefetch_related("schedules").first()
               if data.package_code else None)
    if package is None:
        errors.add("package", _("Choose a package."))
        errors.raise_if_any()
    tier = current_tier(customer.pk)
    tier_code = tier.code if tier else ""
    have = current_package(customer)
    if have is not None and have.pk == package.pk:
        errors.add("package", _("The client already has this package."))
    if package.is_default:
        errors.add("package", _("The basic package needs no subscription: cancel the current one instead."))
    if Subscription.objects.filter(customer=customer, status__in=OPEN_SUBSCRIPTION_STATUSES).exists():
        errors.add("package", _("The client has a request in progress; withdraw or finish it first."))
    for problem in eligibility_problems(customer, package, tier_code, today):
        errors.add("package", problem)
    schedule = schedule_for(package, tier_code)
    rate = schedule.standard_rate if schedule else None
    if data.commission_rate.strip():
        rate = _parse_rate(data.commission_rate, errors)
        if data.channel == RequestChannel.SELF_SERVICE and rate is not None and schedule and \
                rate != schedule.standard_rate:
            errors.add("commission_rate", _("Self-service requests take the standard rate."))
        elif rate is not None and schedule and not schedule.min_rate <= rate <= schedule.max_rate:
            errors.add("commission_rate", _("The rate must lie between %(low)s‰ and %(high)s‰ for this tier.") % {
                "low": schedule.min_rate, "high": schedule.max_rate})
    errors.raise_if_any()

    subject = package_subject(package)
    refusal = None
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one request per client at a time
        if data.confirmed_check_id:
            check = confirmed_check_for(customer, subject, data.confirmed_check_id)
            if Subscription.objects.filter(suitability=check).exists():
                raise Conflict(_("This confirmation was already used for another request."))
            # The client may have been reassessed since signing: a confirmation never overrides a refusal.
            decision = decide_for(customer, subject.risk)
            if decision.refused:
                raise SuitabilityRefused(" ".join(reason_messages(decision.reasons)))
        else:
            check = suitability_check_record(actor=actor, customer=customer, subject=subject, channel=data.channel)
            if check.outcome in REFUSED_OUTCOMES:
                refusal = SuitabilityRefused(" ".join(reason_messages(check.reasons)), details={"check_id": check.pk})
            elif needs_confirmation(check):
                refusal = ConfirmationRequired(_("The client must read and sign the risk warning first."),
                                               details={"check_id": check.pk})
        if refusal is None:
            subscription = Subscription.objects.create(
                customer=customer, package=package, change=_change_kind(have, package),
                status=SubscriptionStatus.PENDING_APPROVAL, channel=data.channel, commission_rate=rate,
                asset_tier=tier_code, replaces=current_subscription(customer), suitability=check,
                requested_by=actor, requested_at=timezone.now(), reason=data.reason.strip()[:500])
            _record(subscription, "request", "", actor, data.reason)
            if not package.requires_approval:
                _after_approval(subscription, actor=actor)
            return subscription
    # The check is committed (it is evidence either way); the caller shows what the client must do.
    raise refusal


def subscription_approve(*, actor, subscription_id, note: str = "") -> Subscription:
    """Maker-checker: a reviewer other than whoever requested it approves; suitability is decided again."""
    subscription = subscription_get_for_actor(actor, subscription_id)
    require_permission(actor, "service_plans.approve_subscription", "subscription.approve")
    if subscription.requested_by_id == actor.pk:
        raise PermissionDenied(_("Whoever requested a subscription may not approve it."))
    if subscription.status != SubscriptionStatus.PENDING_APPROVAL:
        raise Conflict(_("Only a request awaiting approval can be approved."))
    decision = decide_for(subscription.customer, subscription.package.risk_level)
    if decision.refused:
        raise SuitabilityRefused(" ".join(reason_messages(decision.reasons)))
    with transaction.atomic():
        _move(subscription, SubscriptionStatus.PENDING_APPROVAL, actor=actor, action="approve", note=note,
              decided_by=actor, decided_at=timezone.now(), decision_note=note[:500])
        _after_approval(subscription, actor=actor)
    return subscription


def subscription_reject(*, actor, subscription_id, note: str) -> Subscription:
    subscription = subscription_get_for_actor(actor, subscription_id)
    require_permission(actor, "service_plans.approve_subscription", "subscription.reject")
    if not note.strip():
        raise ValidationFailed(details={"note": [_("Give the reason for the rejection.")]})
    if subscription.status != SubscriptionStatus.PENDING_APPROVAL:
        raise Conflict(_("Only a request awaiting approval can be rejected."))
    with transaction.atomic():
        _move(subscription, SubscriptionStatus.REJECTED, actor=actor, action="reject", note=note,
              decided_by=actor, decided_at=timezone.now(), decision_note=note.strip()[:500])
    return subscription


def subscription_withdraw(*, actor, subscription_id=None, subscription: Subscription | None = None,
                          note: str = "") -> Subscription:
    """The client changes their mind before the package takes effect (during cooling-off, too)."""
    if actor is not None:
        subscription = subscription_get_for_actor(actor, subscription_id)
        require_permission(actor, "service_plans.subscribe_package", "subscription.withdraw")
    elif subscription is None:
        raise NotFound()
    if subscription.status not in OPEN_SUBSCRIPTION_STATUSES:
        raise Conflict(_("Only a request not yet in effect can be withdrawn."))
    with transaction.atomic():
        _move(subscription, SubscriptionStatus.WITHDRAWN, actor=actor, action="withdraw", note=note)
    return subscription


def subscription_cancel(*, actor, customer_id=None, customer: Customer | None = None, channel: str,
                        note: str = "") -> Subscription:
    """End the client's package: back to the basic package and its standard commission from the next day."""
    if actor is not None:
        customer = customer_get_for_actor(actor, customer_id)
        require_permission(actor, "service_plans.subscribe_package", "subscription.cancel")
    elif customer is None or channel != RequestChannel.SELF_SERVICE:
        raise NotFound()
    active = current_subscription(customer)
    if active is None:
        raise Conflict(_("The client has no package to cancel."))
    default = default_package()
    today = timezone.localdate()
    with transaction.atomic():
        _move(active, SubscriptionStatus.ENDED, actor=actor, action="cancel", note=note, ended_on=today)
        schedule = schedule_for(default, active.asset_tier) if default else None
        if schedule is not None:
            _commission_change_queue(active, old_rate=active.commission_rate, new_rate=schedule.standard_rate)
        service_event_record(kind=ServiceEventKind.PACKAGE_CHANGED, customer=customer,
                             key=f"subscription:{active.pk}:cancel",
                             payload={"subscription_id": active.pk, "package": default.code if default else None,
                                      "previous_package": active.package.code, "change": SubscriptionChange.CANCEL})
    return active


def cooling_off_finish(now=None) -> int:
    """Periodic: subscriptions whose cooling-off has run out take effect. Returns how many did."""
    now = now or timezone.now()
    done = 0
    for subscription in (Subscription.objects.filter(status=SubscriptionStatus.COOLING_OFF, cooling_off_until__lte=now)
                         .select_related("customer", "package", "suitability")):
        try:
            with transaction.atomic():
                _activate(subscription, actor=None, action="activate")
            done += 1
        except Conflict:  # withdrawn or activated by another worker meanwhile
            continue
    return done


def cooling_off_end_after_visit(*, check_id: int, note: str) -> int:
    """A high-risk sale to an ordinary investor waits ≥ 24 hours *or* one extra return visit (DOMAIN.md
    "Suitability"). The return-visits app calls this, as the system, when that visit was completed and found
    nothing: the sale's subscriptions (by their suitability check) still cooling off take effect now, their
    history saying why (note). Returns how many did.

    No permission of its own and not offered to staff: it acts on the authority of the visit, whose service has
    checked who recorded it. Runs in the caller's transaction (the visit's outcome).
    """
    done = 0
    for subscription in (Subscription.objects.filter(status=SubscriptionStatus.COOLING_OFF, suitability_id=check_id)
                         .select_related("customer", "package", "suitability")):
        try:
            with transaction.atomic():
                _activate(subscription, actor=None, action="activate", note=note)
            done += 1
        except Conflict:  # withdrawn, or activated by the periodic job, meanwhile
            continue
    return done
