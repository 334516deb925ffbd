"""Rule sets (versioned, maker-checker), the segments they define, memberships with history, and runs.

A membership row is one period of a client in a segment: valid_from the business date of the run that put
the client in, valid_to that of the run that took the client out (NULL while the client is still in). The
current members of a segment are its rows with valid_to NULL; the history is all of them. A run writes
rows only for clients whose segments changed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.segmentation.choices import DimensionChoice, RuleSetStatus, RunStatus, RunTrigger


class RuleSet(models.Model):
    """One version of the segmentation rules. Exactly one is published at a time (the one runs use)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("based on"))
    note = models.TextField(_("change note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("approved or returned by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reviewer's note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="published"), name="one_published_rule_set"),
        ]
        permissions = [
            ("draft_ruleset", "Can draft segmentation rules"),
            ("approve_ruleset", "Can approve and publish segmentation rules"),
            ("run_segmentation", "Can run segmentation on demand"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class SegmentRule(models.Model):
    """One rule of a rule set: an expression over the feature catalogue that puts clients in a segment."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules", verbose_name=_("rule set"))
    position = models.PositiveSmallIntegerField(_("order"))  # first match wins within tier, style and class
    dimension = models.CharField(_("dimension"), max_length=5, choices=DimensionChoice.choices)
    code = models.CharField(_("code"), max_length=64)
    label_zh = models.CharField(_("name (Chinese)"), max_length=60)
    label_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    expression = models.TextField(_("rule"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["rule_set", "position"]
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "dimension", "code"], name="one_rule_per_segment"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.code}"


class Segment(models.Model):
    """A segment's identity across rule-set versions; memberships point here. Labels follow the latest
    published rule; `active` says whether the published rule set still defines it."""

    dimension = models.CharField(_("dimension"), max_length=5, choices=DimensionChoice.choices)
    code = models.CharField(_("code"), max_length=64)
    label_zh = models.CharField(_("name (Chinese)"), max_length=60)
    label_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)  # tiers: 0 is the highest
    active = models.BooleanField(_("in the published rules"), default=True)

    class Meta:
        ordering = ["dimension", "rank", "code"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="one_segment_per_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label_zh or self.code


class SegmentRun(models.Model):
    """One run of the published rules for a business date: what it counted, changed and how long it took."""

    business_date = models.DateField(_("business date"), db_index=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="runs", verbose_name=_("rule set"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    started_by = models.CharField(_("started by"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    clients = models.PositiveIntegerField(_("clients"), default=0)
    members = models.JSONField(_("members per segment"), default=dict, blank=True)  # "dimension:code" -> n
    entered = models.JSONField(_("clients entering"), default=dict, blank=True)
    left = models.JSONField(_("clients leaving"), default=dict, blank=True)
    timings = models.JSONField(_("step durations (s)"), default=dict, blank=True)
    snapshot = models.CharField(_("membership snapshot"), max_length=300, blank=True)  # relative to the lake
    features = models.CharField(_("feature table"), max_length=300, blank=True)  # relative to the lake
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("segmentation run")
        verbose_name_plural = _("segmentation runs")

    def __str__(self) -> str:
        return f"{self.business_date} v{self.rule_set.version} {self.status}"


class SegmentMembership(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_memberships",
                                 verbose_name=_("client"), db_index=False)  # membership_customer_idx
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="memberships",
                                verbose_name=_("segment"), db_index=False)  # membership_current
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+", db_index=False,
                                 verbose_name=_("rule set"))
    entered_run = models.ForeignKey(SegmentRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    left_run = models.ForeignKey(SegmentRun, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                 db_index=False)

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [
            # At most one open period per client and segment; also the index that pages a segment's members.
            models.UniqueConstraint(fields=["segment", "customer"], condition=Q(valid_to__isnull=True),
                                    name="membership_current"),
        ]
        indexes = [
            models.Index(fields=["customer", "valid_from"], name="membership_customer_idx"),
            # Who entered or left a segment in a run: what segment-change subscribers read.
            models.Index(fields=["entered_run", "segment"], name="membership_entered_idx"),
            models.Index(fields=["left_run", "segment"], condition=Q(left_run__isnull=False),
                         name="membership_left_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id} {self.valid_from}..{self.valid_to or ''}"
