"""How the knowledge base plugs into the shell: its menu entry."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import NavItem, register_nav

register_nav(NavItem("knowledge", _("Knowledge base"), "knowledge:list", order=70,
                     permission="knowledge.view_article"))
