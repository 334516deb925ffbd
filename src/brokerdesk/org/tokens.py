"""API tokens: bd_<prefix>_<secret>. The prefix finds the row, a SHA-256 of the secret proves it."""

import hashlib
import hmac
import secrets
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, ValidationFailed
from brokerdesk.core.rawsql import hot_cursor, model_columns, string_agg
from brokerdesk.org.models import ApiToken, Staff

TOKEN_SCOPES = {
    "customers:read": "Search clients and read the customer 360 (masked)",
    "customers:write": "Create and change clients",
    "pii:unmask": "Read unmasked personal data (audited)",
    "tickets:read": "List and read tickets",
    "tickets:write": "Create tickets (WeChat, web chat and other channels) and add notes",
    "entitlements:read": "Ask whether clients may receive content or a service (push, research distribution)",
    "visits:read": "List and read return-visit tasks",
    "visits:write": "Claim return visits, start calls and record their outcomes",
    "visits:recordings": "Report call recordings of return visits, for any call (the PBX)",
    "knowledge:read": "Search and read knowledge-base articles (an agent desktop, a portal's FAQ)",
    "surveys:read": "Read NPS figures, response rates, verbatims and responses (masked)",
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
    """The token for a raw bearer string, or None if unknown, revoked, expired or its user inactive.

    The token's user comes with its permissions loaded (see _token_row), so the request's permission checks
    run no query of their own.
    """
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "bd":
        return None
    token = _token_row(parts[1])
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    # Coarse last-use stamp: one write a minute at most per token.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _token_row(prefix: str) -> ApiToken | None:
    """The token, its user and the user's permissions in one query (every API request starts here).

    The ORM would take three: the token with its user, then ModelBackend's direct and group permissions at
    the first has_perm(). The permission set is the same union ModelBackend computes, handed to it through
    the cache it keeps on the user (_perm_cache): has_perm() answers as before, superusers before the cache
    is read. Written as SQL because compiling those querysets cost more than running them (the screen-pop
    budget, bench/screen_pop).
    """
    token_columns = model_columns(ApiToken, "t")
    user_columns = model_columns(Staff, "u")
    with hot_cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token = token_columns.instance(row)
    user = user_columns.instance(row, token_columns.width)
    permissions = row[token_columns.width + user_columns.width]
    user._perm_cache = set(permissions.split(",")) if permissions else set()
    token.user = user
    return token


@cache
def _token_sql(vendor: str) -> str:
    # Table names are Django's defaults for these models; the tests run this on both databases.
    permission_ids = """
        SELECT permission_id FROM org_staff_user_permissions WHERE staff_id = u.id
        UNION
        SELECT gp.permission_id FROM auth_group_permissions gp
        JOIN org_staff_groups ug ON ug.group_id = gp.group_id WHERE ug.staff_id = u.id"""
    permission_names = string_agg("ct.app_label || '.' || p.codename")  # e.g. customers.view_customer
    return f"""
        SELECT {model_columns(ApiToken, "t").select_list}, {model_columns(Staff, "u").select_list},
            (SELECT {permission_names} FROM auth_permission p
             JOIN django_content_type ct ON ct.id = p.content_type_id
             WHERE p.id IN ({permission_ids}))
        FROM org_apitoken t JOIN org_staff u ON u.id = t.user_id
        WHERE t.prefix = %s"""  # noqa: S608 - only column lists are interpolated; the prefix is a parameter
