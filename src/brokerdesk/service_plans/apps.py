from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePlansConfig(AppConfig):
    name = "brokerdesk.service_plans"
    label = "service_plans"
    verbose_name = _("Service packages and suitability")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from brokerdesk.service_plans import shell  # noqa: F401  (registers navigation and 360 sections)
        from brokerdesk.service_plans.seed import seed_if_empty

        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="service_plans.seed")
