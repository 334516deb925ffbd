from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.org.models import ApiToken, Branch, Company, ContactCenter, Department, Staff


@admin.register(Company)
class CompanyAdmin(AuditedModelAdmin):
    list_display = ["name", "short_name", "service_number"]


@admin.register(ContactCenter)
class ContactCenterAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "province"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "province"]


@admin.register(Branch)
class BranchAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "province", "city", "serving_center", "is_active"]
    list_filter = ["kind", "province", "is_active"]
    search_fields = ["code", "name", "city"]
    list_select_related = ["serving_center"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind"]


@admin.register(Staff)
class StaffAdmin(AuditedModelAdmin, UserAdmin):
    list_display = ["username", "display_name", "scope", "center", "branch", "is_active"]
    list_filter = ["scope", "groups", "is_active"]
    search_fields = ["username", "display_name", "employee_no"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("display_name", "employee_no", "scope", "center", "branch", "department")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    # Tokens are created with `brokerdesk token create` (the secret is shown once); admin may only revoke.
    fields = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["name", "user", "prefix", "scopes", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
