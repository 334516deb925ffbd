"""Admin for the business calendar: administrators add a year's State Council schedule (a CalendarYear with
its CalendarDay rows inline) when it is published. Every change goes into the audit chain, the inline days
included (AuditedModelAdmin audits the year; save_formset below audits each day)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.admin_audit import AuditedModelAdmin, _snapshot
from brokerdesk.core.audit import audit_record
from brokerdesk.core.choices import CalendarDayKind
from brokerdesk.core.models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["date", "kind", "name"]
    ordering = ["date"]
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    list_display = ["year", "source", "holidays", "makeup_workdays", "note", "updated_at"]
    list_filter = ["source"]
    readonly_fields = ["source", "updated_at"]
    inlines = [CalendarDayInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            holiday_count=Count("days", filter=Q(days__kind=CalendarDayKind.HOLIDAY)),
            makeup_count=Count("days", filter=Q(days__kind=CalendarDayKind.MAKEUP_WORKDAY)),
        )

    @admin.display(description=_("holidays"), ordering="holiday_count")
    def holidays(self, obj) -> int:
        return obj.holiday_count

    @admin.display(description=_("make-up working days"), ordering="makeup_count")
    def makeup_workdays(self, obj) -> int:
        return obj.makeup_count

    def get_readonly_fields(self, request, obj=None):
        # The days refer to the year by its number: it is fixed once saved (delete the year instead).
        return [*self.readonly_fields, "year"] if obj is not None else self.readonly_fields

    def save_formset(self, request, form, formset, change):
        """Audit each inline day created, changed or deleted, with its state before (read from the database:
        the form has already written the new values into the instance)."""
        pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        before = {obj.pk: _snapshot(obj) for obj in formset.model.objects.filter(pk__in=pks)}
        deleted_pks = {id(f.instance): f.instance.pk for f in formset.deleted_forms}  # delete() clears the pk
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._audit(request, obj, "create", None, _snapshot(obj))
        for obj, _fields in formset.changed_objects:
            self._audit(request, obj, "change", before.get(obj.pk), _snapshot(obj))
        for obj in formset.deleted_objects:
            pk = deleted_pks.get(id(obj), obj.pk)
            audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.delete",
                         object_type=obj._meta.model_name, object_id=pk, before=before.get(pk))

    def delete_model(self, request, obj):
        """Deleting a year deletes its days: the audit event keeps them."""
        before = {**_snapshot(obj), "days": [_snapshot(day) for day in obj.days.order_by("date")]}
        pk = obj.pk
        admin.ModelAdmin.delete_model(self, request, obj)
        audit_record(actor=request.user, action=f"admin.{obj._meta.model_name}.delete",
                     object_type=obj._meta.model_name, object_id=pk, before=before)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedModelAdmin):
    list_display = ["date", "kind", "name", "year"]
    list_filter = ["kind", "year"]
    search_fields = ["name"]
    date_hierarchy = "date"
