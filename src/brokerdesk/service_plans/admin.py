"""Service packages and products in the admin (audited, inlines included); suitability records are read-only
there: they are evidence kept for 20 years, never edited or deleted."""

from django.contrib import admin

from brokerdesk.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from brokerdesk.core.audit import audit_record
from brokerdesk.service_plans import admin_assessments  # noqa: F401  (questionnaire and assessment admin)
from brokerdesk.service_plans.models import (
    CommissionExport,
    CommissionSchedule,
    PackageEntitlement,
    Product,
    ServicePackage,
    SuitabilityCheck,
)


class EntitlementInline(admin.TabularInline):
    model = PackageEntitlement
    extra = 0


class ScheduleInline(admin.TabularInline):
    model = CommissionSchedule
    extra = 0


@admin.register(ServicePackage)
class ServicePackageAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "rank", "risk_level", "min_asset_tier", "min_risk_level", "requires_approval",
                    "is_default", "is_active", "effective_from", "effective_to"]
    list_filter = ["is_active", "risk_level", "requires_approval"]
    inlines = [EntitlementInline, ScheduleInline]

    def has_delete_permission(self, request, obj=None):
        return False  # subscriptions point at packages: take one off sale instead

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        package = form.instance
        audit_record(actor=request.user, action="admin.servicepackage.change_relations",
                     object_type="servicepackage", object_id=package.pk,
                     after={"entitlements": [[e.kind, e.level, e.detail] for e in package.entitlements.all()],
                            "schedules": [[s.asset_tier, s.standard_rate, s.min_rate, s.max_rate]
                                          for s in package.schedules.all()]})


@admin.register(Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "risk_level", "issuer", "is_active"]
    list_filter = ["kind", "risk_level", "is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SuitabilityCheck)
class SuitabilityCheckAdmin(ReadOnlyModelAdmin):
    list_display = ["checked_at", "customer", "subject_code", "subject_risk", "client_risk_level", "outcome",
                    "confirmed_at"]
    list_filter = ["outcome", "subject_kind"]


@admin.register(CommissionExport)
class CommissionExportAdmin(ReadOnlyModelAdmin):
    list_display = ["file_name", "rows", "sha256", "created_at", "created_by"]
