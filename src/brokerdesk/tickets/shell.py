"""How the tickets app plugs into the shell: menu entries, the customer-360 section and the contact timeline."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import (
    CustomerSection,
    HomePanel,
    NavItem,
    register_customer_section,
    register_home_panel,
    register_nav,
)
from brokerdesk.customers.timeline import TimelineEntry, register_timeline_source
from brokerdesk.org.choices import Role

PANEL_ROWS = 8


def _tickets_section(actor, customer) -> dict:
    from brokerdesk.tickets.selectors import customer_tickets

    return {"tickets": customer_tickets(actor, customer), "customer": customer}


def _ticket_timeline(customer, actor, limit: int) -> list[TimelineEntry]:
    from brokerdesk.tickets.selectors import customer_tickets

    return [TimelineEntry(at=t.created_at, kind="ticket", title=f"{t.get_kind_display()} {t.number}",
                          body=t.subject, actor=str(t.created_by or ""),
                          url=reverse("tickets:detail", args=[t.pk]))
            for t in customer_tickets(actor, customer, limit)]


def _my_tickets_panel(user) -> dict:
    """The home panel: what the user owns and what awaits their branch's reply, most urgent first."""
    from brokerdesk.tickets.selectors import QueueFilter, supervision_queue, ticket_queue

    return {"tickets": ticket_queue(user, QueueFilter(mine=True), page_size=PANEL_ROWS).items,
            "supervision": list(supervision_queue(user)[:PANEL_ROWS])}


register_home_panel(HomePanel(
    key="tickets.mine", title=_("My tickets"), template="tickets/panels/my_tickets.html", context=_my_tickets_panel,
    roles=frozenset({Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.COMPLIANCE}),
    order=8,
))
register_nav(NavItem("tickets", _("Tickets"), "tickets:queue", order=30, permission="tickets.view_ticket"))
register_nav(NavItem("ticket_reports", _("Complaint reports"), "tickets:monthly_report", order=35,
                     permission="tickets.view_ticket_reports"))
register_customer_section(CustomerSection(
    key="tickets.tickets", title=_("Tickets"), template="tickets/customer_section.html",
    context=_tickets_section, order=20, permission="tickets.view_ticket", column="main",
))
register_timeline_source("tickets", _ticket_timeline)
