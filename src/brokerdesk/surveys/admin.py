from django.contrib import admin

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.surveys.models import ExperienceOfficer, Theme


@admin.register(Theme)
class ThemeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "department")
    search_fields = ("code", "name")


@admin.register(ExperienceOfficer)
class ExperienceOfficerAdmin(AuditedModelAdmin):
    list_display = ("staff", "enrolled_on", "active")
    list_filter = ("active",)
    filter_horizontal = ("themes",)
    autocomplete_fields = ()
