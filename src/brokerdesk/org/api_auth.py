"""API authentication: bearer tokens for integrations, the session for the browser.

require_scope() limits what a token may do; a session user is limited by permissions alone.
"""

from ninja.security import HttpBearer, django_auth

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import PermissionDenied
from brokerdesk.org.tokens import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


def require_scope(request, scope: str) -> None:
    api_token = getattr(request, "api_token", None)
    if api_token is not None and scope not in api_token.scopes:
        audit_record(actor=request.user, action="access.denied",
                     details={"token": api_token.prefix, "missing_scope": scope, "path": request.path})
        raise PermissionDenied(f"This token lacks the scope '{scope}'.")


API_AUTH = [BearerToken(), django_auth]
