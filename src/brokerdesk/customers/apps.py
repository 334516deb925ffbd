from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "brokerdesk.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from brokerdesk.customers import shell  # noqa: F401  (navigation, home panels, timeline sources)
