from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebChatConfig(AppConfig):
    """Web chat: the client portal's chat widget (WebSocket), answered from the knowledge base, handed to agents."""

    name = "brokerdesk.messaging.web_chat"
    label = "web_chat"
    verbose_name = _("Web chat")

    def ready(self) -> None:
        from brokerdesk.messaging.web_chat import shell  # noqa: F401  (navigation)
