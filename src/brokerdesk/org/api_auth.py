"""API authentication: bearer tokens for integrations, the session for the browser.

require_scope() limits what a token may do; a session user is limited by permissions alone.
"""

from django.contrib.auth.models import Permission
from ninja.security import HttpBearer, django_auth

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import PermissionDenied
from brokerdesk.org.tokens import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        load_permissions(api_token.user)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


def load_permissions(user) -> None:
    """Read the user's permissions in one query instead of the two ModelBackend makes.

    ModelBackend computes a user's permissions as direct permissions plus those of the user's groups, one
    query each, and keeps the set on the user object (_perm_cache). A bearer request loads a fresh user every
    time, so every API call paid both queries at its first has_perm(). This computes the same set, a UNION
    of the same two queries, and hands it to ModelBackend through that cache: has_perm() answers as before
    (inactive users are refused by token_authenticate; superusers are answered before the cache is read).
    Every API operation checks a permission, so the query is never wasted.
    """
    if user.is_superuser or hasattr(user, "_perm_cache"):
        return
    fields = ("content_type__app_label", "codename")
    direct = Permission.objects.filter(user=user).values_list(*fields).order_by()
    via_groups = Permission.objects.filter(group__user=user).values_list(*fields).order_by()
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in direct.union(via_groups)}


def require_scope(request, scope: str) -> None:
    api_token = getattr(request, "api_token", None)
    if api_token is not None and scope not in api_token.scopes:
        audit_record(actor=request.user, action="access.denied",
                     details={"token": api_token.prefix, "missing_scope": scope, "path": request.path})
        raise PermissionDenied(f"This token lacks the scope '{scope}'.")


API_AUTH = [BearerToken(), django_auth]
