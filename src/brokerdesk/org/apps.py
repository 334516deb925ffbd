from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "brokerdesk.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from brokerdesk.org import shell  # noqa: F401  (home panels)
        from brokerdesk.org.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="brokerdesk.org.ensure_role_groups")
