"""The programme catalogue: each programme's purpose, targeting, working rules and script in words, for the
people who supervise and audit return visits (editing is in the admin)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from brokerdesk.customers.choices import CustomerStatus
from brokerdesk.segmentation.models import Segment
from brokerdesk.service_plans.choices import ServiceEventKind
from brokerdesk.tickets.reports.figures import percent
from brokerdesk.visits.choices import Audience, FindingKind, QuestionKind
from brokerdesk.visits.models import Programme, ScriptQuestion

CATALOGUE_PERMISSION = "visits.view_programme"
YES_NO_LABELS = {"yes": gettext_lazy("yes"), "no": gettext_lazy("no")}


@dataclass(frozen=True)
class QuestionEntry:
    position: int
    text: str
    kind_label: str
    choices: list[str]
    required: bool
    finding: str  # "" or e.g. "“yes” → Staff traded on the client's behalf"


@dataclass(frozen=True)
class ProgrammeEntry:
    programme: Programme
    targeting: str
    repeat: str
    excluded: str
    worked_by: str
    due: str
    attempts: str
    questions: list[QuestionEntry]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _segment_name(segments: dict, dimension: str, code: str) -> str:
    segment = segments.get((dimension, code))
    return f"{segment.label} ({dimension}/{code})" if segment else f"{dimension}/{code}"


def targeting_in_words(programme: Programme, segments: dict | None = None) -> str:
    """The audience with its parameters, e.g. "Accounts opened in the last 30 days"."""
    segments = segments or {}
    audience = programme.audience
    if audience == Audience.OPENED_WITHIN:
        return _("Accounts opened in the last %(days)s days") % {"days": programme.opened_within_days or "?"}
    if audience == Audience.ANNUAL_SAMPLE:
        return _("A stratified sample of %(ratio)s of each branch's clients at the last year-end, spread over the "
                 "year") % {"ratio": percent(programme.sample_ratio) if programme.sample_ratio else "?"}
    if audience == Audience.SEGMENT_ENTERED:
        return _("Clients who entered the segment %(segment)s") % {
            "segment": _segment_name(segments, programme.segment_dimension, programme.segment_code)}
    if audience == Audience.SEGMENT_MEMBERS:
        return _("Members of the segment %(segment)s") % {
            "segment": _segment_name(segments, programme.segment_dimension, programme.segment_code)}
    if audience == Audience.FEATURE_RULE:
        return _("Clients matching the rule: %(rule)s") % {"rule": programme.rule_expression}
    if audience == Audience.TICKET_CALLBACK:
        return _("Complaints awaiting a satisfaction callback")
    if audience == Audience.SERVICE_EVENT:
        kinds = "、".join(_label(ServiceEventKind, k) for k in programme.event_kinds or [])
        return _("Clients with these service events: %(events)s") % {"events": kinds or "?"}
    return _label(Audience, audience)


def _repeat(programme: Programme) -> str:
    if programme.audience not in (Audience.SEGMENT_MEMBERS, Audience.FEATURE_RULE):
        return ""
    months = programme.repeat_after_months
    if not months:
        return _("Once per client")
    if months == 1:
        return _("Again every month")
    return _("Again every %(n)d months") % {"n": months}


def _finding(question: ScriptQuestion) -> str:
    if not question.finding_kind:
        return ""
    answers = "、".join(f"“{YES_NO_LABELS.get(a, a) if question.kind == QuestionKind.YES_NO else a}”"
                       for a in question.finding_answers or [])
    return _("%(answers)s → %(finding)s") % {"answers": answers or "?",
                                             "finding": _label(FindingKind, question.finding_kind)}


def programmes_for_catalogue() -> QuerySet[Programme]:
    return Programme.objects.prefetch_related("questions").order_by("-is_active", "priority", "code")


def programme_catalogue(actor) -> list[ProgrammeEntry]:
    """Every programme (active first) in words, for holders of visits.view_programme."""
    if actor is None or not actor.has_perm(CATALOGUE_PERMISSION):
        return []
    programmes = list(programmes_for_catalogue())
    wanted = Q(pk__in=[])
    for p in programmes:
        if p.segment_code:
            wanted |= Q(dimension=p.segment_dimension, code=p.segment_code)
    segments = {(s.dimension, s.code): s for s in Segment.objects.filter(wanted)}
    entries = []
    for p in programmes:
        retry = "、".join(str(h) for h in p.retry_hours or [])
        entries.append(ProgrammeEntry(
            programme=p, targeting=targeting_in_words(p, segments), repeat=_repeat(p),
            excluded="、".join(_label(CustomerStatus, s) for s in p.exclude_statuses or []),
            worked_by=p.get_assignee_policy_display(),
            due=ngettext("Within %(n)d working day", "Within %(n)d working days", p.due_working_days)
            % {"n": p.due_working_days},
            attempts=_("Up to %(n)d calls; retried after %(hours)s hours") % {"n": p.max_attempts,
                                                                              "hours": retry or "?"},
            questions=[QuestionEntry(position=q.position, text=q.text, kind_label=q.get_kind_display(),
                                     choices=list(q.choices or []), required=q.required, finding=_finding(q))
                       for q in p.questions.all()]))
    return entries
