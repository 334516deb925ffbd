"""Campaigns: create, start, close; who is invited (segment, branches, events, the experience panel, or the clients
behind a finished action item); the sample; sending the links through messaging; reminders; expiry.

    campaign_create     draft, checked (a published survey, an audience with what it needs, channels, dates)
    campaign_start      draft -> running; invitations generated now (events: by the sweep as they happen)
    invitations_generate   recipients -> sample -> one Invitation each (unique per campaign and client)
    invitations_send    pending SMS/email invitations -> messaging.message_send (purpose "survey": opt-outs and
                        frequency caps apply; a refused message leaves the invitation suppressed with the message)
    reminders_send      invitations still unanswered after reminder_after_days, at most max_reminders times
    campaigns_expire    running campaigns past ends_at -> closed; their open invitations -> expired

The sample is reproducible: a ratio keeps a client when a hash of (campaign code, client id) falls under it (the
same clients whatever the order or the moment they come, so event campaigns sample as events arrive); a size
shuffles the candidates with a generator seeded by the campaign code.
"""

import hashlib
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import chosen, database_id
from brokerdesk.customers.choices import CustomerStatus
from brokerdesk.customers.models import Customer
from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.org.models import Branch
from brokerdesk.surveys import tokens
from brokerdesk.surveys.choices import (
    ActionStatus,
    Audience,
    CampaignStatus,
    InvitationStatus,
    SurveyChannel,
    SurveyStatus,
    TriggerEvent,
)
from brokerdesk.surveys.models import ActionItem, Campaign, ExperienceOfficer, Invitation, Response, Survey

log = logging.getLogger(__name__)
MESSAGE_CHANNELS = (SurveyChannel.SMS, SurveyChannel.EMAIL)
OPEN_INVITATIONS = (InvitationStatus.PENDING, InvitationStatus.SENT, InvitationStatus.OPENED)


@dataclass
class CampaignInput:
    code: str
    name: str
    survey_id: int
    audience: str
    starts_at: datetime
    ends_at: datetime
    channels: list = field(default_factory=lambda: [SurveyChannel.SMS])
    segment_dimension: str = ""
    segment_code: str = ""
    branch_ids: list = field(default_factory=list)
    event: str = ""
    sample_ratio: Decimal | str | None = None
    sample_size: int | None = None
    reminder_after_days: int | None = None
    max_reminders: int = 1
    follows_action_item_id: int | None = None


def _validate(data: CampaignInput) -> dict:
    errors = FieldErrors()
    fields: dict = {}
    code = (data.code or "").strip().lower()
    if not code or slugify(code) != code or len(code) > 40:
        errors.add("code", _("Letters, digits, hyphens or underscores; at most 40."))
    elif Campaign.objects.filter(code=code).exists():
        errors.add("code", _("A campaign with this code exists."))
    name = (data.name or "").strip()
    if not name or len(name) > 120:
        errors.add("name", _("A name of 1 to 120 characters."))
    survey = chosen(Survey.objects.all(), data.survey_id)
    if survey is None or survey.status != SurveyStatus.PUBLISHED:
        errors.add("survey", _("Choose a published survey."))
    if data.audience not in Audience.values:
        errors.add("audience", _("Choose who is invited."))
    branches = []
    item = None
    if data.follows_action_item_id is not None:
        item = ActionItem.objects.filter(pk=data.follows_action_item_id).first()
        if item is None:
            errors.add("follows_action_item", _("Unknown action item."))
        elif item.status != ActionStatus.DONE:
            errors.add("follows_action_item", _("Re-survey once the action item is done."))
    elif data.audience == Audience.SEGMENT:
        from brokerdesk.segmentation.models import Segment

        if not Segment.objects.filter(dimension=data.segment_dimension, code=data.segment_code).exists():
            errors.add("segment_code", _("Unknown segment."))
    elif data.audience == Audience.BRANCH:
        ids = [database_id(b) for b in data.branch_ids if str(b).isdigit()]
        branches = list(Branch.objects.filter(pk__in=ids))
        if not branches or len(branches) != len(set(data.branch_ids)):
            errors.add("branches", _("Choose one or more branches."))
    elif data.audience == Audience.EVENT and data.event not in TriggerEvent.values:
        errors.add("event", _("Choose the event."))
    if data.audience == Audience.EXPERIENCE_PANEL and survey is not None and not survey.for_experience_panel:
        errors.add("survey", _("The experience panel takes surveys made for experience officers."))
    channels = list(dict.fromkeys(data.channels or []))
    if not channels or any(c not in SurveyChannel.values for c in channels):
        errors.add("channels", _("Choose one or more channels: %(values)s.")
                   % {"values": ", ".join(SurveyChannel.values)})
    ratio = None
    if data.sample_ratio not in (None, ""):
        try:
            ratio = Decimal(str(data.sample_ratio))
            if not (Decimal("0") < ratio <= Decimal("1")) or ratio.as_tuple().exponent < -3:
                raise InvalidOperation
        except InvalidOperation:
            errors.add("sample_ratio", _("A ratio above 0 and at most 1, e.g. 0.2."))
    if data.sample_size is not None and (not isinstance(data.sample_size, int) or data.sample_size < 1):
        errors.add("sample_size", _("A size of at least 1."))
    if ratio is not None and data.sample_size is not None:
        errors.add("sample_size", _("Give a sample ratio or a size, not both."))
    if data.starts_at is None or data.ends_at is None:
        errors.add("ends_at", _("Give when the campaign starts and when its links expire."))
    elif data.ends_at <= data.starts_at:
        errors.add("ends_at", _("The links must expire after the campaign starts."))
    elif data.ends_at <= timezone.now():
        errors.add("ends_at", _("The expiry is in the past."))
    if data.reminder_after_days is not None and not 1 <= data.reminder_after_days <= 30:
        errors.add("reminder_after_days", _("From 1 to 30 days."))
    if not isinstance(data.max_reminders, int) or not 0 <= data.max_reminders <= 3:
        errors.add("max_reminders", _("From 0 to 3."))
    errors.raise_if_any()
    fields.update(code=code, name=name, survey=survey, audience=data.audience, channels=channels,
                  segment_dimension=data.segment_dimension if data.audience == Audience.SEGMENT else "",
                  segment_code=data.segment_code if data.audience == Audience.SEGMENT else "",
                  event=data.event if data.audience == Audience.EVENT else "", sample_ratio=ratio,
                  sample_size=data.sample_size, starts_at=data.starts_at, ends_at=data.ends_at,
                  reminder_after_days=data.reminder_after_days, max_reminders=data.max_reminders,
                  follows_action_item=item)
    return {"fields": fields, "branches": branches}


def _summary(campaign: Campaign) -> dict:
    return {"code": campaign.code, "survey": campaign.survey_id, "status": campaign.status,
            "audience": campaign.audience, "segment": f"{campaign.segment_dimension}:{campaign.segment_code}",
            "event": campaign.event, "sample_ratio": campaign.sample_ratio, "sample_size": campaign.sample_size,
            "channels": campaign.channels, "starts_at": campaign.starts_at, "ends_at": campaign.ends_at,
            "follows_action_item": campaign.follows_action_item_id}


def campaign_create(*, actor, data: CampaignInput) -> Campaign:
    require_permission(actor, "surveys.run_campaign", "surveys.campaign_create")
    checked = _validate(data)
    with transaction.atomic():
        campaign = Campaign.objects.create(**checked["fields"], created_by=actor)
        campaign.branches.set(checked["branches"])
        audit_record(actor=actor, action="surveys.campaign_create", object_type="campaign", object_id=campaign.pk,
                     after={**_summary(campaign), "branches": [b.pk for b in checked["branches"]]})
    return campaign


def resurvey_create(*, actor, item_id, survey_id, ends_at: datetime, channels=None) -> Campaign:
    """Closing the loop on an action item: re-survey the clients whose feedback raised it, once it is done."""
    require_permission(actor, "surveys.run_campaign", "surveys.resurvey_create")
    item = ActionItem.objects.filter(pk=database_id(item_id)).first()
    if item is None:
        raise NotFound()
    now = timezone.now()
    return campaign_create(actor=actor, data=CampaignInput(
        code=f"resurvey-{item.pk}-{timezone.localtime(now):%Y%m%d%H%M}",
        name=(_("Re-survey: %(title)s") % {"title": item.title})[:120], survey_id=survey_id,
        audience=Audience.BRANCH, starts_at=now, ends_at=ends_at,
        channels=channels or [SurveyChannel.SMS], follows_action_item_id=item.pk))


def _campaign_for_update(campaign_id) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(pk=database_id(campaign_id)).first()
    if campaign is None:
        raise NotFound()
    return campaign


def campaign_start(*, actor, campaign_id) -> Campaign:
    """draft -> running; the invitations are generated now and sent after the commit."""
    require_permission(actor, "surveys.run_campaign", "surveys.campaign_start", system_allowed=True)
    with transaction.atomic():
        campaign = _campaign_for_update(campaign_id)
        if campaign.ends_at <= timezone.now():
            raise Conflict(_("The campaign's links have already expired."))
        if not Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
                status=CampaignStatus.RUNNING):
            raise Conflict(_("Only a draft campaign can be started."))
        campaign.status = CampaignStatus.RUNNING
        created = 0 if campaign.audience == Audience.EVENT else invitations_generate(campaign)
        audit_record(actor=actor, action="surveys.campaign_start", object_type="campaign", object_id=campaign.pk,
                     before={"status": CampaignStatus.DRAFT}, after={"status": campaign.status, "invited": created})
        pk = campaign.pk
        transaction.on_commit(lambda: _enqueue_send(pk))
    return campaign


def campaign_close(*, actor, campaign_id, why: str = "closed") -> Campaign:
    """running (or draft) -> closed; the open invitations expire (their links stop working)."""
    require_permission(actor, "surveys.run_campaign", "surveys.campaign_close", system_allowed=True)
    with transaction.atomic():
        campaign = _campaign_for_update(campaign_id)
        old = campaign.status
        if old == CampaignStatus.CLOSED or not Campaign.objects.filter(pk=campaign.pk, status=old).update(
                status=CampaignStatus.CLOSED):
            raise Conflict(_("The campaign is already closed."))
        campaign.status = CampaignStatus.CLOSED
        expired = Invitation.objects.filter(campaign=campaign, status__in=OPEN_INVITATIONS).update(
            status=InvitationStatus.EXPIRED, nonce="")
        audit_record(actor=actor, action="surveys.campaign_close", object_type="campaign", object_id=campaign.pk,
                     before={"status": old}, after={"status": campaign.status, "expired_invitations": expired,
                                                    "why": why})
    return campaign


def _enqueue_send(campaign_id: int) -> None:
    from brokerdesk.surveys.tasks import invitations_send_task

    try:
        invitations_send_task(campaign_id)
    except Exception:
        log.exception("survey campaign %s: the invitations could not be queued; the sweep sends them", campaign_id)


# --- who is invited ----------------------------------------------------------------------------------------

def _sample_key(code: str, customer_id: int) -> float:
    digest = hashlib.sha256(f"{code}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def sample(campaign: Campaign, candidates: list[int], *, already: int = 0) -> list[int]:
    """The candidates the campaign's sample keeps, reproducibly (module docstring)."""
    candidates = sorted(set(candidates))
    if campaign.sample_ratio is not None:
        ratio = float(campaign.sample_ratio)
        return [c for c in candidates if _sample_key(campaign.code, c) < ratio]
    if campaign.sample_size is not None:
        random.Random(f"surveys:{campaign.code}").shuffle(candidates)  # noqa: S311  (reproducible, not secret)
        return candidates[:max(0, campaign.sample_size - already)]
    return candidates


def _eligible(customers):
    return customers.exclude(status=CustomerStatus.CLOSED)


def _candidates(campaign: Campaign, now: datetime) -> list[tuple[int, str]]:
    """(client id, source) of everyone the audience names now."""
    if campaign.follows_action_item_id:
        item = campaign.follows_action_item
        responses = Response.objects.filter(theme=item.theme, is_experience_officer=False, customer__isnull=False,
                                            submitted_at__lte=item.closed_at or now).exclude(nps_group="promoter")
        if item.keyword:
            responses = responses.filter(comment__contains=item.keyword)
        ids = responses.values_list("customer_id", flat=True).distinct()
        return [(c, f"action_item:{item.pk}") for c in _eligible(Customer.objects.filter(pk__in=ids))
                .values_list("pk", flat=True)]
    if campaign.audience == Audience.SEGMENT:
        from brokerdesk.segmentation.models import SegmentMembership

        ids = SegmentMembership.objects.filter(
            segment__dimension=campaign.segment_dimension, segment__code=campaign.segment_code,
            valid_to__isnull=True).values_list("customer_id", flat=True)
        return [(c, f"segment:{campaign.segment_dimension}:{campaign.segment_code}")
                for c in _eligible(Customer.objects.filter(pk__in=ids)).values_list("pk", flat=True)]
    if campaign.audience == Audience.BRANCH:
        return [(c, "branch") for c in _eligible(Customer.objects.filter(home_branch__in=campaign.branches.all()))
                .values_list("pk", flat=True)]
    if campaign.audience == Audience.EVENT:
        return event_candidates(campaign, now)
    return []


def event_candidates(campaign: Campaign, now: datetime) -> list[tuple[int, str]]:
    """The clients of the events since the campaign started (no signal carries these events: the sweep reads them
    from the tickets, the client master data and the visits, and the unique invitation makes it idempotent)."""
    since = campaign.starts_at
    if campaign.event == TriggerEvent.COMPLAINT_CLOSED:
        from brokerdesk.tickets.choices import TicketKind, TicketStatus
        from brokerdesk.tickets.models import Ticket

        rows = (Ticket.objects.filter(kind=TicketKind.COMPLAINT, status=TicketStatus.CLOSED, closed_at__gte=since,
                                      closed_at__lte=now, customer__isnull=False)
                .order_by("closed_at").values_list("customer_id", "pk"))
        found = [(c, f"ticket:{pk}") for c, pk in rows]
    elif campaign.event == TriggerEvent.ACCOUNT_OPENED:
        rows = Customer.objects.filter(opened_on__gte=timezone.localtime(since).date(),
                                       opened_on__lte=timezone.localtime(now).date()).values_list("pk", flat=True)
        found = [(c, f"account:{c}") for c in rows]
    elif campaign.event == TriggerEvent.VISIT_COMPLETED:
        from brokerdesk.visits.choices import TaskStatus
        from brokerdesk.visits.models import VisitTask

        rows = (VisitTask.objects.filter(status=TaskStatus.COMPLETED, finished_at__gte=since, finished_at__lte=now)
                .order_by("finished_at").values_list("customer_id", "pk"))
        found = [(c, f"visit:{pk}") for c, pk in rows]
    else:
        return []
    open_ids = set(_eligible(Customer.objects.filter(pk__in={c for c, _s in found})).values_list("pk", flat=True))
    first: dict[int, str] = {}
    for customer_id, source in found:
        if customer_id in open_ids:
            first.setdefault(customer_id, source)
    return list(first.items())


def invitations_generate(campaign: Campaign, *, now: datetime | None = None) -> int:
    """Create the campaign's missing invitations (idempotent: one per client or officer); returns how many."""
    now = now or timezone.now()
    channel = campaign.channels[0] if campaign.channels else SurveyChannel.WEB
    if campaign.audience == Audience.EXPERIENCE_PANEL and not campaign.follows_action_item_id:
        theme = campaign.survey.theme_id
        officers = (ExperienceOfficer.objects.filter(active=True, staff__is_active=True)
                    .annotate(n=Count("themes")).filter(Q(n=0) | Q(themes=theme)).distinct()
                    .exclude(pk__in=Invitation.objects.filter(campaign=campaign, officer__isnull=False)
                             .values("officer_id")).values_list("pk", flat=True))
        rows = [Invitation(campaign=campaign, officer_id=o, channel=SurveyChannel.WEB, nonce=tokens.new_nonce(),
                           status=InvitationStatus.SENT, sent_at=now, source_ref="panel") for o in officers]
        Invitation.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)
    candidates = dict(_candidates(campaign, now))
    invited = set(Invitation.objects.filter(campaign=campaign, customer__isnull=False)
                  .values_list("customer_id", flat=True))
    chosen = sample(campaign, [c for c in candidates if c not in invited], already=len(invited))
    branches = dict(Customer.objects.filter(pk__in=chosen).values_list("pk", "home_branch_id"))
    rows = [Invitation(campaign=campaign, customer_id=c, branch_id=branches[c], channel=channel,
                       nonce=tokens.new_nonce(), source_ref=candidates[c][:60]) for c in chosen]
    Invitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def event_invitations_sweep(*, now: datetime | None = None) -> int:
    """The running event (and re-survey) campaigns pick up their new events; then the pending links go out."""
    now = now or timezone.now()
    total = 0
    for campaign in Campaign.objects.filter(status=CampaignStatus.RUNNING, audience=Audience.EVENT,
                                            starts_at__lte=now, ends_at__gt=now):
        with transaction.atomic():
            created = invitations_generate(campaign, now=now)
            if created:
                audit_record(actor=None, action="surveys.invitations_generate", object_type="campaign",
                             object_id=campaign.pk, details={"created": created, "event": campaign.event})
        if created:
            invitations_send(campaign_id=campaign.pk)
        total += created
    return total


# --- sending -----------------------------------------------------------------------------------------------

# The client's message is Chinese whatever the sender's language (domain text, like the seed surveys).
INVITE_SMS = "【客户服务】诚邀您参与“{survey}”调查，约需1分钟：{link} （{until}前有效）"
REMIND_SMS = "【客户服务】提醒：您尚未完成“{survey}”调查，约需1分钟：{link} （{until}前有效）"
INVITE_SUBJECT = "诚邀您参与{survey}调查"


def _texts(invitation: Invitation, link: str, *, reminder: bool = False) -> tuple[str, str]:
    campaign = invitation.campaign
    values = {"survey": campaign.survey.name, "link": link,
              "until": timezone.localtime(campaign.ends_at).strftime("%Y-%m-%d")}
    return INVITE_SUBJECT.format(**values), (REMIND_SMS if reminder else INVITE_SMS).format(**values)


def invitation_send(invitation: Invitation, *, reminder: int = 0) -> str:
    """Send one invitation (or its reminder) on the first of the campaign's message channels that is not refused;
    returns the invitation's status. Pending -> sent | suppressed (with the last message)."""
    campaign = invitation.campaign
    link = tokens.link_for(invitation)
    subject, body = _texts(invitation, link, reminder=bool(reminder))
    message = None
    used = invitation.channel
    for channel in [c for c in campaign.channels if c in MESSAGE_CHANNELS]:
        message = message_send(actor=None, customer=invitation.customer, channel=channel, body=body,
                               purpose="survey", subject=subject, source=("survey_invitation", invitation.pk),
                               dedupe_key=f"survey:{invitation.pk}:{reminder}:{channel}",
                               expires_at=campaign.ends_at)
        used = channel
        if message.status != "suppressed":
            break
    if message is None:
        return invitation.status
    now = timezone.now()
    if reminder:
        Invitation.objects.filter(pk=invitation.pk, reminders_sent=reminder - 1).update(
            reminders_sent=reminder, last_message_id=message.pk)
        return invitation.status
    status = InvitationStatus.SUPPRESSED if message.status == "suppressed" else InvitationStatus.SENT
    changed = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=status, channel=used, sent_at=now if status == InvitationStatus.SENT else None,
        last_message_id=message.pk)
    if changed:
        audit_record(actor=None, action="surveys.invitation_" + ("suppress" if status == "suppressed" else "send"),
                     object_type="invitation", object_id=invitation.pk,
                     details={"channel": used, "message": message.pk, "reason": message.suppression_reason})
    return status


def invitations_send(*, campaign_id: int, limit: int = 5000) -> dict:
    """Send the campaign's pending SMS/email invitations; {status: count}. Idempotent (pending only, dedupe keys)."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.RUNNING).first()
    counts: dict[str, int] = {}
    if campaign is None or campaign.ends_at <= timezone.now():
        return counts
    if not any(c in MESSAGE_CHANNELS for c in campaign.channels):
        return counts  # web or phone: the links are handed out by the portal or the agent
    pending = (Invitation.objects.filter(campaign=campaign, status=InvitationStatus.PENDING, customer__isnull=False)
               .select_related("campaign__survey", "customer").order_by("pk")[:limit])
    for invitation in pending:
        with transaction.atomic():
            status = invitation_send(invitation)
        counts[status] = counts.get(status, 0) + 1
    return counts


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind the recipients who have not answered reminder_after_days after the last message; returns how many."""
    now = now or timezone.now()
    sent = 0
    campaigns = Campaign.objects.filter(status=CampaignStatus.RUNNING, reminder_after_days__isnull=False,
                                        max_reminders__gt=0, ends_at__gt=now)
    for campaign in campaigns:
        every = timedelta(days=campaign.reminder_after_days)
        due = (Invitation.objects.filter(campaign=campaign, customer__isnull=False,
                                         status__in=(InvitationStatus.SENT, InvitationStatus.OPENED),
                                         reminders_sent__lt=campaign.max_reminders, sent_at__isnull=False)
               .select_related("campaign__survey", "customer").order_by("pk"))
        for invitation in due:
            if invitation.sent_at + every * (invitation.reminders_sent + 1) > now:
                continue
            with transaction.atomic():
                invitation_send(invitation, reminder=invitation.reminders_sent + 1)
                audit_record(actor=None, action="surveys.invitation_remind", object_type="invitation",
                             object_id=invitation.pk, details={"reminder": invitation.reminders_sent + 1})
            sent += 1
    return sent


def campaigns_expire(*, now: datetime | None = None) -> list[int]:
    """Close the running campaigns whose links have expired; their open invitations expire."""
    now = now or timezone.now()
    closed = []
    for pk in Campaign.objects.filter(status=CampaignStatus.RUNNING, ends_at__lte=now).values_list("pk", flat=True):
        try:
            campaign_close(actor=None, campaign_id=pk, why="expired")
        except Conflict:
            continue
        closed.append(pk)
    return closed


def campaign_progress(campaign: Campaign) -> dict:
    """Invited / sent / opened / responded / suppressed / expired, and the response rate over the delivered."""
    counts = dict(Invitation.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    invited = sum(counts.values())
    responded = counts.get(InvitationStatus.RESPONDED, 0)
    reached = invited - counts.get(InvitationStatus.SUPPRESSED, 0) - counts.get(InvitationStatus.PENDING, 0)
    opened = counts.get(InvitationStatus.OPENED, 0) + responded
    return {"invited": invited, "pending": counts.get(InvitationStatus.PENDING, 0),
            "sent": reached, "opened": opened, "responded": responded,
            "suppressed": counts.get(InvitationStatus.SUPPRESSED, 0),
            "expired": counts.get(InvitationStatus.EXPIRED, 0),
            "response_rate": round(100 * responded / reached, 1) if reached else None}

