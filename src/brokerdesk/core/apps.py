from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "brokerdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from brokerdesk.core import admin_calendar, shell, signals  # noqa: F401  (admin; navigation; login/logout audit)
        from brokerdesk.core.calendar import on_calendar_changed, seed_if_empty

        # The business calendar's in-process snapshot is dropped when its tables change (core.calendar).
        for name, signal in (("post_save", post_save), ("post_delete", post_delete)):
            for model in ("core.CalendarYear", "core.CalendarDay"):
                uid = f"brokerdesk.core.calendar.{name}.{model}"
                signal.connect(on_calendar_changed, sender=model, dispatch_uid=uid)
        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="brokerdesk.core.calendar_seed_if_empty")
