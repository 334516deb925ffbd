"""Reads for risk assessments and professional-investor applications. Every list starts from the customers the
actor may see; every single fetch answers NotFound for what is missing and what is not the actor's alike."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.choices import CustomerStatus
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor, customers_visible_to
from brokerdesk.service_plans import scoring
from brokerdesk.service_plans.choices import ApplicationStatus
from brokerdesk.service_plans.models import (
    Choice,
    ProfessionalApplication,
    ProfessionalEvidence,
    Question,
    Questionnaire,
    RiskAssessment,
)

PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    page: int
    page_size: int
    has_next: bool


def _page(queryset: QuerySet, page: int, page_size: int | None = None) -> Page:
    """One page without a COUNT over the whole list: fetch one row more than shown to know if there is a next."""
    page, page_size = max(1, page), page_size or PAGE_SIZE
    start = (page - 1) * page_size
    rows = list(queryset[start:start + page_size + 1])
    return Page(items=rows[:page_size], page=page, page_size=page_size, has_next=len(rows) > page_size)


# --- Questionnaire ---------------------------------------------------------------------------------------------


def questionnaire_with_definition(queryset: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    return queryset.prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position").prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("position")))),
        "bands")


def questionnaire_current() -> Questionnaire | None:
    """The questionnaire in use, with its questions, answers and bands loaded."""
    return questionnaire_with_definition(Questionnaire.objects.filter(is_current=True)).first()


def questionnaire_definition(questionnaire: Questionnaire) -> scoring.QuestionnaireDef:
    """The pure definition scoring works on (from the prefetched rows when they are there)."""
    return scoring.QuestionnaireDef(
        questions=tuple(
            scoring.QuestionDef(position=q.position, topic=q.topic, multiple=q.multiple, text=q.text,
                                choices=tuple(scoring.ChoiceDef(position=c.position, score=c.score,
                                                                accepts_no_loss=c.accepts_no_loss, text=c.text)
                                              for c in q.choices.all()))
            for q in questionnaire.questions.all()),
        bands=tuple(scoring.BandDef(level=b.level, min_score=b.min_score, max_score=b.max_score)
                    for b in questionnaire.bands.all()))


def questionnaire_is_used(questionnaire_id: int) -> bool:
    """A version some assessment was recorded on: its questions, answers and bands are evidence and never change."""
    return RiskAssessment.objects.filter(questionnaire_id=questionnaire_id).exists()


# --- Risk assessments ------------------------------------------------------------------------------------------


def risk_assessments_for_customer(actor, customer_id) -> tuple[Customer, QuerySet[RiskAssessment]]:
    """The client (NotFound if not visible) and their assessments, newest first."""
    customer = customer_get_for_actor(actor, customer_id)
    assessments = (RiskAssessment.objects.filter(customer=customer)
                   .select_related("questionnaire", "recorded_by").order_by("-assessed_at", "-id"))
    return customer, assessments


def risk_assessment_get_for_actor(actor, assessment_id) -> RiskAssessment:
    assessment = (RiskAssessment.objects
                  .filter(pk=database_id(assessment_id), customer__in=customers_visible_to(actor).values("pk"))
                  .select_related("customer", "questionnaire", "recorded_by").first())
    if assessment is None:
        raise NotFound()
    return assessment


def assessments_expiring(actor, *, within_days: int, include_expired: bool = True,
                         only_expired: bool = False) -> QuerySet[Customer]:
    """Clients the actor may see whose assessment expires within `within_days` from today (Asia/Shanghai), and
    with include_expired those already expired (only_expired: just those), soonest first. Closed clients and
    clients never assessed are not listed (the latter have nothing to expire)."""
    today = timezone.localdate()
    customers = customers_visible_to(actor).exclude(status=CustomerStatus.CLOSED).filter(
        risk_expires_on__isnull=False)
    if only_expired:
        customers = customers.filter(risk_expires_on__lt=today)
    else:
        customers = customers.filter(risk_expires_on__lte=today + timedelta(days=max(0, within_days)))
        if not include_expired:
            customers = customers.filter(risk_expires_on__gte=today)
    return customers.select_related("home_branch", "client_manager").order_by("risk_expires_on", "id")


def assessments_expiring_page(actor, *, within_days: int, show: str, page: int) -> Page:
    """show: "all" (expired and expiring), "expired" or "expiring"."""
    customers = assessments_expiring(actor, within_days=within_days, include_expired=show != "expiring",
                                     only_expired=show == "expired")
    return _page(customers, page)


# --- Professional investors ------------------------------------------------------------------------------------


def professional_applications_visible_to(actor) -> QuerySet[ProfessionalApplication]:
    return ProfessionalApplication.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def professional_queue_page(actor, *, status: str, page: int) -> Page:
    """Pending first (oldest first: they wait longest), then the decided ones, newest first."""
    applications = professional_applications_visible_to(actor).select_related("customer", "requested_by",
                                                                              "decided_by")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    pending_first = Case(When(status=ApplicationStatus.PENDING, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    # Pending ones have no decision time: oldest request first. Decided ones: latest decision first.
    applications = applications.annotate(queue_group=pending_first).order_by(
        "queue_group", F("decided_at").desc(nulls_first=True), "requested_at", "id")
    return _page(applications, page)


def professional_application_get_for_actor(actor, application_id) -> ProfessionalApplication:
    application = (professional_applications_visible_to(actor).filter(pk=database_id(application_id))
                   .select_related("customer", "requested_by", "decided_by").first())
    if application is None:
        raise NotFound()
    return application


def professional_evidence_get_for_actor(actor, application_id, evidence_id) -> ProfessionalEvidence:
    application = professional_application_get_for_actor(actor, application_id)
    evidence = application.evidence.filter(pk=database_id(evidence_id)).first()
    if evidence is None:
        raise NotFound()
    return evidence
