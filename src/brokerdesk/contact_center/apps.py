from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactCenterConfig(AppConfig):
    name = "brokerdesk.contact_center"
    label = "contact_center"
    verbose_name = _("Contact center")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save

        # Signal receivers: the Router's invalidation, contacts from messaging, realtime pushes; navigation.
        from brokerdesk.contact_center import realtime, receivers, shell  # noqa: F401
        from brokerdesk.contact_center.routing import config  # noqa: F401
        from brokerdesk.contact_center.seed import center_settings_for_new_center, seed_if_empty
        from brokerdesk.org.models import ContactCenter

        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="contact_center.seed")
        post_save.connect(center_settings_for_new_center, sender=ContactCenter,
                          dispatch_uid="contact_center.center_settings")
