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


# --- Outbound (outbound/, docs/messaging.md) ---------------------------------------------------------------


class OutboundChannel(models.TextChoices):
    """The channels the outbound pipeline sends on (a subset of Channel; WeChat and web chat answer in-session)."""

    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    """Why a message is sent; the policy (outbound/policy.py) treats each differently.

    service     a notice about the client's own business (complaint registered, ticket resolved, a visit)
    survey      a satisfaction survey or feedback request: frequency-capped
    marketing   promotions: frequency-capped and only with the client's consent on the channel
    regulatory  notices the brokerage must give (risk disclosures, regulator-mandated): never suppressed by an
                opt-out or a cap
    """

    SERVICE = "service", _("service notice")
    SURVEY = "survey", _("survey")
    MARKETING = "marketing", _("marketing")
    REGULATORY = "regulatory", _("regulatory notice")


class OutboundStatus(models.TextChoices):
    """queued -> sending -> sent -> delivered | failed; queued -> suppressed | expired; sending -> queued (retry).

    Every change is compare-and-set (outbound/services.py TRANSITIONS)."""

    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("suppressed")
    EXPIRED = "expired", _("expired")


class SuppressionReason(models.TextChoices):
    OPTED_OUT = "opted_out", _("the client opted out of this channel")
    NO_CONSENT = "no_consent", _("no consent to marketing on this channel")
    FREQUENCY_CAP = "frequency_cap", _("the client's frequency cap for this channel is reached")
    NO_ADDRESS = "no_address", _("no mobile number or email address on file")
    CUSTOMER_CLOSED = "customer_closed", _("the client's account is closed")


class AttemptOutcome(models.TextChoices):
    """What one try at handing a message to the gateway or SMTP server came to."""

    ACCEPTED = "accepted", _("accepted")
    TRANSIENT = "transient", _("temporary failure (retried)")
    PERMANENT = "permanent", _("permanent failure")
    AMBIGUOUS = "ambiguous", _("unknown whether it was accepted (not retried automatically)")
    EXPIRED = "expired", _("too late to be useful")
