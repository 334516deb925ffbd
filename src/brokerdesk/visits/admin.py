"""Return visits in the admin: programmes with their script questions, and the contact centers' daily capacity,
are edited here (audited, the question rows too); tasks, calls, findings, generation runs and the yearly sample's
strata are evidence and read-only.

A programme is checked before it is saved: its audience's parameters must be there and make sense (a segment that
exists, a feature rule the analytics engine compiles, known service events), the retry delays a list of positive
hours, at least one attempt; a question that reports a finding says which answers do. Programmes are never
deleted (their tasks point at them): take one out of use instead. Questions and capacities follow the programme's
permissions (the role matrix names none of their own).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.customers.choices import CustomerStatus
from brokerdesk.segmentation.choices import DimensionChoice
from brokerdesk.segmentation.models import Segment
from brokerdesk.segmentation.services import RuleInput, check_rules
from brokerdesk.service_plans.choices import ServiceEventKind
from brokerdesk.visits.choices import Audience, QuestionKind
from brokerdesk.visits.models import (
    AnnualSampleStratum,
    CenterCapacity,
    GenerationRun,
    Programme,
    ScriptQuestion,
    VisitAttempt,
    VisitFinding,
    VisitTask,
)

SEGMENT_AUDIENCES = (Audience.SEGMENT_ENTERED, Audience.SEGMENT_MEMBERS)
RATINGS = ("1", "2", "3", "4", "5")


def _is_positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def rule_problems(expression: str) -> list[str]:
    """The segmentation editor's check of a feature rule (catalogue features, the engine's compiler), as messages
    with the line and column of the offending token."""
    try:
        check_rules([RuleInput(dimension=DimensionChoice.TAG, code="visit_programme", expression=expression,
                               label_zh="回访")])
    except ValidationFailed as error:
        messages = []
        for problem in error.details.get("rules", []):
            where = (gettext(" (line %(line)d, column %(column)d)") % problem
                     if problem.get("line") else "")
            messages.append(f"{problem['message']}{where}")
        return messages or [error.message]
    return []


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["code", "name", "purpose", "description", "is_active", "priority", "audience",
                  "opened_within_days", "sample_ratio", "segment_dimension", "segment_code", "rule_expression",
                  "event_kinds", "repeat_after_months", "exclude_statuses", "assignee_policy", "due_working_days",
                  "max_attempts", "retry_hours", "script"]

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        check = {
            Audience.OPENED_WITHIN: self._check_opened_within,
            Audience.ANNUAL_SAMPLE: self._check_sample_ratio,
            Audience.SEGMENT_ENTERED: self._check_segment,
            Audience.SEGMENT_MEMBERS: self._check_segment,
            Audience.FEATURE_RULE: self._check_rule,
            Audience.SERVICE_EVENT: self._check_events,
        }.get(audience)
        if check is not None:
            check(cleaned)
        self._check_retries(cleaned)
        self._check_statuses(cleaned)
        return cleaned

    def _missing(self, name: str, message) -> None:
        if name not in self.errors:
            self.add_error(name, message)

    def _check_opened_within(self, cleaned) -> None:
        days = cleaned.get("opened_within_days")
        if not days:
            self._missing("opened_within_days", _("Say within how many days of opening the account is visited."))

    def _check_sample_ratio(self, cleaned) -> None:
        ratio = cleaned.get("sample_ratio")
        if ratio is None:
            self._missing("sample_ratio", _("A sample needs its ratio, e.g. 0.100 for 10%."))
        elif not Decimal(0) < ratio <= Decimal(1):
            self.add_error("sample_ratio", _("The ratio is more than 0 and at most 1 (0.100 is 10%)."))

    def _check_segment(self, cleaned) -> None:
        dimension = (cleaned.get("segment_dimension") or "").strip()
        code = (cleaned.get("segment_code") or "").strip()
        if dimension not in DimensionChoice.values:
            self._missing("segment_dimension", _("Choose a segment dimension: %(dimensions)s.")
                          % {"dimensions": ", ".join(DimensionChoice.values)})
        if not code:
            self._missing("segment_code", _("Name the segment (its code)."))
        elif dimension in DimensionChoice.values and not Segment.objects.filter(dimension=dimension,
                                                                               code=code).exists():
            self.add_error("segment_code", _("There is no segment “%(code)s” in the dimension %(dimension)s.")
                           % {"code": code, "dimension": dimension})

    def _check_rule(self, cleaned) -> None:
        expression = (cleaned.get("rule_expression") or "").strip()
        if not expression:
            self._missing("rule_expression", _("Write the feature rule, e.g. age >= 65."))
            return
        for message in rule_problems(expression):
            self.add_error("rule_expression", message)

    def _check_events(self, cleaned) -> None:
        kinds = cleaned.get("event_kinds")
        if not kinds:
            self._missing("event_kinds", _("List the service events, e.g. [\"permission_granted\"]. Known: %(kinds)s.")
                          % {"kinds": ", ".join(ServiceEventKind.values)})
            return
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            self.add_error("event_kinds", _("A list of event names, e.g. [\"permission_granted\"]."))
            return
        unknown = [k for k in kinds if k not in ServiceEventKind.values]
        if unknown:
            self.add_error("event_kinds", _("Unknown service events: %(unknown)s. Known: %(kinds)s.")
                           % {"unknown": ", ".join(unknown), "kinds": ", ".join(ServiceEventKind.values)})

    def _check_retries(self, cleaned) -> None:
        hours = cleaned.get("retry_hours")
        if "retry_hours" in self.errors:
            self.errors["retry_hours"].append(_("A list of whole hours greater than 0, e.g. [2, 24, 48]."))
        elif not isinstance(hours, list) or not hours or not all(_is_positive_int(h) for h in hours):
            self.add_error("retry_hours", _("A list of whole hours greater than 0, e.g. [2, 24, 48]."))
        attempts = cleaned.get("max_attempts")
        if attempts is not None and attempts < 1:
            self.add_error("max_attempts", _("At least one attempt."))

    def _check_statuses(self, cleaned) -> None:
        statuses = cleaned.get("exclude_statuses")
        if statuses in (None, "", []):
            return
        if not isinstance(statuses, list) or any(s not in CustomerStatus.values for s in statuses):
            self.add_error("exclude_statuses", _("A list of client statuses among: %(statuses)s.")
                           % {"statuses": ", ".join(CustomerStatus.values)})


class ScriptQuestionForm(forms.ModelForm):
    class Meta:
        model = ScriptQuestion
        fields = ["position", "text", "kind", "choices", "required", "finding_kind", "finding_answers"]

    def clean(self):
        cleaned = super().clean()
        kind, choices = cleaned.get("kind"), cleaned.get("choices")
        finding, answers = cleaned.get("finding_kind"), cleaned.get("finding_answers")
        if kind == QuestionKind.CHOICE and (not isinstance(choices, list) or not choices):
            self.add_error("choices", _("A choice question lists its answers, e.g. [\"A\", \"B\"]."))
            choices = []
        if answers and not isinstance(answers, list):
            self.add_error("finding_answers", _("A list of answers, e.g. [\"yes\"]."))
            return cleaned
        if finding and not answers:
            self.add_error("finding_answers", _("Say which answers are a finding, e.g. [\"yes\"]."))
        elif answers and not finding:
            self.add_error("finding_kind", _("Choose the finding these answers report."))
        elif answers:
            allowed = {QuestionKind.YES_NO: ("yes", "no"), QuestionKind.RATING: RATINGS,
                       QuestionKind.CHOICE: tuple(choices or [])}.get(kind)
            if allowed is None:
                self.add_error("finding_answers", _("A free-text answer cannot be a finding."))
            elif any(str(a) not in allowed for a in answers):
                self.add_error("finding_answers", _("Answers this question can have: %(allowed)s.")
                               % {"allowed": ", ".join(allowed)})
        return cleaned


def _row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _may_view_programmes(request) -> bool:
    return request.user.has_perm("visits.view_programme") or request.user.has_perm("visits.change_programme")


def _may_edit_programmes(request) -> bool:
    return request.user.has_perm("visits.change_programme")


class ScriptQuestionInline(admin.TabularInline):
    model = ScriptQuestion
    form = ScriptQuestionForm
    extra = 0
    fields = ["position", "text", "kind", "choices", "required", "finding_kind", "finding_answers"]

    def has_view_permission(self, request, obj=None):
        return _may_view_programmes(request)

    def has_add_permission(self, request, obj=None):
        return _may_edit_programmes(request)

    def has_change_permission(self, request, obj=None):
        return _may_edit_programmes(request)

    def has_delete_permission(self, request, obj=None):
        return _may_edit_programmes(request)


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    form = ProgrammeForm
    inlines = [ScriptQuestionInline]
    list_display = ["code", "name", "purpose", "audience", "assignee_policy", "due_working_days", "max_attempts",
                    "priority", "is_active"]
    list_filter = ["is_active", "purpose", "audience", "assignee_policy"]
    search_fields = ["code", "name"]
    fieldsets = [
        (None, {"fields": ["code", "name", "purpose", "description", "is_active", "priority"]}),
        (_("Targets"), {"fields": ["audience", "opened_within_days", "sample_ratio", "segment_dimension",
                                   "segment_code", "rule_expression", "event_kinds", "repeat_after_months",
                                   "exclude_statuses"],
                        "description": _("Fill in the parameters of the chosen audience: days for new accounts, "
                                         "the ratio for the annual sample, dimension and code for a segment, the "
                                         "rule for a feature rule, the events for service events.")}),
        (_("Working"), {"fields": ["assignee_policy", "due_working_days", "max_attempts", "retry_hours"]}),
        (_("Script"), {"fields": ["script"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # tasks point at programmes: take one out of use instead

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action="admin.scriptquestion.create", object_type="scriptquestion",
                         object_id=obj.pk, after=_row(obj))
        for obj, changed in formset.changed_objects:
            audit_record(actor=request.user, action="admin.scriptquestion.change", object_type="scriptquestion",
                         object_id=obj.pk, after=_row(obj), details={"fields": changed})
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action="admin.scriptquestion.delete", object_type="scriptquestion",
                         object_id=obj.pk, before=_row(obj))


@admin.register(CenterCapacity)
class CenterCapacityAdmin(AuditedModelAdmin):
    list_display = ["center", "daily_tasks"]

    def has_module_permission(self, request):
        return _may_view_programmes(request)

    def has_view_permission(self, request, obj=None):
        return _may_view_programmes(request)

    def has_add_permission(self, request):
        return _may_edit_programmes(request)

    def has_change_permission(self, request, obj=None):
        return _may_edit_programmes(request)

    def has_delete_permission(self, request, obj=None):
        return _may_edit_programmes(request)


@admin.register(VisitTask)
class VisitTaskAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "programme", "cycle", "branch", "center", "status", "assignee", "business_date", "due_on",
                    "attempts", "outcome"]
    list_filter = ["status", "programme", "outcome"]
    list_select_related = ["programme", "branch", "center", "assignee"]
    search_fields = ["customer__customer_no", "cycle", "source_ref"]
    date_hierarchy = "business_date"


@admin.register(VisitAttempt)
class VisitAttemptAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "task", "number", "agent", "started_at", "ended_at", "outcome", "recording_source"]
    list_filter = ["outcome", "recording_source"]
    list_select_related = ["agent"]
    search_fields = ["call_ref"]


@admin.register(VisitFinding)
class VisitFindingAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "created_at", "kind", "task", "ticket"]
    list_filter = ["kind"]
    list_select_related = ["ticket"]


@admin.register(GenerationRun)
class GenerationRunAdmin(ReadOnlyModelAdmin):
    list_display = ["business_date", "started_at", "finished_at", "total_created", "seconds", "actor"]
    list_select_related = ["actor"]


@admin.register(AnnualSampleStratum)
class AnnualSampleStratumAdmin(ReadOnlyModelAdmin):
    list_display = ["year", "programme", "branch", "eligible", "required", "drawn_at"]
    list_filter = ["year", "programme"]
    list_select_related = ["programme", "branch"]
