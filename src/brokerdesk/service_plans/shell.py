"""How service packages and suitability plug into the shell: menu entries and the customer-360 section."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import CustomerSection, NavItem, register_customer_section, register_nav


def _services_section(actor, customer) -> dict:
    from brokerdesk.service_plans.models import SuitabilityCheck
    from brokerdesk.service_plans.services.subscriptions import current_package, current_subscription

    return {"customer": customer, "package": current_package(customer), "active": current_subscription(customer),
            "checks": SuitabilityCheck.objects.filter(customer=customer)[:5]}


register_nav(NavItem("service_plans", _("Packages"), "service_plans:catalogue", order=40,
                     permission="service_plans.view_servicepackage"))
register_customer_section(CustomerSection(
    key="service_plans.services", title=_("Services and suitability"),
    template="service_plans/customer_section.html", context=_services_section, order=15,
    permission="service_plans.view_servicepackage", column="side",
))
