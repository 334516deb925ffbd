from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "brokerdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets and complaints")

    def ready(self) -> None:
        from brokerdesk.messaging.routing import register_inbound_handler
        from brokerdesk.tickets import shell  # noqa: F401  (navigation, customer-360 section, timeline)
        from brokerdesk.tickets.inbound import ticket_from_email

        register_inbound_handler("email", ticket_from_email)
