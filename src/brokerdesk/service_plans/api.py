"""/api/v1/plans: the packages on sale, and the entitlement check push and research distribution ask."""

from ninja import Query, Router, Schema
from pydantic import Field

from brokerdesk.core.api_types import ERROR_RESPONSES
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.org.api_auth import require_scope
from brokerdesk.service_plans.models import ServicePackage
from brokerdesk.service_plans.services.entitlements import (
    MAX_BULK,
    EntitlementAnswer,
    EntitlementQuestion,
    entitlement_check,
    entitlements_check_many,
    question_problems,
)

router = Router(tags=["service packages"])


class EntitlementOut(Schema):
    kind: str
    level: int
    detail: str


class ScheduleOut(Schema):
    asset_tier: str
    standard_rate: str
    min_rate: str
    max_rate: str


class PackageOut(Schema):
    code: str
    name: str
    rank: int
    risk_level: str
    min_asset_tier: str
    min_risk_level: str
    requires_approval: bool
    is_default: bool
    entitlements: list[EntitlementOut]
    schedules: list[ScheduleOut]


class QuestionQuery(Schema):
    kind: str = Field(..., description="entitlement kind, e.g. research, daily_report, dedicated_advisor")
    level: int = Field(1, description="level asked for (research: 1 basic, 2 in-depth, 3 institutional)")
    content_risk: str = Field("", description="R1-R5 when the content carries a risk level")
    channel: str = Field("", description="sms, email, wechat, app_push or phone, when asking about delivery")


class BulkQuestionIn(QuestionQuery):
    customer_nos: list[str] = Field(..., max_length=MAX_BULK)


class AnswerOut(Schema):
    allowed: bool
    package: str | None
    reasons: list[str]


class BulkAnswerOut(Schema):
    customer_no: str
    found: bool
    allowed: bool
    package: str | None
    reasons: list[str]


def _question(query: QuestionQuery) -> EntitlementQuestion:
    question = EntitlementQuestion(kind=query.kind, level=query.level, content_risk=query.content_risk,
                                   channel=query.channel)
    problems = question_problems(question)
    if problems:
        raise ValidationFailed(details=problems)
    return question


@router.get("/packages", response={200: list[PackageOut], **ERROR_RESPONSES}, summary="Service packages on sale")
def package_list(request):
    require_scope(request, "customers:read")
    packages = ServicePackage.objects.filter(is_active=True).prefetch_related("entitlements", "schedules")
    return [{**{f: getattr(p, f) for f in ("code", "name", "rank", "risk_level", "min_asset_tier", "min_risk_level",
                                           "requires_approval", "is_default")},
             "entitlements": [{"kind": e.kind, "level": e.level, "detail": e.detail} for e in p.entitlements.all()],
             "schedules": [{"asset_tier": s.asset_tier, "standard_rate": str(s.standard_rate),
                            "min_rate": str(s.min_rate), "max_rate": str(s.max_rate)} for s in p.schedules.all()]}
            for p in packages]


@router.get("/entitlements/{int:customer_id}", response={200: AnswerOut, **ERROR_RESPONSES},
            summary="May this client receive content of a type, at a risk level, on a channel?")
def entitlement_get(request, customer_id: int, query: Query[QuestionQuery]):
    require_scope(request, "entitlements:read")
    answer: EntitlementAnswer = entitlement_check(actor=request.user, customer_id=customer_id,
                                                  question=_question(query))
    return answer.__dict__


@router.post("/entitlements/check", response={200: list[BulkAnswerOut], **ERROR_RESPONSES},
             summary="The same question for up to 1000 clients by client number (push targeting)")
def entitlements_check(request, payload: BulkQuestionIn):
    require_scope(request, "entitlements:read")
    answers = entitlements_check_many(actor=request.user, customer_nos=payload.customer_nos,
                                      question=_question(payload))
    return [{"customer_no": no, "found": a is not None, "allowed": bool(a and a.allowed),
             "package": a.package if a else None, "reasons": a.reasons if a else ["not_found"]}
            for no, a in answers.items()]
