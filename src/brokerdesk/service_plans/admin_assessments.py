"""The risk questionnaire and the suitability records in the admin (audited).

A questionnaire version is editable only while it is neither in use nor used by any assessment: the answers an
assessment stored refer to its questions by position, so a used version is evidence and never changes. To change
the questionnaire, "copy as new version", edit the copy, then "put in use", which refuses a definition that fails
validation (≥ 10 questions, every required topic, contiguous C1–C5 bands covering every reachable score).
Assessments and professional-investor applications are read-only here; nothing is deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError
from brokerdesk.service_plans.models import (
    Choice,
    ProfessionalApplication,
    ProfessionalEvidence,
    Question,
    Questionnaire,
    RiskAssessment,
    RiskBand,
)
from brokerdesk.service_plans.selectors.assessments import questionnaire_is_used
from brokerdesk.service_plans.services.assessments import (
    questionnaire_copy_as_new_version,
    questionnaire_make_current,
    questionnaire_problem_messages,
)


def questionnaire_locked(questionnaire: Questionnaire | None) -> bool:
    """In use or used by an assessment: its definition cannot change."""
    if questionnaire is None or questionnaire.pk is None:
        return False
    return questionnaire.is_current or questionnaire_is_used(questionnaire.pk)


class _AuditedInlineMixin:
    """Inline rows are audited like the parent (AuditedModelAdmin covers only the parent object)."""

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.create",
                         object_type=obj._meta.model_name, object_id=obj.pk, after=_row(obj))
        for obj, changed in formset.changed_objects:
            audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.change",
                         object_type=obj._meta.model_name, object_id=obj.pk, after=_row(obj),
                         details={"fields": changed})
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.delete",
                         object_type=obj._meta.model_name, object_id=obj.pk, before=_row(obj))


def _row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _may_edit_questionnaires(request) -> bool:
    """Questions, answers and bands are part of a questionnaire: its permissions govern them (the role matrix
    grants none on the parts themselves)."""
    return request.user.has_perm("service_plans.change_questionnaire")


def _may_view_questionnaires(request) -> bool:
    return _may_edit_questionnaires(request) or request.user.has_perm("service_plans.view_questionnaire")


class _LockedInline(admin.TabularInline):
    """Rows of a locked questionnaire are shown, never added, changed or deleted."""

    extra = 0

    def _parent_locked(self, obj) -> bool:
        return questionnaire_locked(obj if isinstance(obj, Questionnaire) else getattr(obj, "questionnaire", None))

    def has_view_permission(self, request, obj=None):
        return _may_view_questionnaires(request)

    def has_add_permission(self, request, obj=None):
        return _may_edit_questionnaires(request) and not self._parent_locked(obj)

    def has_change_permission(self, request, obj=None):
        return _may_edit_questionnaires(request) and not self._parent_locked(obj)

    def has_delete_permission(self, request, obj=None):
        return _may_edit_questionnaires(request) and not self._parent_locked(obj)


class QuestionInline(_LockedInline):
    model = Question
    fields = ["position", "topic", "text", "multiple"]
    show_change_link = True  # the answers are edited on the question's page


class RiskBandInline(_LockedInline):
    model = RiskBand
    fields = ["level", "min_score", "max_score"]


class ChoiceInline(_LockedInline):
    model = Choice
    fields = ["position", "text", "score", "accepts_no_loss"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(_AuditedInlineMixin, AuditedModelAdmin):
    list_display = ["version", "name", "is_current", "validity_days", "created_at", "is_used"]
    inlines = [QuestionInline, RiskBandInline]
    actions = ["make_current", "copy_as_new_version"]

    @admin.display(boolean=True, description=_("used by assessments"))
    def is_used(self, obj):
        return questionnaire_is_used(obj.pk)

    def get_readonly_fields(self, request, obj=None):
        # is_current changes only through "put in use", which validates the definition first.
        if questionnaire_locked(obj):
            return ["version", "name", "validity_days", "is_current", "problems"]
        return ["is_current", "problems"]

    def get_fields(self, request, obj=None):
        return ["version", "name", "validity_days", "is_current", "problems"]

    @admin.display(description=_("problems"))
    def problems(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        found = questionnaire_problem_messages(obj)
        return " ".join(found) if found else gettext("None: this version can be put in use.")

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and questionnaire_locked(obj) and request.method == "GET":
            self.message_user(request, gettext(
                "This version is in use or was used by assessments and cannot be edited; use “copy as new "
                "version” to change the questionnaire."), messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Put the selected version in use"), permissions=["change"])
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one version to put in use."), messages.ERROR)
            return
        questionnaire = queryset.get()
        try:
            questionnaire_make_current(actor=request.user, questionnaire_id=questionnaire.pk)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, gettext("Version %(version)s is now in use.") % {
            "version": questionnaire.version}, messages.SUCCESS)

    @admin.action(description=_("Copy as new version"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        for questionnaire in queryset.order_by("version"):
            try:
                copy = questionnaire_copy_as_new_version(actor=request.user, questionnaire_id=questionnaire.pk)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            self.message_user(request, gettext("Version %(version)s copied as version %(copy)s (not in use).") % {
                "version": questionnaire.version, "copy": copy.version}, messages.SUCCESS)


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["questionnaire", "position", "topic", "text", "multiple"]

    def clean_questionnaire(self):
        questionnaire = self.cleaned_data["questionnaire"]
        if questionnaire_locked(questionnaire):
            raise forms.ValidationError(_("This version is in use or was used by assessments; copy it as a new "
                                          "version and edit the copy."))
        return questionnaire


@admin.register(Question)
class QuestionAdmin(_AuditedInlineMixin, AuditedModelAdmin):
    form = QuestionForm
    list_display = ["questionnaire", "position", "topic", "text", "multiple"]
    list_filter = ["questionnaire", "topic"]
    inlines = [ChoiceInline]

    def get_model_perms(self, request):
        return {}  # reached from its questionnaire, not listed on the admin index

    def has_add_permission(self, request):
        return _may_edit_questionnaires(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and questionnaire_locked(obj.questionnaire):
            return False
        return _may_edit_questionnaires(request)

    def has_view_permission(self, request, obj=None):
        return _may_view_questionnaires(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyModelAdmin):
    list_display = ["customer", "level", "score", "previous_level", "is_lowest_category", "assessed_at",
                    "expires_on", "channel", "recorded_by"]
    list_filter = ["level", "is_lowest_category", "channel"]
    search_fields = ["customer__customer_no"]
    list_select_related = ["customer", "recorded_by"]
    date_hierarchy = "assessed_at"


class ProfessionalEvidenceInline(admin.TabularInline):
    model = ProfessionalEvidence
    fields = ["file_name", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProfessionalApplication)
class ProfessionalApplicationAdmin(ReadOnlyModelAdmin):
    list_display = ["customer", "basis", "status", "criteria_met", "requested_at", "requested_by", "decided_at",
                    "decided_by"]
    list_filter = ["status", "basis", "criteria_met"]
    search_fields = ["customer__customer_no"]
    list_select_related = ["customer", "requested_by", "decided_by"]
    inlines = [ProfessionalEvidenceInline]
