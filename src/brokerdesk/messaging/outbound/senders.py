"""The sender registry: which object hands a message to its channel.

A sender is called as sender.send(message) with the claimed OutboundMessage and returns a SendResult; it must not
raise for a failure of the channel (it classifies it instead). The defaults are built from the settings on each
call (so a changed setting takes effect without a restart); register_sender() replaces one, e.g. with a vendor's
adapter:

    register_sender("sms", MyVendorSender())
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from brokerdesk.messaging.choices import AttemptOutcome, OutboundChannel


@dataclass
class SendResult:
    outcome: str  # AttemptOutcome: accepted, transient, permanent or ambiguous
    provider_id: str = ""
    error: str = ""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.outcome == AttemptOutcome.ACCEPTED


class Sender(Protocol):
    def send(self, message) -> SendResult: ...


_SENDERS: dict[str, Sender] = {}


def _default(channel: str) -> Sender:
    if channel == OutboundChannel.SMS:
        from brokerdesk.messaging.sms.gateway import HttpSmsSender

        return HttpSmsSender.from_settings()
    if channel == OutboundChannel.EMAIL:
        from brokerdesk.messaging.email.outbound import SmtpSender

        return SmtpSender.from_settings()
    raise ImproperlyConfigured(f"No sender for the {channel!r} channel.")


def register_sender(channel: str, sender: Sender | None) -> None:
    """Replace the channel's sender; None goes back to the default."""
    if channel not in OutboundChannel.values:
        raise ImproperlyConfigured(f"Unknown outbound channel {channel!r}; known: {', '.join(OutboundChannel.values)}.")
    if sender is None:
        _SENDERS.pop(channel, None)
    else:
        _SENDERS[channel] = sender


def sender_for(channel: str) -> Sender:
    return _SENDERS.get(channel) or _default(channel)


