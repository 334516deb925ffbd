"""Categories are edited in the admin (audited); articles through the knowledge-base pages, which keep the
search index and the version in step."""

from django.contrib import admin

from brokerdesk.core.admin_audit import AuditedModelAdmin
from brokerdesk.knowledge.models import Category


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("name", "parent", "position")
    list_filter = ("parent",)
    search_fields = ("name",)
    ordering = ("parent__position", "position", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # articles point at categories
