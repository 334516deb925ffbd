"""The core app's shell entries: the audit trail in the menu, and a privacy watch for compliance."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.models import AuditEvent
from brokerdesk.core.registry import HomePanel, NavItem, register_home_panel, register_nav

# Events compliance looks at first: who read unmasked personal data, who was refused, who failed to log in.
WATCHED_ACTIONS = ["pii.unmask", "access.denied", "auth.login_failed"]


def _privacy_watch(user) -> dict:
    return {"events": AuditEvent.objects.filter(action__in=WATCHED_ACTIONS).order_by("-seq")[:12]}


register_nav(NavItem("audit", _("Audit trail"), "core:audit_list", order=90, permission="core.view_audit_trail"))
register_home_panel(HomePanel(
    key="core.privacy_watch", title=_("Personal data access"), template="core/panels/privacy_watch.html",
    context=_privacy_watch, roles=frozenset({"compliance"}), order=10,
))
