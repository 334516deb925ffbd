"""The portal's signed identity: "<customer id>.<HMAC-SHA256 of the id, hex>" with settings.BROKERDESK_PORTAL_SECRET.

The client portal, where the client has signed in, builds it (portal_identity) and opens the widget with
?identity=...; the widget's session is then bound to that client. Anything that does not verify is treated as no
identity at all: an anonymous session, never an error that tells a forger what was wrong.
"""

import hashlib
import hmac

from django.conf import settings

MAX_LENGTH = 100


def _signature(customer_id: int) -> str:
    return hmac.new(settings.BROKERDESK_PORTAL_SECRET.encode(), str(customer_id).encode(), hashlib.sha256).hexdigest()


def portal_identity(customer_id: int) -> str:
    return f"{int(customer_id)}.{_signature(int(customer_id))}"


def verified_customer_id(identity: str | None) -> int | None:
    """The customer id the identity vouches for, or None (missing, malformed or forged)."""
    if not identity or len(identity) > MAX_LENGTH or "." not in identity:
        return None
    raw_id, signature = identity.split(".", 1)
    if not raw_id.isascii() or not raw_id.isdigit() or not 0 < int(raw_id) < 2**63:
        return None
    if not hmac.compare_digest(_signature(int(raw_id)).encode(), signature.encode("utf-8", "replace")):
        return None
    return int(raw_id)
