"""How the WeChat channel plugs into the shell: a customer-360 section with the client's linked followers."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import CustomerSection, register_customer_section


def _wechat_section(actor, customer) -> dict:
    from brokerdesk.messaging.wechat.models import WeChatFollower

    return {"customer": customer,
            "followers": list(WeChatFollower.objects.filter(customer=customer).order_by("-bound_at")[:5])}


register_customer_section(CustomerSection(
    key="wechat.followers", title=_("WeChat"), template="wechat/customer_section.html", context=_wechat_section,
    order=60, permission="wechat.bind_wechatfollower", column="side",
))
