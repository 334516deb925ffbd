"""Audit of authentication: logins, failures (with the attempted username) and logouts."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from brokerdesk.core.audit import audit_record
from brokerdesk.core.middleware import SESSION_LAST_SEEN, SESSION_STARTED, session_clock


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = session_clock()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now
    audit_record(actor=user, action="auth.login", object_type="staff", object_id=user.pk)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, actor_username=username, action="auth.login_failed", object_type="staff")


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", object_type="staff", object_id=user.pk)
