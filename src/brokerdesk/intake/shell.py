from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import NavItem, register_nav

register_nav(NavItem("intake", _("Data intake"), "intake:batch_list", order=80,
                     permission="intake.view_intakebatch"))
