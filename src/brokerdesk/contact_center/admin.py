"""Contact-center configuration in the admin (audited): routing settings, centers' hours, skills, agents and their
skills, the IVR menu, wrap-up codes. Calls and interactions are records: read-only."""

from django.contrib import admin

from brokerdesk.contact_center.models import (
    AgentProfile,
    AgentSkill,
    Call,
    CallLeg,
    CenterSettings,
    Interaction,
    IvrOption,
    RoutingSettings,
    Skill,
    WrapUpCode,
)
from brokerdesk.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(AuditedModelAdmin):
    list_display = ("__str__", "vip_tier_codes", "vip_entitlement", "max_wait_seconds", "ring_timeout_seconds")

    def has_add_permission(self, request):  # one row, created by the seed
        return super().has_add_permission(request) and not RoutingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CenterSettings)
class CenterSettingsAdmin(AuditedModelAdmin):
    list_display = ("center", "weekday_opens", "weekday_closes", "overflow_after_seconds", "accepts_overflow",
                    "overflow_rank", "is_active")
    list_filter = ("is_active", "accepts_overflow")
    list_select_related = ("center",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Skill)
class SkillAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 1


@admin.register(AgentProfile)
class AgentProfileAdmin(AuditedModelAdmin):
    list_display = ("staff", "extension", "center", "state", "state_since")
    list_filter = ("center", "state")
    search_fields = ("staff__username", "staff__first_name", "staff__last_name", "extension")
    list_select_related = ("staff", "center")
    autocomplete_fields = ()
    raw_id_fields = ("staff",)
    # The live state is moved by the desktop and the call flow (audited services), never edited here.
    readonly_fields = ("state", "break_reason", "state_since", "available_since", "current_call")
    inlines = [AgentSkillInline]


@admin.register(IvrOption)
class IvrOptionAdmin(AuditedModelAdmin):
    list_display = ("digit", "label", "action", "skill", "is_complaint", "is_active")
    list_filter = ("action", "is_active")


@admin.register(WrapUpCode)
class WrapUpCodeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "category", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name")


class CallLegInline(admin.TabularInline):
    model = CallLeg
    extra = 0
    can_delete = False
    fields = ("sequence", "center", "skill", "route_reason", "queued_at", "agent", "answered_at", "ended_at",
              "outcome", "transferred_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyModelAdmin):
    list_display = ("call_ref", "offered_at", "status", "center", "agent", "skill", "is_vip", "wait_seconds",
                    "talk_seconds")
    list_filter = ("status", "center", "is_vip")
    search_fields = ("call_ref",)
    date_hierarchy = "offered_at"
    list_select_related = ("center", "agent", "skill")
    exclude = ("caller_number",)  # personal data: the desktop masks it; the admin does not show it
    inlines = [CallLegInline]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyModelAdmin):
    list_display = ("started_at", "channel", "direction", "center", "agent", "disposition")
    list_filter = ("channel", "direction", "center")
    date_hierarchy = "started_at"
    list_select_related = ("center", "agent")
    raw_id_fields = ("customer", "call")
