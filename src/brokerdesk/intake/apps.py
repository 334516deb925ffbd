from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "brokerdesk.intake"
    label = "intake"
    verbose_name = _("Core-system intake")

    def ready(self) -> None:
        from brokerdesk.intake import shell  # noqa: F401  (navigation)
