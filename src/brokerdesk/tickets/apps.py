from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "brokerdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets and complaints")

    def ready(self) -> None:
        from brokerdesk.messaging.routing import register_inbound_handler
        from brokerdesk.tickets import shell  # noqa: F401  (navigation, customer-360 section, timeline)
        from brokerdesk.tickets.inbound import ticket_from_email
        from brokerdesk.tickets.inbound_wechat import ticket_from_wechat

        register_inbound_handler("email", ticket_from_email)
        register_inbound_handler("wechat", ticket_from_wechat)
        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="brokerdesk.tickets.seed_if_empty")


def seed_if_empty(sender=None, **kwargs) -> None:
    """Put the seed configuration (migration 0002) back when a flush emptied it, as the test runner's flush between
    live-server tests does; an installation that configured its own keeps it (only empty tables are seeded)."""
    from django.apps import apps

    from brokerdesk.tickets.models import SlaPolicy

    if not SlaPolicy.objects.exists():
        import_module("brokerdesk.tickets.migrations.0002_seed").seed(apps, None)
        import_module("brokerdesk.tickets.migrations.0005_visit_findings").seed(apps, None)
