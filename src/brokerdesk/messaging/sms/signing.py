"""Signing of the SMS gateway's requests, the same in both directions (our sends, its delivery receipts).

    X-Key-Id:     who signs (lets a gateway hold several clients' secrets)
    X-Timestamp:  Unix seconds when the request was signed
    X-Signature:  hex HMAC-SHA256(secret, "<X-Timestamp>." + raw body bytes)

A request is refused when the signature does not match (compared in constant time) or the timestamp is more
than max_age seconds away from the receiver's clock either way (replay window). Pure: no Django.
"""

import hashlib
import hmac
import time

KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Key-Id", "X-Timestamp", "X-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class SignatureError(Exception):
    """The request is not from the holder of the shared secret, or too old or new to be accepted."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(*, key_id: str, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {KEY_HEADER: key_id, TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(*, secret: str, timestamp: str | None, given: str | None, body: bytes, max_age: int,
           now: float | None = None) -> None:
    """Raise SignatureError unless given is the signature of body at timestamp, within the replay window."""
    if not timestamp or not given:
        raise SignatureError("missing X-Timestamp or X-Signature")
    try:
        stamped = int(timestamp)
    except ValueError:
        raise SignatureError("X-Timestamp is not Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - stamped) > max_age:
        raise SignatureError("X-Timestamp is outside the replay window")
    if not hmac.compare_digest(signature(secret, timestamp, body), given.strip().lower()):
        raise SignatureError("the signature does not match")
