from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "brokerdesk.surveys"
    label = "surveys"
    verbose_name = _("Surveys and NPS")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from brokerdesk.surveys import shell  # noqa: F401  (navigation, customer-360 timeline)
        from brokerdesk.surveys.seed import seed_if_empty

        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="surveys.seed")
