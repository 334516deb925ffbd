"""Chat sessions are evidence of a contact: readable in the admin, never edited there."""

from django.contrib import admin

from brokerdesk.core.admin_audit import ReadOnlyModelAdmin
from brokerdesk.messaging.web_chat.models import ChatMessage, ChatSession


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ("sent_at", "sender", "agent", "body", "article")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "status", "customer", "agent", "center", "started_at", "ended_at")
    list_filter = ("status", "center")
    exclude = ("token",)
    inlines = [ChatMessageInline]
