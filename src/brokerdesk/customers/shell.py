"""How the customers app plugs into the shell: navigation, home panels and its timeline source."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import HomePanel, NavItem, register_home_panel, register_nav
from brokerdesk.customers.timeline import TimelineEntry, register_timeline_source
from brokerdesk.org.choices import Role


def _notes(customer, actor, limit):
    return [
        TimelineEntry(at=n.created_at, kind="note", title=_("Note"), body=n.body, actor=str(n.author))
        for n in customer.notes.select_related("author")[:limit]
    ]


def _branch_panel_context(user) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from brokerdesk.customers.selectors import customers_visible_to

    today = timezone.localdate()
    visible = customers_visible_to(user)
    warn_until = today + timezone.timedelta(days=settings.RISK_EXPIRY_WARNING_DAYS)
    return {
        "customer_count": visible.count(),
        "recently_opened": visible.select_related("home_branch").order_by("-opened_on", "-pk")[:8],
        "risk_expiring": visible.filter(risk_expires_on__lte=warn_until)
        .select_related("home_branch")
        .order_by("risk_expires_on")[:8],
    }


register_timeline_source("customers.notes", _notes)
register_nav(NavItem("customers", _("Customers"), "customers:search", order=10,
                     permission="customers.view_customer"))
register_home_panel(HomePanel(
    key="customers.caller_lookup", title=_("Find a customer"), template="customers/panels/caller_lookup.html",
    roles=frozenset({Role.AGENT, Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE}), order=5,
))
register_home_panel(HomePanel(
    key="customers.branch_clients", title=_("My branch's clients"), template="customers/panels/branch_clients.html",
    context=_branch_panel_context,
    roles=frozenset({Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.ADVISOR}), order=10,
))
