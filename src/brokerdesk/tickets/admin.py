"""Ticket configuration in the admin: categories, SLA policies and major-complaint rules (audited)."""

from django.contrib import admin

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.tickets.models import MajorComplaintRule, SlaPolicy, TicketCategory


@admin.register(TicketCategory)
class TicketCategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    list_display = ["name", "position", "kind", "regulator_source", "major_only", "first_response_minutes",
                    "resolution_mode", "resolution_amount", "opens", "closes", "is_active"]
    list_filter = ["kind", "resolution_mode", "is_active"]


@admin.register(MajorComplaintRule)
class MajorComplaintRuleAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "amount_threshold", "min_clients", "is_active"]
    list_filter = ["kind", "is_active"]
