"""Inbound messages in the admin: read-only (the raw mail is evidence), with "process again" and the raw download.

Opening a message shows a client's mail, so it is audited like other reads of personal data.
"""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError
from brokerdesk.messaging.models import InboundMessage, OutboundAttempt, OutboundMessage
from brokerdesk.messaging.services import inbound_message_reprocess


@admin.register(InboundMessage)
class InboundMessageAdmin(AuditedModelAdmin):
    list_display = ["id", "received_at", "channel", "status", "quarantine_code", "from_address", "subject",
                    "customer", "routed_to"]
    list_filter = ["status", "channel", "quarantine_code", "customer_match"]
    search_fields = ["from_address", "envelope_from", "subject", "message_id", "sha256"]
    date_hierarchy = "received_at"
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    actions = ["reprocess"]
    readonly_fields = ["raw_download", "routed_to"]
    exclude = ["raw"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # never lost: a quarantined message is kept, not removed

    def has_reprocess_permission(self, request):
        return request.user.has_perm("messaging.reprocess_inboundmessage")

    @admin.display(description=_("routed to"))
    def routed_to(self, obj):
        return obj.routed_to

    @admin.display(description=_("raw message"))
    def raw_download(self, obj):
        url = reverse("admin:messaging_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{} ({} bytes, SHA-256 {})</a>', url, _("download"), obj.size, obj.sha256)

    @admin.action(description=_("Process the selected messages again"), permissions=["reprocess"])
    def reprocess(self, request, queryset):
        done, refused = 0, []
        for message in queryset:
            try:
                inbound_message_reprocess(actor=request.user, message=message)
                done += 1
            except ApplicationError as error:
                refused.append(f"#{message.pk}: {error.message}")
        if done:
            self.message_user(request, _("%(n)d message(s) processed again.") % {"n": done}, messages.SUCCESS)
        for item in refused:
            self.message_user(request, item, messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if getattr(response, "status_code", None) == 200:
            audit_record(actor=request.user, action="messaging.inbound_view", object_type="inbound_message",
                         object_id=object_id)
        return response

    def get_urls(self):
        return [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view),
                     name="messaging_inboundmessage_raw"), *super().get_urls()]

    def raw_view(self, request, pk):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        message = get_object_or_404(InboundMessage, pk=pk)
        audit_record(actor=request.user, action="messaging.inbound_raw_download", object_type="inbound_message",
                     object_id=pk, details={"sha256": message.sha256})
        response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{pk}.eml"'
        return response


class OutboundAttemptInline(admin.TabularInline):
    model = OutboundAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "finished_at", "outcome", "error", "response", "by_hand"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditedModelAdmin):
    """Read-only: the outbox page (/messages/outbox/) is where staff work; this is for operators."""

    list_display = ["id", "created_at", "channel", "purpose", "status", "suppression_reason", "source",
                    "attempt_count", "next_attempt_at"]
    list_filter = ["status", "channel", "purpose", "suppression_reason"]
    search_fields = ["=id", "=source_type", "dedupe_key", "provider_id"]
    date_hierarchy = "created_at"
    raw_id_fields = ["customer", "created_by"]
    exclude = ["to_address"]
    inlines = [OutboundAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
