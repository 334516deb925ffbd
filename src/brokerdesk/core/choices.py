from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    """Where a year's State Council holiday schedule came from."""

    CHINESE_CALENDAR = "chinese-calendar", _("chinese-calendar package")
    ADMINISTRATOR = "administrator", _("Administrator")


class CalendarDayKind(models.TextChoices):
    """An exception to the Monday-Friday rule."""

    HOLIDAY = "holiday", _("Holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day (调休上班)")
