from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    """bot -> waiting (handed off) -> with_agent -> closed; any open status may close."""

    BOT = "bot", _("with the bot")
    WAITING = "waiting", _("waiting for an agent")
    WITH_AGENT = "with_agent", _("with an agent")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (SessionStatus.BOT, SessionStatus.WAITING, SessionStatus.WITH_AGENT)


class SenderKind(models.TextChoices):
    CLIENT = "client", _("client")
    BOT = "bot", _("bot")
    AGENT = "agent", _("agent")
    SYSTEM = "system", _("system")


class ClosedBy(models.TextChoices):
    NONE = "", _("open")
    CLIENT = "client", _("the client")
    AGENT = "agent", _("the agent")
    SYSTEM = "system", _("the system")
