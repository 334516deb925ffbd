"""The org app's home panels: a supervisor's view of their center, an administrator's of the organisation."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import HomePanel, register_home_panel
from brokerdesk.org.choices import Role
from brokerdesk.org.models import ApiToken, Branch, ContactCenter, Staff


def _center_overview(user) -> dict:
    center = user.center
    if center is None:
        return {"center": None}
    team = (
        Staff.objects.filter(center=center, is_active=True)
        .prefetch_related("groups")
        .order_by("username")
    )
    return {
        "center": center,
        "team": team,
        "branches": Branch.objects.filter(serving_center=center, is_active=True).annotate(
            client_count=Count("customers")
        ),
    }


def _organisation(user) -> dict:
    return {
        "centers": ContactCenter.objects.annotate(
            branch_count=Count("served_branches", filter=Q(served_branches__is_active=True))
        ),
        "staff_count": Staff.objects.filter(is_active=True).count(),
        "active_tokens": ApiToken.objects.filter(revoked_at__isnull=True).count(),
    }


register_home_panel(HomePanel(
    key="org.center_overview", title=_("My center"), template="org/panels/center_overview.html",
    context=_center_overview, roles=frozenset({Role.SUPERVISOR}), order=20,
))
register_home_panel(HomePanel(
    key="org.organisation", title=_("Organisation"), template="org/panels/organisation.html",
    context=_organisation, roles=frozenset({Role.ADMIN}), order=10,
))
