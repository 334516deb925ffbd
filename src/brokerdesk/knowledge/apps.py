from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "brokerdesk.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from brokerdesk.knowledge import shell  # noqa: F401  (navigation)
        from brokerdesk.knowledge.seed import seed_if_empty

        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="knowledge.seed")
