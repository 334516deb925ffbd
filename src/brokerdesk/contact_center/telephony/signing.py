"""The telephony API's request signature (docs/telephony.md, "Signing"). Pure Python: the server, pbx-sim and a
PBX connector share it.

    string to sign = timestamp "\n" nonce "\n" METHOD "\n" path "\n" hex(sha256(body))
    X-Telephony-Signature = hex(HMAC-SHA256(secret, string to sign))

path is the request path as sent, with "?" and the query string when there is one
("/api/v1/telephony/commands?after=12").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

TIMESTAMP_HEADER = "X-Telephony-Timestamp"
NONCE_HEADER = "X-Telephony-Nonce"
SIGNATURE_HEADER = "X-Telephony-Signature"
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9._~-]{8,64}$")


def string_to_sign(timestamp: str, nonce: str, method: str, path: str, body: bytes) -> bytes:
    return "\n".join((str(timestamp), nonce, method.upper(), path, hashlib.sha256(body).hexdigest())).encode()


def signature(secret: str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    return hmac.new(secret.encode(), string_to_sign(timestamp, nonce, method, path, body), hashlib.sha256).hexdigest()


def signed_headers(secret: str, method: str, path: str, body: bytes = b"", *, timestamp: int | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    """The three headers for one request (a fresh nonce each time: a retry is signed again)."""
    timestamp_text = str(int(time.time()) if timestamp is None else int(timestamp))
    nonce = nonce or secrets.token_hex(16)
    return {TIMESTAMP_HEADER: timestamp_text, NONCE_HEADER: nonce,
            SIGNATURE_HEADER: signature(secret, timestamp_text, nonce, method, path, body)}


def signature_matches(secret: str, given: str, timestamp: str, nonce: str, method: str, path: str,
                      body: bytes) -> bool:
    """Constant-time comparison of the given signature with the expected one."""
    expected = signature(secret, timestamp, nonce, method, path, body)
    return hmac.compare_digest(expected.encode(), (given or "").strip().lower().encode("ascii", "replace"))
