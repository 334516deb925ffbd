"""How service packages and suitability plug into the shell: menu entries and the customer-360 section."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import CustomerSection, NavItem, register_customer_section, register_nav


def _services_section(actor, customer) -> dict:
    from brokerdesk.service_plans.models import SuitabilityCheck
    from brokerdesk.service_plans.selectors.packages import current_package, current_subscription

    return {"customer": customer, "package": current_package(customer), "active": current_subscription(customer),
            "checks": SuitabilityCheck.objects.filter(customer=customer)[:5]}


register_nav(NavItem("service_plans", _("Packages"), "service_plans:catalogue", order=40,
                     permission="service_plans.view_servicepackage"))
register_nav(NavItem("risk_expiring", _("Risk assessments due"), "service_plans:assessments_expiring", order=42,
                     permission="service_plans.assess_risk"))
register_nav(NavItem("professional", _("Professional investors"), "service_plans:professional_queue", order=44,
                     permission="service_plans.review_professional"))
register_nav(NavItem("subscription_approvals", _("Package approvals"), "service_plans:approvals", order=46,
                     permission="service_plans.approve_subscription"))
register_nav(NavItem("fair_fee", _("Fair-fee report"), "service_plans:fair_fee", order=48,
                     permission="service_plans.view_fair_fee_report"))
register_customer_section(CustomerSection(
    key="service_plans.services", title=_("Services and suitability"),
    template="service_plans/customer_section.html", context=_services_section, order=15,
    permission="service_plans.view_servicepackage", column="side",
))
