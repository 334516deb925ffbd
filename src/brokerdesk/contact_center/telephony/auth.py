"""Authentication of the PBX: every request is signed with the shared secret (signing.py) and used once.

A request is refused (401, nothing changed) when the signature is missing or wrong, when its timestamp is further
than TELEPHONY_REPLAY_WINDOW_SECONDS from our clock (either way), or when its nonce was seen before. Nonces are
kept for twice the window (a request stamped up to one window ahead stays acceptable that long) and purged now
and then by the requests themselves.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader

from brokerdesk.contact_center.models import TelephonyNonce
from brokerdesk.contact_center.telephony.signing import (
    NONCE_HEADER,
    NONCE_PATTERN,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_matches,
)
from brokerdesk.core.errors import ApplicationError

logger = logging.getLogger(__name__)
PURGE_EVERY = 100  # nonces: one request in this many purges the expired ones


class TelephonyUnauthenticated(ApplicationError):
    code = "unauthenticated"
    status = 401
    default_message = _("The telephony request is not correctly signed.")


@dataclass(frozen=True)
class Pbx:
    """request.auth of a verified telephony request."""

    nonce: str
    timestamp: int


def replay_window() -> int:
    return int(getattr(settings, "TELEPHONY_REPLAY_WINDOW_SECONDS", 300))


def signed_path(request) -> str:
    query = request.META.get("QUERY_STRING", "")
    return request.path + (f"?{query}" if query else "")


def _refuse(reason: str, message) -> TelephonyUnauthenticated:
    logger.warning("telephony request refused (%s)", reason)
    return TelephonyUnauthenticated(message, details={"reason": reason})


class TelephonySignature(APIKeyHeader):
    """X-Telephony-Signature (with X-Telephony-Timestamp and X-Telephony-Nonce): HMAC-SHA256 of the request with
    the shared secret TELEPHONY_SECRET. See docs/telephony.md."""

    param_name = SIGNATURE_HEADER
    openapi_description = (
        "HMAC-SHA256 (hex) with the PBX's shared secret of: X-Telephony-Timestamp (unix seconds), "
        "X-Telephony-Nonce (8-64 of A-Z a-z 0-9 . _ ~ -, never reused), the method, the path with its query "
        "string, and the hex SHA-256 of the body, joined by newlines. See docs/telephony.md.")

    def __init__(self) -> None:
        super().__init__()
        self.openapi_name = "TelephonySignature"

    def authenticate(self, request, key):
        secret = getattr(settings, "TELEPHONY_SECRET", "")
        if not secret:
            raise _refuse("not_configured", _("Telephony is not configured on this server."))
        timestamp_text = request.headers.get(TIMESTAMP_HEADER, "")
        nonce = request.headers.get(NONCE_HEADER, "")
        if not key or not timestamp_text or not nonce:
            raise _refuse("missing", _("Sign the request: X-Telephony-Timestamp, X-Telephony-Nonce and "
                                       "X-Telephony-Signature are required."))
        if not timestamp_text.isascii() or not timestamp_text.isdigit() or len(timestamp_text) > 12:
            raise _refuse("bad_timestamp", _("X-Telephony-Timestamp must be unix seconds."))
        if not NONCE_PATTERN.match(nonce):
            raise _refuse("bad_nonce", _("X-Telephony-Nonce must be 8 to 64 letters, digits or . _ ~ -."))
        if not signature_matches(secret, key, timestamp_text, nonce, request.method, signed_path(request),
                                 request.body):
            raise _refuse("bad_signature", _("The request signature is wrong."))
        window = replay_window()
        if abs(time.time() - int(timestamp_text)) > window:
            raise _refuse("stale", _("The request timestamp is outside the accepted window of %(n)d seconds.")
                          % {"n": window})
        now = timezone.now()
        try:
            with transaction.atomic():
                seen = TelephonyNonce.objects.create(nonce=nonce, seen_at=now)
        except IntegrityError:
            raise _refuse("replayed", _("This nonce was already used: the request is a replay.")) from None
        if seen.pk % PURGE_EVERY == 0:
            nonces_purge(now=now)
        return Pbx(nonce=nonce, timestamp=int(timestamp_text))


def nonces_purge(*, now=None) -> int:
    """Forget nonces that can no longer be replayed (older than twice the window)."""
    now = now or timezone.now()
    expired = now - timedelta(seconds=2 * replay_window())
    deleted, _by_model = TelephonyNonce.objects.filter(seen_at__lt=expired).delete()
    return deleted
