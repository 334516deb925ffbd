"""API tokens: bd_<prefix>_<secret>. The prefix finds the row, a SHA-256 of the secret proves it."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, ValidationFailed
from brokerdesk.org.models import ApiToken, Staff

TOKEN_SCOPES = {
    "customers:read": "Search clients and read the customer 360 (masked)",
    "customers:write": "Create and change clients",
    "pii:unmask": "Read unmasked personal data (audited)",
}
DEFAULT_SCOPES = ["customers:read"]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, actor, user: Staff, name: str, scopes: list[str] | None = None) -> tuple[ApiToken, str]:
    scopes = list(scopes or DEFAULT_SCOPES)
    unknown = sorted(set(scopes) - TOKEN_SCOPES.keys())
    if unknown:
        raise ValidationFailed(details={"scopes": [f"unknown scope: {s}" for s in unknown]})
    if not user.is_active:
        raise ValidationFailed(details={"user": ["the user is not active"]})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, secret_hash=_hash(secret), scopes=scopes
        )
        audit_record(
            actor=actor, action="api_token.create", object_type="api_token", object_id=token.pk,
            after={"user": user.username, "name": name, "scopes": scopes, "prefix": prefix},
        )
    return token, f"bd_{prefix}_{secret}"


def token_revoke(*, actor, prefix: str) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(prefix=prefix).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="api_token.revoke", object_type="api_token", object_id=token.pk)
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The token for a raw bearer string, or None if unknown, revoked, expired or its user inactive."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "bd":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    # Coarse last-use stamp: one write a minute at most per token.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
