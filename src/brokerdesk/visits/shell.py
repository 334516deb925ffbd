"""How the visits app plugs into the shell: menu entries, home panel, customer-360 section, timeline."""

from django.urls import reverse
from django.utils import timezone
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
SECTION_ROWS = 20


def _customer_visits(actor, customer, limit: int):
    from brokerdesk.visits.selectors import tasks_visible_to

    return list(tasks_visible_to(actor).filter(customer=customer).select_related("programme", "assignee")
                .order_by("-created_at", "-id")[:limit])


def _visits_section(actor, customer) -> dict:
    """The client's visits, newest first, and what they found (with the compliance tickets)."""
    from brokerdesk.visits.models import VisitFinding

    tasks = _customer_visits(actor, customer, SECTION_ROWS)
    findings = list(VisitFinding.objects.filter(task__in=[t.pk for t in tasks])
                    .select_related("task__programme", "ticket").order_by("-created_at", "-id"))
    return {"tasks": tasks, "findings": findings, "customer": customer}


def _visit_timeline(customer, actor, limit: int) -> list[TimelineEntry]:
    entries = []
    for task in _customer_visits(actor, customer, limit):
        state = task.get_status_display()
        if task.outcome and task.outcome != task.status:
            state = f"{state} · {task.get_outcome_display()}"
        entries.append(TimelineEntry(
            at=task.finished_at or task.claimed_at or task.created_at, kind="visit",
            title=f"{_('Return visit')} · {task.programme.name}", body=str(state),
            actor=str(task.assignee or ""), url=reverse("visits:detail", args=[task.pk])))
    return entries


def _my_visits_panel(user) -> dict:
    """The home panel: the visits the user holds and the first ones their queue offers now."""
    from brokerdesk.visits.selectors import claimable_tasks, tasks_in_hand

    claimable = list(claimable_tasks(user).select_related("programme", "customer")[:PANEL_ROWS + 1])
    return {"in_hand": list(tasks_in_hand(user)[:PANEL_ROWS]), "claimable": claimable[:PANEL_ROWS],
            "more": len(claimable) > PANEL_ROWS, "today": timezone.localdate(),
            "can_work": user.has_perm("visits.work_visit")}


register_nav(NavItem("visits", _("Return visits"), "visits:queue", order=50, permission="visits.view_visittask"))
register_nav(NavItem("visit_reports", _("Return-visit figures"), "visits:report", order=52,
                     permission="visits.view_visit_reports"))
register_nav(NavItem("visit_programmes", _("Visit programmes"), "visits:programmes", order=54,
                     permission="visits.view_programme"))
register_home_panel(HomePanel(
    key="visits.mine", title=_("My return visits"), template="visits/panels/my_visits.html",
    context=_my_visits_panel, roles=frozenset({Role.AGENT, Role.BRANCH_STAFF, Role.CLIENT_MANAGER}), order=9,
))
register_customer_section(CustomerSection(
    key="visits.visits", title=_("Return visits"), template="visits/customer_section.html",
    context=_visits_section, order=25, permission="visits.view_visittask", column="main",
))
register_timeline_source("visit", _visit_timeline)
