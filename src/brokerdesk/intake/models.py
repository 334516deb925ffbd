from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    VALIDATING = "validating", _("Validating")
    REJECTED = "rejected", _("Rejected")
    APPLYING = "applying", _("Applying")
    APPLIED = "applied", _("Applied")
    UNCHANGED = "unchanged", _("Already applied")
    FAILED = "failed", _("Failed")


class IntakeBatch(models.Model):
    """One attempt to load a batch folder: the batch history page lists these."""

    business_date = models.DateField(_("business date"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    source = models.CharField(_("folder"), max_length=500)
    fingerprint = models.CharField(_("manifest SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    row_counts = models.JSONField(_("rows per file"), default=dict, blank=True)
    changes = models.JSONField(_("changes applied"), default=dict, blank=True)
    error_total = models.IntegerField(_("errors"), default=0)
    errors_sample = models.JSONField(_("first errors"), default=list, blank=True)
    report_path = models.CharField(_("error report"), max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_by = models.CharField(_("started by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("intake batch")
        verbose_name_plural = _("intake batches")
        permissions = [("run_intake", "Can load core-system batches")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.kind} {self.status}"
