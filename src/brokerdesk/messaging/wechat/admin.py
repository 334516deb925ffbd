"""WeChat followers and messages in the admin: read-only (supervisors look; bindings change through the page)."""

from django.contrib import admin

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.messaging.wechat.models import WeChatFollower, WeChatInbound


class _ReadOnly(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WeChatFollower)
class WeChatFollowerAdmin(_ReadOnly):
    list_display = ["openid", "subscribed", "subscribed_at", "unsubscribed_at", "customer", "bound_at"]
    list_filter = ["subscribed"]
    search_fields = ["openid"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(WeChatInbound)
class WeChatInboundAdmin(_ReadOnly):
    list_display = ["id", "dedup_key", "msg_type", "event", "openid", "inbound", "retries"]
    list_filter = ["msg_type"]
    search_fields = ["dedup_key", "openid"]
    raw_id_fields = ["inbound"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("messaging.view_inboundmessage")
