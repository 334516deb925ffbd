"""Risk assessments (风险承受能力评估): recording a completed questionnaire, putting a questionnaire version in use,
copying a version to edit it, and announcing expired assessments.

An assessment is suitability evidence kept 20 years: it stores the answers, the score, the level and a hash over
what the client signed, and updates the client's risk profile in the same transaction. A questionnaire version
that any assessment used is never edited (the admin enforces it); changes go into a copy, a new version, which
is put in use only if its definition is valid (scoring.questionnaire_problems).
"""

from collections.abc import Mapping
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError, Conflict, FieldErrors, NotFound, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.choices import CustomerKind, CustomerStatus
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.customers.services import RiskProfile, customer_risk_profile_record
from brokerdesk.service_plans import rules, scoring
from brokerdesk.service_plans.choices import QuestionTopic, RequestChannel, ServiceEventKind
from brokerdesk.service_plans.events import service_event_record
from brokerdesk.service_plans.models import Choice, Question, Questionnaire, RiskAssessment, RiskBand, ServiceEvent
from brokerdesk.service_plans.selectors.assessments import (
    questionnaire_current,
    questionnaire_definition,
    questionnaire_with_definition,
)

SIGNER_NAME_MAX = 100
EXPIRY_BATCH = 500


class NoQuestionnaire(ApplicationError):
    code = "no_questionnaire"
    status = 409
    default_message = gettext_lazy("No risk questionnaire is in use; compliance must put one in use first.")


# --- Messages for the pure module's problem codes ----------------------------------------------------------------

_PROBLEM_MESSAGES = {
    "too_few_questions": gettext_lazy("The questionnaire has %(count)s questions; it needs at least %(minimum)s."),
    "duplicate_question_position": gettext_lazy("Two questions share a position."),
    "missing_topics": gettext_lazy("No question covers: %(topics)s."),
    "too_few_choices": gettext_lazy("Question %(question)s has fewer than %(minimum)s answers."),
    "duplicate_choice_position": gettext_lazy("Two answers of question %(question)s share a position."),
    "negative_score": gettext_lazy("Question %(question)s has an answer with a negative score."),
    "no_lowest_category_answer": gettext_lazy(
        "No answer is marked \"accepts no loss\": the lowest category could never be identified."),
    "bands_levels": gettext_lazy("The bands must be C1, C2, C3, C4 and C5, each exactly once (found: %(levels)s)."),
    "band_empty": gettext_lazy("Band %(level)s runs from %(min)s to %(max)s: its lower end is above its upper end."),
    "bands_overlap": gettext_lazy("Bands %(lower)s and %(upper)s overlap on scores %(from)s–%(to)s."),
    "bands_gap": gettext_lazy("Scores %(from)s–%(to)s between bands %(lower)s and %(upper)s fall in no band."),
    "bands_miss_low": gettext_lazy("Scores %(from)s–%(to)s can be reached but fall below the C1 band."),
    "bands_miss_high": gettext_lazy("Scores %(from)s–%(to)s can be reached but fall above the C5 band."),
    "band_unreachable": gettext_lazy(
        "Band %(level)s cannot be reached: totals run only from %(min)s to %(max)s."),
    "unknown_question": gettext_lazy("The questionnaire has no question %(question)s."),
    "unanswered": gettext_lazy("Answer this question."),
    "single_answer": gettext_lazy("Choose only one answer to this question."),
    "duplicate_answer": gettext_lazy("The same answer is chosen twice."),
    "unknown_answer": gettext_lazy("Choose one of the answers shown."),
}


def problem_message(problem: scoring.Problem) -> str:
    params = dict(problem.params)
    if problem.code == "missing_topics":
        labels = dict(QuestionTopic.choices)
        params["topics"] = ", ".join(str(labels.get(t, t)) for t in params["topics"])
    if problem.code == "bands_levels":
        params["levels"] = ", ".join(params["levels"]) or "—"
    template = _PROBLEM_MESSAGES.get(problem.code)
    return str(template) % params if template else problem.code


def questionnaire_problem_messages(questionnaire: Questionnaire) -> list[str]:
    """What keeps this version from being put in use, as sentences (empty: valid)."""
    fresh = questionnaire_with_definition(Questionnaire.objects.filter(pk=questionnaire.pk)).get()
    return [problem_message(p) for p in scoring.questionnaire_problems(questionnaire_definition(fresh))]


# --- Recording an assessment --------------------------------------------------------------------------------------


def answer_field(position: int) -> str:
    """The name under which a question's answer is posted and its errors reported."""
    return f"q{position}"


def _parse_answers(raw, errors: FieldErrors) -> tuple[dict[int, list[int]], set[int]]:
    """{position: [answer positions]} and the positions whose answers could not be read (already reported)."""
    unreadable: set[int] = set()
    if not isinstance(raw, Mapping):
        errors.add("answers", _("The answers must map each question to the chosen answers."))
        return {}, unreadable
    parsed: dict[int, list[int]] = {}
    for key, value in raw.items():
        try:
            position = int(str(key).removeprefix("q"))
        except ValueError:
            errors.add("answers", _("Unknown question %(question)s.") % {"question": str(key)[:20]})
            continue
        values = list(value) if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])
        try:
            parsed[position] = [int(v) for v in values if v not in (None, "")]
        except (TypeError, ValueError):
            errors.add(answer_field(position), _("Choose one of the answers shown."))
            unreadable.add(position)
    return parsed, unreadable


def _validity_days(questionnaire: Questionnaire) -> int:
    """The version's validity, never longer than the firm's maximum (settings.RISK_ASSESSMENT_VALIDITY_DAYS)."""
    return min(questionnaire.validity_days, settings.RISK_ASSESSMENT_VALIDITY_DAYS)


def risk_assessment_record(*, actor, customer_id, answers, lacks_civil_capacity: bool, channel: str,
                           signer_name: str) -> RiskAssessment:
    """Score the client's answers to the questionnaire in use, store the assessment and the client's new risk
    profile (level, score, expiry, lowest category), audited, in one transaction.

    answers: {question position: [chosen answer positions]} (a single position or "q<position>" keys are
    accepted too). Every problem is reported at once, per question ("q<position>"), and nothing is written.
    """
    require_permission(actor, "service_plans.assess_risk", "suitability.assessment_record")
    customer = customer_get_for_actor(actor, customer_id)
    questionnaire = questionnaire_current()
    if questionnaire is None:
        raise NoQuestionnaire()
    definition = questionnaire_definition(questionnaire)
    if scoring.questionnaire_problems(definition):
        raise ApplicationError(_("The questionnaire in use is not valid; compliance must correct it first."),
                               code="questionnaire_invalid")
    errors = FieldErrors()
    parsed, unreadable = _parse_answers(answers, errors)
    for position, problems in scoring.answer_problems(definition, parsed).items():
        if position in unreadable:
            continue
        for problem in problems:
            errors.add(answer_field(position) if position else "answers", problem_message(problem))
    if channel not in RequestChannel.values:
        errors.add("channel", _("Choose how the questionnaire was taken."))
    signer = " ".join((signer_name or "").split())
    if not signer:
        errors.add("signer_name", _("Enter the name the client signed with."))
    elif len(signer) > SIGNER_NAME_MAX:
        errors.add("signer_name", _("The signature is longer than %(max)d characters.") % {"max": SIGNER_NAME_MAX})
    elif customer.kind == CustomerKind.PERSON and not lacks_civil_capacity and signer != customer.name:
        # An adult with full capacity signs their own questionnaire; a guardian signs for one who lacks it.
        errors.add("signer_name", _("The client signs with their own name (%(name)s).") % {"name": customer.name})
    if customer.status == CustomerStatus.CLOSED:
        errors.add("customer", _("The client's account is closed."))
    errors.raise_if_any()

    result = scoring.assess(definition, parsed, lacks_civil_capacity=bool(lacks_civil_capacity))
    now = timezone.now()
    assessed_on = timezone.localdate(now)
    expires_on = assessed_on + timedelta(days=_validity_days(questionnaire))
    stored_answers = {str(position): sorted(parsed[position]) for position in sorted(parsed)}
    with transaction.atomic():
        # Lock the client so two assessments recorded at once each see the level the other replaced.
        previous_level = (Customer.objects.select_for_update().filter(pk=customer.pk)
                          .values_list("risk_level", flat=True).get())
        customer.refresh_from_db()
        signature = rules.signature_hash({
            "customer_no": customer.customer_no, "questionnaire_version": questionnaire.version,
            "answers": stored_answers, "score": result.score, "level": result.level,
            "lacks_civil_capacity": result.lacks_civil_capacity, "assessed_at": now.isoformat(),
            "channel": channel, "signer_name": signer,
        })
        assessment = RiskAssessment.objects.create(
            customer=customer, questionnaire=questionnaire, answers=stored_answers, score=result.score,
            level=result.level, previous_level=previous_level or "", accepts_no_loss=result.accepts_no_loss,
            lacks_civil_capacity=result.lacks_civil_capacity, is_lowest_category=result.is_lowest_category,
            channel=channel, assessed_at=now, expires_on=expires_on, recorded_by=actor, signature_hash=signature)
        customer_risk_profile_record(
            actor=actor, customer=customer, source=f"risk_assessment:{assessment.pk}",
            profile=RiskProfile(level=result.level, score=result.score, assessed_on=assessed_on,
                                expires_on=expires_on, is_lowest_category=result.is_lowest_category))
        audit_record(actor=actor, action="suitability.assessment_record", object_type="risk_assessment",
                     object_id=assessment.pk, before={"risk_level": previous_level or ""},
                     after={"level": result.level, "score": result.score, "scored_level": result.scored_level,
                            "is_lowest_category": result.is_lowest_category, "expires_on": expires_on,
                            "questionnaire_version": questionnaire.version},
                     details={"customer_id": customer.pk, "channel": channel, "reasons": list(result.reasons),
                              "signature_hash": signature})
    return assessment


# --- Questionnaire versions ----------------------------------------------------------------------------------


def _questionnaire_get(questionnaire_id) -> Questionnaire:
    questionnaire = questionnaire_with_definition(
        Questionnaire.objects.filter(pk=database_id(questionnaire_id))).first()
    if questionnaire is None:
        raise NotFound()
    return questionnaire


def questionnaire_make_current(*, actor, questionnaire_id) -> Questionnaire:
    """Put a version in use (the one in use before goes out of use), refusing a definition that is not valid."""
    require_permission(actor, "service_plans.change_questionnaire", "suitability.questionnaire_make_current")
    questionnaire = _questionnaire_get(questionnaire_id)
    problems = scoring.questionnaire_problems(questionnaire_definition(questionnaire))
    if problems:
        raise ValidationFailed(
            _("Version %(version)s cannot be put in use: %(problems)s")
            % {"version": questionnaire.version, "problems": " ".join(problem_message(p) for p in problems)},
            details={"questionnaire": [problem_message(p) for p in problems]})
    with transaction.atomic():
        previous = list(Questionnaire.objects.select_for_update().filter(is_current=True)
                        .values_list("version", flat=True))
        Questionnaire.objects.filter(is_current=True).exclude(pk=questionnaire.pk).update(is_current=False)
        Questionnaire.objects.filter(pk=questionnaire.pk).update(is_current=True)
        audit_record(actor=actor, action="suitability.questionnaire_make_current", object_type="questionnaire",
                     object_id=questionnaire.pk, before={"current_versions": previous},
                     after={"current_version": questionnaire.version})
    questionnaire.refresh_from_db()
    return questionnaire


def questionnaire_copy_as_new_version(*, actor, questionnaire_id) -> Questionnaire:
    """A new version (not in use) with the same questions, answers and bands, to edit."""
    require_permission(actor, "service_plans.add_questionnaire", "suitability.questionnaire_copy")
    source = _questionnaire_get(questionnaire_id)
    try:
        with transaction.atomic():
            version = (Questionnaire.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            copy = Questionnaire.objects.create(version=version, name=source.name, is_current=False,
                                                validity_days=source.validity_days)
            for question in source.questions.all():
                new_question = Question.objects.create(questionnaire=copy, position=question.position,
                                                       topic=question.topic, text=question.text,
                                                       multiple=question.multiple)
                Choice.objects.bulk_create(
                    Choice(question=new_question, position=c.position, text=c.text, score=c.score,
                           accepts_no_loss=c.accepts_no_loss) for c in question.choices.all())
            RiskBand.objects.bulk_create(RiskBand(questionnaire=copy, level=b.level, min_score=b.min_score,
                                                  max_score=b.max_score) for b in source.bands.all())
            audit_record(actor=actor, action="suitability.questionnaire_copy", object_type="questionnaire",
                         object_id=copy.pk, after={"version": copy.version},
                         details={"copied_from": source.pk, "copied_from_version": source.version})
    except IntegrityError:
        raise Conflict(_("Someone created a version at the same time; try again.")) from None
    return copy


# --- Expired assessments --------------------------------------------------------------------------------------


def assessments_expired_announce(*, today: date | None = None, batch_size: int = EXPIRY_BATCH) -> int:
    """Record an ASSESSMENT_EXPIRED service event for every client whose assessment expired before today
    (Asia/Shanghai), once per expiry date (the event key), and return how many were recorded.

    Walks the clients in primary-key pages (keyset, batch_size at a time, only the columns needed), skipping in
    one query per page those already announced, so a daily run over millions of clients holds one page in
    memory; running it twice records nothing new.
    """
    today = today or timezone.localdate()
    recorded, last_id = 0, 0
    while True:
        page = list(Customer.objects.filter(risk_expires_on__lt=today, pk__gt=last_id)
                    .exclude(status=CustomerStatus.CLOSED).order_by("pk")
                    .only("pk", "customer_no", "risk_level", "risk_expires_on", "is_lowest_category")[:batch_size])
        if not page:
            return recorded
        last_id = page[-1].pk
        announced = set(ServiceEvent.objects.filter(kind=ServiceEventKind.ASSESSMENT_EXPIRED,
                                                    customer_id__in=[c.pk for c in page])
                        .values_list("customer_id", "key"))
        due = [c for c in page if (c.pk, c.risk_expires_on.isoformat()) not in announced]
        if not due:
            continue
        with transaction.atomic():
            new = []
            for customer in due:
                event = service_event_record(
                    kind=ServiceEventKind.ASSESSMENT_EXPIRED, customer=customer,
                    key=customer.risk_expires_on.isoformat(),
                    payload={"customer_no": customer.customer_no, "risk_level": customer.risk_level,
                             "expired_on": customer.risk_expires_on.isoformat(),
                             "is_lowest_category": customer.is_lowest_category})
                if event is not None:
                    new.append(customer.pk)
            if new:
                audit_record(actor=None, action="suitability.assessments_expired", object_type="customer",
                             details={"as_of": today.isoformat(), "count": len(new), "customers": new})
        recorded += len(new)
