from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    WEB_CHAT = "web_chat", _("web chat")


class InboundStatus(models.TextChoices):
    """received -> routed | quarantined; received also while no handler is registered for the channel.

    A quarantined (or still received) message can be processed again by a supervisor; a routed one is done.
    """

    RECEIVED = "received", _("received")
    ROUTED = "routed", _("routed")
    QUARANTINED = "quarantined", _("quarantined")


class CustomerMatch(models.TextChoices):
    """How the sender's address matched the client master data."""

    NOT_LOOKED_UP = "", _("not looked up")
    NONE = "none", _("no client has this address")
    UNIQUE = "unique", _("one client has this address")
    AMBIGUOUS = "ambiguous", _("several clients share this address")
