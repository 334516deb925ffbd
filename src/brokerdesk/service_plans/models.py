"""Service packages and their subscriptions, products, suitability records, the risk questionnaire, professional-
investor qualification and trading-permission applications.

Suitability records (checks, confirmations, assessments, applications) are evidence the regulator may ask for
for 20 years: nothing here is deleted through the product, and the admin grants no delete permission.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.choices import InvestorCategory, PermissionKind, RiskLevel
from brokerdesk.customers.models import Customer
from brokerdesk.service_plans.choices import (
    OPEN_SUBSCRIPTION_STATUSES,
    ApplicationStatus,
    EntitlementKind,
    PermissionApplicationStatus,
    ProductKind,
    ProductRisk,
    ProfessionalBasis,
    QuestionTopic,
    RequestChannel,
    ServiceEventKind,
    SubjectKind,
    SubscriptionAction,
    SubscriptionChange,
    SubscriptionStatus,
    SuitabilityOutcome,
)

RATE = {"max_digits": 6, "decimal_places": 4}  # commission in per mille (‰): 0.1500 … 3.0000
MONEY = {"max_digits": 18, "decimal_places": 2}
USER = settings.AUTH_USER_MODEL


# --- Service packages -------------------------------------------------------------------------------------------


class ServicePackage(models.Model):
    """A tiered service product: what the client receives, what it costs in commission, who may have it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("Higher is a richer package: moving up is an upgrade."))
    min_asset_tier = models.CharField(
        _("minimum asset tier"), max_length=64, blank=True,
        help_text=_("Code of an asset-tier segment (silver, gold, platinum, diamond); blank for none."))
    min_risk_level = models.CharField(_("minimum client risk level"), max_length=2, choices=RiskLevel.choices,
                                      blank=True)
    risk_level = models.CharField(_("service risk level"), max_length=2, choices=ProductRisk.choices,
                                  default=ProductRisk.R1)
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    is_default = models.BooleanField(
        _("default package"), default=False,
        help_text=_("The basic channel every client has without a subscription (one package)."))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("service package")
        verbose_name_plural = _("service packages")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_package"),
        ]
        permissions = [
            ("manage_packages", "Can configure service packages"),
            ("subscribe_package", "Can request a package change on a client's behalf"),
            ("approve_subscription", "Can approve package subscriptions"),
            ("export_commission_changes", "Can export commission changes to the core system"),
            ("view_fair_fee_report", "Can see the fair-fee report"),
        ]

    def __str__(self) -> str:
        return self.name


class PackageEntitlement(models.Model):
    package = models.ForeignKey(ServicePackage, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.CharField(_("entitlement"), max_length=20, choices=EntitlementKind.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), default=1, help_text=_("Research: 1 basic, 2 in-depth, 3 institutional; others 1."))
    detail = models.CharField(_("detail"), max_length=120, blank=True)

    class Meta:
        ordering = ["package", "kind"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [models.UniqueConstraint(fields=["package", "kind"], name="one_entitlement_per_kind")]

    def __str__(self) -> str:
        return f"{self.package.code}:{self.kind}"


class CommissionSchedule(models.Model):
    """A package's commission for an asset tier (blank: any tier): the standard rate and the band the branch may
    agree within. The fair-fee report flags clients outside their band."""

    package = models.ForeignKey(ServicePackage, on_delete=models.CASCADE, related_name="schedules")
    asset_tier = models.CharField(_("asset tier"), max_length=64, blank=True)
    standard_rate = models.DecimalField(_("standard rate (‰)"), **RATE)
    min_rate = models.DecimalField(_("lowest rate (‰)"), **RATE)
    max_rate = models.DecimalField(_("highest rate (‰)"), **RATE)

    class Meta:
        ordering = ["package", "asset_tier"]
        verbose_name = _("commission schedule")
        verbose_name_plural = _("commission schedules")
        constraints = [
            models.UniqueConstraint(fields=["package", "asset_tier"], name="one_schedule_per_tier"),
            models.CheckConstraint(condition=Q(min_rate__lte=models.F("standard_rate"))
                                   & Q(standard_rate__lte=models.F("max_rate")) & Q(min_rate__gte=Decimal(0)),
                                   name="schedule_band_holds_standard"),
        ]

    def __str__(self) -> str:
        return f"{self.package.code} {self.asset_tier or '*'} {self.standard_rate}‰"


class Subscription(models.Model):
    """One request for a package and its life: approval, cooling-off, effect, end. A client has at most one
    active and one open (not yet effective) subscription."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    package = models.ForeignKey(ServicePackage, on_delete=models.PROTECT, related_name="subscriptions")
    change = models.CharField(_("change"), max_length=10, choices=SubscriptionChange.choices)
    status = models.CharField(_("status"), max_length=20, choices=SubscriptionStatus.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=RequestChannel.choices)
    commission_rate = models.DecimalField(_("commission (‰)"), **RATE)
    asset_tier = models.CharField(_("asset tier at request"), max_length=64, blank=True)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("replaces"))
    suitability = models.ForeignKey("SuitabilityCheck", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("requested by"))  # NULL: the client on self-service
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    cooling_off_until = models.DateTimeField(_("cooling-off until"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(status=SubscriptionStatus.ACTIVE),
                                    name="one_active_subscription"),
            models.UniqueConstraint(fields=["customer"], condition=Q(status__in=OPEN_SUBSCRIPTION_STATUSES),
                                    name="one_open_subscription"),
        ]
        indexes = [models.Index(fields=["status", "package"], name="subscription_status_package")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.package_id}:{self.status}"


class SubscriptionEvent(models.Model):
    """The subscription's history: every transition, who and when."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=SubscriptionAction.choices)
    from_status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=SubscriptionStatus.choices)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.action}"


class CommissionExport(models.Model):
    """One outbound change file handed to the core trading system (docs/commission-change-file.md)."""

    file_name = models.CharField(_("file"), max_length=120, unique=True)
    rows = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("commission export")
        verbose_name_plural = _("commission exports")

    def __str__(self) -> str:
        return self.file_name


class CommissionChange(models.Model):
    """A commission change the core system must apply; written once into exactly one export file."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="commission_changes")
    capital_account = models.CharField(_("capital account"), max_length=20)
    old_rate = models.DecimalField(_("old rate (‰)"), null=True, blank=True, **RATE)
    new_rate = models.DecimalField(_("new rate (‰)"), **RATE)
    effective_on = models.DateField(_("effective on"))
    created_at = models.DateTimeField(_("created at"))
    export = models.ForeignKey(CommissionExport, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="changes")

    class Meta:
        ordering = ["id"]
        verbose_name = _("commission change")
        verbose_name_plural = _("commission changes")
        indexes = [models.Index(fields=["id"], condition=Q(export__isnull=True), name="commission_change_unsent")]


# --- Products and suitability ---------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.capital_account} {self.old_rate}→{self.new_rate}‰"


class Product(models.Model):
    """A product the firm sells or distributes, with its risk rating (any product is bound by suitability)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=ProductRisk.choices)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("check_suitability", "Can check suitability and record a client's confirmation")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SuitabilityCheck(models.Model):
    """One matching of a client against a package, product or content, with what the client was shown and
    signed. The record the regulator inspects: kept 20 years, never edited after confirmation."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="suitability_checks")
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_code = models.CharField(_("code"), max_length=30)
    subject_name = models.CharField(_("name"), max_length=100)
    subject_risk = models.CharField(_("risk level"), max_length=2, choices=ProductRisk.choices)
    investor_category = models.CharField(_("investor category"), max_length=20, choices=InvestorCategory.choices)
    client_risk_level = models.CharField(_("client risk level"), max_length=2, blank=True)
    is_lowest_category = models.BooleanField(_("lowest category"))
    assessment_expires_on = models.DateField(_("assessment expires on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=SuitabilityOutcome.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    is_high_risk_to_ordinary = models.BooleanField(_("high risk to an ordinary investor"), default=False)
    warning_text = models.TextField(_("risk warning shown"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=RequestChannel.choices)
    checked_at = models.DateTimeField(_("checked at"))
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The client's signed confirmation of a mismatch (with the no-recommendation declaration).
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_channel = models.CharField(_("confirmation channel"), max_length=20, blank=True)
    signature_hash = models.CharField(_("signature hash"), max_length=64, blank=True)
    no_recommendation_declared = models.BooleanField(_("declared not recommended"), default=False)
    cooling_off_until = models.DateTimeField(_("cooling-off until"), null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("suitability check")
        verbose_name_plural = _("suitability checks")
        indexes = [models.Index(fields=["customer", "-checked_at"], name="suitability_by_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.subject_code} {self.outcome}"


class ServiceEvent(models.Model):
    """An outbox of events other apps consume (the visits app opens the extra return visit for a high-risk sale,
    the special-business visit for a new permission). Written in the transaction of what caused it, announced
    after commit by a job, and unique per (kind, customer, key) so that announcing twice is harmless."""

    kind = models.CharField(_("event"), max_length=30, choices=ServiceEventKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        constraints = [models.UniqueConstraint(fields=["kind", "customer", "key"], name="one_event_per_key")]
        indexes = [models.Index(fields=["id"], condition=Q(announced_at__isnull=True), name="service_event_pending")]


# --- Risk questionnaire and assessments ---------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.key}"


class Questionnaire(models.Model):
    """A version of the risk-tolerance questionnaire; one is in use at a time. Versions are never edited once used."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_current = models.BooleanField(_("in use"), default=False)
    validity_days = models.PositiveIntegerField(_("valid for (days)"), default=730)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk questionnaire")
        verbose_name_plural = _("risk questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                    name="one_current_questionnaire"),
        ]
        permissions = [("assess_risk", "Can record a client's risk assessment")]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    topic = models.CharField(_("topic"), max_length=20, choices=QuestionTopic.choices)
    text = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("several answers"), default=False)

    class Meta:
        ordering = ["questionnaire", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "position"], name="one_question_per_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("answer"), max_length=200)
    score = models.SmallIntegerField(_("score"))
    accepts_no_loss = models.BooleanField(
        _("accepts no loss"), default=False, help_text=_("Choosing it puts the client in the lowest category."))

    class Meta:
        ordering = ["question", "position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="one_choice_per_position")]

    def __str__(self) -> str:
        return self.text


class RiskBand(models.Model):
    """Scores min_score…max_score (inclusive) give a level."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="bands")
    level = models.CharField(_("level"), max_length=2, choices=RiskLevel.choices)
    min_score = models.SmallIntegerField(_("from score"))
    max_score = models.SmallIntegerField(_("to score"))

    class Meta:
        ordering = ["questionnaire", "min_score"]
        verbose_name = _("risk band")
        verbose_name_plural = _("risk bands")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "level"], name="one_band_per_level")]

    def __str__(self) -> str:
        return f"{self.level} {self.min_score}-{self.max_score}"


class RiskAssessment(models.Model):
    """One completed questionnaire: the answers, the score, the level, and the client's signature."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="risk_assessments")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("answers"))  # {question position: [choice positions]}
    score = models.SmallIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=2, choices=RiskLevel.choices)
    previous_level = models.CharField(_("previous level"), max_length=2, blank=True)
    accepts_no_loss = models.BooleanField(_("accepts no loss"), default=False)
    lacks_civil_capacity = models.BooleanField(_("lacks full civil capacity"), default=False)
    is_lowest_category = models.BooleanField(_("lowest category"), default=False)
    channel = models.CharField(_("channel"), max_length=20, choices=RequestChannel.choices)
    assessed_at = models.DateTimeField(_("assessed at"))
    expires_on = models.DateField(_("expires on"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signature_hash = models.CharField(_("signature hash"), max_length=64)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.level} {self.score}"


class ProfessionalApplication(models.Model):
    """A request to be treated as a professional investor, with the evidence, reviewed by a second person."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="professional_applications")
    basis = models.CharField(_("basis"), max_length=20, choices=ProfessionalBasis.choices)
    financial_assets = models.DecimalField(_("financial assets"), null=True, blank=True, **MONEY)
    net_assets = models.DecimalField(_("net assets"), null=True, blank=True, **MONEY)
    average_income_3y = models.DecimalField(_("average income, last 3 years"), null=True, blank=True, **MONEY)
    experience_years = models.DecimalField(_("years of investment experience"), max_digits=4, decimal_places=1,
                                           null=True, blank=True)
    professional_background = models.CharField(_("professional background"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    criteria_met = models.BooleanField(_("criteria met"), default=False)
    reasons = models.JSONField(_("reasons"), default=list)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("professional-investor application")
        verbose_name_plural = _("professional-investor applications")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(status="pending"),
                                    name="one_pending_professional_application"),
        ]
        permissions = [("review_professional", "Can approve professional-investor applications")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.basis} {self.status}"


class ProfessionalEvidence(models.Model):
    """A document proving the criteria (asset certificate, income statement, employment proof)."""

    application = models.ForeignKey(ProfessionalApplication, on_delete=models.PROTECT, related_name="evidence")
    file_name = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


# --- Trading permissions --------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.file_name


class PermissionApplication(models.Model):
    """An application for a board or margin permission: the figures checked, the signed risk disclosure and the
    result with its reasons. Granting writes the customer's TradingPermission."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="permission_applications")
    kind = models.CharField(_("permission"), max_length=20, choices=PermissionKind.choices)
    applied_on = models.DateField(_("applied on"))
    channel = models.CharField(_("channel"), max_length=20, choices=RequestChannel.choices)
    window_start = models.DateField(_("assets from"), null=True, blank=True)
    window_end = models.DateField(_("assets to"), null=True, blank=True)
    trading_days = models.PositiveSmallIntegerField(_("trading days in the window"), default=0)
    days_with_assets = models.PositiveSmallIntegerField(_("days with an asset snapshot"), default=0)
    days_without_data = models.JSONField(
        _("days without published data"), default=list, blank=True,
        help_text=_("Trading days of the window the lake had no asset snapshots for (counted as 0)."))
    assets_sum = models.DecimalField(_("sum of daily assets"), max_digits=22, decimal_places=2, default=0)
    average_assets = models.DecimalField(_("average daily assets"), **MONEY)
    required_assets = models.DecimalField(_("required average assets"), **MONEY)
    first_traded_on = models.DateField(_("first traded on"), null=True, blank=True)
    first_trade_source = models.CharField(
        _("first trade from"), max_length=10, blank=True,
        choices=[("lake", _("Trades with this firm")), ("csdc", _("CSDC query (other firms)"))])
    lake_first_traded_on = models.DateField(_("first trade with this firm"), null=True, blank=True)
    csdc_first_traded_on = models.DateField(_("first trade per CSDC query"), null=True, blank=True)
    experience_months = models.PositiveSmallIntegerField(_("months of trading experience"))
    required_months = models.PositiveSmallIntegerField(_("required months"))
    investor_category = models.CharField(_("investor category"), max_length=20, choices=InvestorCategory.choices,
                                         blank=True)
    client_risk_level = models.CharField(_("client risk level"), max_length=2, blank=True)
    assessment_expires_on = models.DateField(_("assessment expires on"), null=True, blank=True)
    is_lowest_category = models.BooleanField(_("lowest category"), default=False)
    disclosure_version = models.CharField(_("risk disclosure version"), max_length=30)
    disclosure_signed_at = models.DateTimeField(_("risk disclosure signed at"))
    disclosure_signature_hash = models.CharField(_("signature hash"), max_length=64)
    signer_name = models.CharField(_("signed by"), max_length=120, blank=True)
    status = models.CharField(_("result"), max_length=10, choices=PermissionApplicationStatus.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("permission application")
        verbose_name_plural = _("permission applications")
        permissions = [("apply_permission", "Can record a trading-permission application")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.status}"
