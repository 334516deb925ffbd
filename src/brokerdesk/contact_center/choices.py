from django.db import models
from django.utils.translation import gettext_lazy as _


class AgentState(models.TextChoices):
    """坐席状态. offline -> available <-> on call -> wrap-up -> available; break from available or wrap-up.

    ringing is the few seconds between the routing engine choosing the agent and the agent picking up: the
    agent is no longer offered other calls.
    """

    OFFLINE = "offline", _("offline")
    AVAILABLE = "available", _("available")
    RINGING = "ringing", _("ringing")
    ON_CALL = "on_call", _("on call")
    WRAP_UP = "wrap_up", _("wrap-up")
    BREAK = "break", _("on break")


class BreakReason(models.TextChoices):
    REST = "rest", _("rest")
    MEAL = "meal", _("meal")
    TRAINING = "training", _("training")
    MEETING = "meeting", _("meeting")
    OUTBOUND = "outbound", _("outbound calls")  # return visits and callbacks: not offered inbound calls
    MISSED = "missed", _("missed a call")  # set by the system when a call rang out unanswered
    OTHER = "other", _("other")


class CallStatus(models.TextChoices):
    """The life of one inbound call as the PBX reports it.

    offered -> queued -> ringing -> answered -> ended
    queued/ringing -> abandoned (the caller hung up first)
    offered -> self_service | callback | voicemail (outside service hours or by the caller's choice)
    answered -> queued again on a transfer to a center (a new leg)
    """

    OFFERED = "offered", _("offered")
    QUEUED = "queued", _("waiting in queue")
    RINGING = "ringing", _("ringing")
    ANSWERED = "answered", _("answered")
    ENDED = "ended", _("ended")
    ABANDONED = "abandoned", _("abandoned")
    SELF_SERVICE = "self_service", _("self-service")
    CALLBACK = "callback", _("callback requested")
    VOICEMAIL = "voicemail", _("voicemail")


CALL_OPEN = (CallStatus.OFFERED, CallStatus.QUEUED, CallStatus.RINGING, CallStatus.ANSWERED)


class RouteReason(models.TextChoices):
    """Why a call (leg) went where it went: shown to the agent and counted in the reports."""

    LOCAL = "local", _("local: the client's serving sub-center")
    HQ = "hq", _("HQ: no serving sub-center for this caller")
    OVERFLOW = "overflow", _("overflow after waiting")
    NO_AGENTS = "no_agents", _("overflow: no agent logged in")
    TRANSFER = "transfer", _("transfer")
    OUT_OF_HOURS = "out_of_hours", _("outside service hours")
    SELF_SERVICE = "self_service", _("caller chose self-service")


class TransferTarget(models.TextChoices):
    CENTER = "center", _("another center")
    AGENT = "agent", _("an agent")
    BRANCH = "branch", _("the client's branch")


class InteractionChannel(models.TextChoices):
    PHONE = "phone", _("phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("email")
    WECHAT = "wechat", _("WeChat")
    WEB_CHAT = "web_chat", _("web chat")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("inbound")
    OUTBOUND = "outbound", _("outbound")


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("called back")
    CANCELLED = "cancelled", _("cancelled")


class CallbackKind(models.TextChoices):
    CALLBACK = "callback", _("callback request")
    VOICEMAIL = "voicemail", _("voicemail")


class IvrAction(models.TextChoices):
    """What a key in the IVR main menu does."""

    AGENT = "agent", _("to an agent with a skill")
    SELF_SERVICE = "self_service", _("self-service menu")
    CALLBACK = "callback", _("leave a callback request")
    VOICEMAIL = "voicemail", _("leave a voicemail")
