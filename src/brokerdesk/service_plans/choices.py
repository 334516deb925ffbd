from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductRisk(models.TextChoices):
    """Risk level of a product or service (R1 low … R5 high)."""

    R1 = "R1", _("R1 low")
    R2 = "R2", _("R2 medium-low")
    R3 = "R3", _("R3 medium")
    R4 = "R4", _("R4 medium-high")
    R5 = "R5", _("R5 high")


class EntitlementKind(models.TextChoices):
    RESEARCH = "research", _("Research reports")  # level: 1 basic, 2 in-depth, 3 institutional
    DAILY_REPORT = "daily_report", _("Daily report")
    DAILY_VIDEO = "daily_video", _("Daily video")
    MODEL_PORTFOLIO = "model_portfolio", _("Model portfolio")
    STOCK_POOL = "stock_pool", _("Stock pool")
    SMS_PUSH = "sms_push", _("SMS push")
    EMAIL_PUSH = "email_push", _("Email push")
    DEDICATED_ADVISOR = "dedicated_advisor", _("Dedicated investment advisor")
    VIP_HOTLINE = "vip_hotline", _("VIP hotline")
    FAST_CHANNEL = "fast_channel", _("Fast trading channel")
    WEALTH_EVENTS = "wealth_events", _("Wealth events")


class SubscriptionStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    COOLING_OFF = "cooling_off", _("Cooling-off")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_SUBSCRIPTION_STATUSES = (SubscriptionStatus.PENDING_APPROVAL, SubscriptionStatus.COOLING_OFF)


class SubscriptionAction(models.TextChoices):
    REQUEST = "request", _("Requested")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    WITHDRAW = "withdraw", _("Withdrawn")
    COOLING_OFF = "cooling_off", _("Cooling-off started")
    ACTIVATE = "activate", _("Took effect")
    END = "end", _("Ended (replaced)")
    CANCEL = "cancel", _("Cancelled")


class SubscriptionChange(models.TextChoices):
    NEW = "new", _("New subscription")
    UPGRADE = "upgrade", _("Upgrade")
    DOWNGRADE = "downgrade", _("Downgrade")
    CANCEL = "cancel", _("Cancellation")


class RequestChannel(models.TextChoices):
    SELF_SERVICE = "self_service", _("Client self-service")
    PHONE = "phone", _("Phone (agent on the client's behalf)")
    BRANCH = "branch", _("Branch counter")
    API = "api", _("Partner system")


class SuitabilityOutcome(models.TextChoices):
    MATCH = "match", _("Suitable")
    CONFIRMATION_REQUIRED = "confirmation_required", _("Mismatch: risk warning and client confirmation required")
    REFUSED_LOWEST_CATEGORY = "refused_lowest", _("Refused: lowest-category investor")
    REFUSED_NO_ASSESSMENT = "refused_no_assessment", _("Refused: no valid risk assessment")


class SubjectKind(models.TextChoices):
    PACKAGE = "package", _("Service package")
    PRODUCT = "product", _("Product")
    CONTENT = "content", _("Content")


class ProductKind(models.TextChoices):
    PUBLIC_FUND = "public_fund", _("Public fund")
    PRIVATE_FUND = "private_fund", _("Private fund")
    ASSET_MANAGEMENT = "asset_management", _("Asset-management plan")
    WEALTH = "wealth", _("Bank wealth product")
    BOND = "bond", _("Bond")
    STRUCTURED_NOTE = "structured_note", _("Structured note (收益凭证)")
    ADVISORY = "advisory", _("Advisory service")
    OTHER = "other", _("Other")


class ServiceEventKind(models.TextChoices):
    """What other apps consume (the return-visit programmes, push): see service_plans.events."""

    HIGH_RISK_SALE = "high_risk_sale", _("High-risk product to an ordinary investor")
    ASSESSMENT_EXPIRED = "assessment_expired", _("Risk assessment expired")
    PERMISSION_GRANTED = "permission_granted", _("Trading permission granted")
    PACKAGE_CHANGED = "package_changed", _("Service package changed")


class QuestionTopic(models.TextChoices):
    INCOME = "income", _("Income")
    ASSETS = "assets", _("Assets")
    DEBT = "debt", _("Debt")
    KNOWLEDGE = "knowledge", _("Investment knowledge")
    EXPERIENCE = "experience", _("Investment experience")
    PREFERENCE = "preference", _("Risk preference")
    OBJECTIVE = "objective", _("Investment objective and horizon")
    OTHER = "other", _("Other")


class ProfessionalBasis(models.TextChoices):
    """Art. 8 / Art. 11 of the suitability measures."""

    INSTITUTION = "institution", _("Financial institution or its product (automatic)")
    ENTITY = "entity", _("Entity: net assets ≥ 20M, financial assets ≥ 10M, 2 years' experience")
    PERSON_ASSETS = "person_assets", _("Individual: financial assets ≥ 5M, 2 years' experience")
    PERSON_INCOME = "person_income", _("Individual: 3-year average income ≥ 500k, 2 years' experience")
    PERSON_ON_REQUEST = "person_on_request", _("Individual on request: assets ≥ 3M or income ≥ 300k, 1 year")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PermissionApplicationStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
