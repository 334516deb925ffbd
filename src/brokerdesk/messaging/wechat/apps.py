from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    """WeChat official account (微信公众号): the platform's signed callbacks, XML messages in, replies out."""

    name = "brokerdesk.messaging.wechat"
    label = "wechat"
    verbose_name = _("WeChat official account")

    def ready(self) -> None:
        from brokerdesk.messaging.wechat import shell  # noqa: F401  (the customer-360 section)
