"""How web chat plugs into the shell: the agents' console in the menu."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import NavItem, register_nav

register_nav(NavItem("web_chat", _("Web chat"), "web_chat:console", order=72, permission="web_chat.answer_chat"))
