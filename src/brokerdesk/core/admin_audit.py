"""Django admin changes go into the audit chain too: every state change is audited, admin included."""

from django.contrib import admin
from django.forms.models import model_to_dict

from brokerdesk.core.audit import audit_record

# Never copy secrets into the trail.
REDACTED_FIELDS = {"password", "secret_hash"}


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    return {k: ("<redacted>" if k in REDACTED_FIELDS else v) for k, v in data.items()}


class AuditedModelAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "change" if change else "create", before, _snapshot(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "groups" in form.cleaned_data or "user_permissions" in form.cleaned_data:
            self._audit(request, form.instance, "change_relations", None, _snapshot(form.instance))

    def delete_model(self, request, obj):
        before = _snapshot(obj)
        pk = obj.pk
        super().delete_model(request, obj)
        audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.delete",
                     object_type=obj._meta.model_name, object_id=pk, before=before)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    @staticmethod
    def _audit(request, obj, verb, before, after):
        audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.{verb}",
                     object_type=obj._meta.model_name, object_id=obj.pk, before=before, after=after)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records that are evidence (kept for years, never edited): viewable in the admin, nothing more."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
