from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    name = "brokerdesk.segmentation"
    label = "segmentation"
    verbose_name = _("Segmentation")

    def ready(self) -> None:
        from brokerdesk.segmentation import shell  # noqa: F401  (navigation, the customer-360 section)
