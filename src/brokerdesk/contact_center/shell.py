"""How the contact center plugs into the shell: the desktop, wallboard and reports in the menu; home panels for
agents (their desk) and supervisors (their centers' figures)."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import HomePanel, NavItem, register_home_panel, register_nav
from brokerdesk.org.choices import Role


def _desk_panel(user) -> dict:
    from brokerdesk.contact_center.selectors import agent_profile_of

    return {"profile": agent_profile_of(user), "can_desk": user.has_perm("contact_center.use_agent_desktop")}


def _wallboard_panel(user) -> dict:
    from brokerdesk.contact_center.selectors import SERVICE_LEVEL_SECONDS, wallboard, wallboard_centers

    centers = wallboard_centers(user)[:30]
    return {"boards": wallboard(centers), "sl_seconds": SERVICE_LEVEL_SECONDS}


register_nav(NavItem("cc_desk", _("Agent desktop"), "contact_center:desk", order=60,
                     permission="contact_center.use_agent_desktop"))
register_nav(NavItem("cc_callbacks", _("Callbacks"), "contact_center:callbacks", order=61,
                     permission="contact_center.use_agent_desktop"))
register_nav(NavItem("cc_wallboard", _("Wallboard"), "contact_center:wallboard", order=62,
                     permission="contact_center.view_wallboard"))
register_nav(NavItem("cc_reports", _("Contact reports"), "contact_center:reports", order=64,
                     permission="contact_center.view_contact_reports"))
register_home_panel(HomePanel(
    key="contact_center.desk", title=_("My desk"), template="contact_center/panels/desk.html",
    context=_desk_panel, roles=frozenset({Role.AGENT}), order=5,
))
register_home_panel(HomePanel(
    key="contact_center.wallboard", title=_("Contact centers now"), template="contact_center/panels/wallboard.html",
    context=_wallboard_panel, roles=frozenset({Role.SUPERVISOR}), order=6,
))
