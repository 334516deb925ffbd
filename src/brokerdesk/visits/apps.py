from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "brokerdesk.visits"
    label = "visits"
    verbose_name = _("Return visits")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from brokerdesk.visits import receivers, shell  # noqa: F401  (signal receivers; navigation and 360)
        from brokerdesk.visits.seed import seed_if_empty

        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="visits.seed")
