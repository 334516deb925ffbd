from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.choices import CalendarDayKind, CalendarSource


class AuditEvent(models.Model):
    """One append-only, hash-chained audit record (ARCHITECTURE.md section 4, rule 5).

    hash = SHA-256(prev_hash + canonical JSON of this row's content). seq is gap-free, so a deleted
    row shows as a gap, a reordered row as a broken prev_hash link, an edited row as a hash mismatch.
    The actor is stored by id and username, not as a foreign key: the record must outlive the user.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        permissions = [("view_audit_trail", "Can view and verify the audit trail")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Single row holding the chain's tip; locking it serialises appends across processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class LakePartition(models.Model):
    """The published version of one lake partition (entity, business date).

    Lake files are immutable, one folder per version; readers take the paths published here. Intake writes
    new versions, then switches these rows in the same database transaction as the master data, so a
    batch becomes visible all at once or not at all (a crash leaves only unpublished folders, which the
    next run removes).
    """

    entity = models.CharField(max_length=40)
    date = models.DateField()
    path = models.CharField(max_length=500)
    rows = models.BigIntegerField()
    version = models.CharField(max_length=40)
    published_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "date"], name="lake_partition_unique")]
        indexes = [models.Index(fields=["entity", "date", "path"], name="lake_partition_files")]

    def __str__(self) -> str:
        return f"{self.entity}/{self.date}@{self.version}"


class CalendarYear(models.Model):
    """A year whose State Council holiday schedule is loaded (DOMAIN.md "Business calendar").

    Seeded from chinese-calendar (which covers years up to 2026 only); administrators add each new year
    when the State Council publishes it. For a year without a row, core.calendar falls back to
    Monday-Friday and warns.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=20, choices=CalendarSource.choices,
                              default=CalendarSource.ADMINISTRATOR)
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("e.g. the State Council notice the schedule comes from"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One exception to the Monday-Friday rule in a loaded year: a holiday (on a weekday, or on a weekend
    that belongs to the holiday), or a make-up working day (调休上班) on a weekend.

    `year` points at CalendarYear.year (the column holds the plain year number), so a year's days belong
    to it and go with it.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True,
                            help_text=_('the holiday it belongs to, e.g. "Spring Festival" or "春节"'))
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, to_field="year", db_column="year",
                             related_name="days", verbose_name=_("year"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        errors = {}
        if self.date is not None and self.year_id is not None and self.date.year != self.year_id:
            errors["date"] = _("The date is not in %(year)s.") % {"year": self.year_id}
        if self.date is not None and self.kind == CalendarDayKind.MAKEUP_WORKDAY and self.date.weekday() < 5:
            errors["kind"] = _("A make-up working day falls on a Saturday or Sunday; weekdays are working days anyway.")
        if errors:
            raise ValidationError(errors)
