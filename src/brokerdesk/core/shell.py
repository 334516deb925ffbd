from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import NavItem, register_nav

register_nav(NavItem("audit", _("Audit trail"), "core:audit_list", order=90, permission="core.view_audit_trail"))
