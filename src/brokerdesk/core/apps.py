from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "brokerdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from brokerdesk.core import shell, signals  # noqa: F401  (navigation; login/logout audit receivers)
