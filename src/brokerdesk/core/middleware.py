"""Session lifetime (OWASP ASVS level 2: 30 min idle, 12 h absolute) and per-request audit context."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from brokerdesk.core import request_context

SESSION_STARTED = "_bd_session_started"
SESSION_LAST_SEEN = "_bd_last_seen"


def session_clock() -> int:
    """Whole seconds; the one clock for session stamps, so login and later requests agree to the second."""
    return int(time.time())


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = session_clock()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT_SECONDS
            too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
            if idle or too_old:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                response = redirect_to_login(request.get_full_path())
                # Tell the login page why: it shows "your session has ended".
                response["Location"] += "&expired=1"
                return response
            request.session.setdefault(SESSION_STARTED, started)
            # Write at most once a minute: avoids a session save on every htmx poll.
            if now - last_seen >= 60 or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_context.set_ip(request_context.client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_context.reset_ip(token)


class ProductLanguageMiddleware:
    """Chinese unless the user chose otherwise: the browser's Accept-Language is not consulted.

    Call-center and branch PCs often run an English OS; the UI language is a product setting the user
    switches explicitly (the language cookie), not a guess from the browser. Sits before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every page: scripts only from our own static files, no plugins, no framing.

    Escaping in the templates is the first defence against stored XSS (ticket fields hold whatever clients
    write); this is the second, so a payload that ever slipped through still could not run. Pages keep no inline
    script (charts read their data from json_script blocks). A response that sets its own policy (attachment
    downloads are sandboxed) keeps it; the API's Swagger page and the admin, which carry inline scripts of their
    own, are left to their frameworks.
    """

    POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    EXEMPT_PREFIXES = ("/api/v1/docs", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not request.path.startswith(self.EXEMPT_PREFIXES):
            response["Content-Security-Policy"] = self.POLICY
        return response
