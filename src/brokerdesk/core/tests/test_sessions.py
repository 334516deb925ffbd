"""Sign-in and sessions (OWASP ASVS level 2): lifetimes, cookie flags, rotation, lockout, audit, hashing."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from brokerdesk.core import middleware
from brokerdesk.core.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from brokerdesk.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MINUTE = 60
HOUR = 3600
COOKIE = settings.SESSION_COOKIE_NAME
LOGIN_PATH = "/login/"


class Clock:
    """The middleware's clock, moved by hand."""

    def __init__(self, now: int):
        self.now = now

    def time(self) -> float:
        return float(self.now)


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = Clock(int(time.time()))
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=fake.time))
    return fake


def _https_client() -> Client:
    client = Client()
    client.defaults["wsgi.url_scheme"] = "https"
    client.defaults["SERVER_PORT"] = "443"
    return client


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password}, secure=True)


def _is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _redirects_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(f"{LOGIN_PATH}?next=")


# --- lifetimes ---------------------------------------------------------------------------------------------


def test_it_keeps_a_session_alive_while_it_is_used_within_the_idle_timeout(users, login, clock):
    client = login(users["agent"])
    for _ in range(4):
        clock.now += 29 * MINUTE
        assert client.get("/").status_code == 200
    assert _is_signed_in(client)


def test_it_ends_a_session_after_30_minutes_idle(users, login, clock):
    client = login(users["agent"])
    assert client.get("/").status_code == 200
    clock.now += 30 * MINUTE + 1

    response = client.get("/customers/?q=138")

    assert _redirects_to_login(response)
    assert response["Location"] == "/login/?next=/customers/%3Fq%3D138&expired=1"
    assert not _is_signed_in(client)
    assert _redirects_to_login(client.get("/"))  # still signed out afterwards
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=users["agent"].pk).exists()


def test_it_ends_an_idle_session_judged_by_the_stored_last_seen_stamp(users, login):
    import time

    client = login(users["agent"])
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - 31 * MINUTE
    session.save()

    assert _redirects_to_login(client.get("/"))


def test_it_ends_a_session_after_12_hours_however_busy(users, login, clock):
    client = login(users["agent"])
    started = clock.now
    while clock.now + 20 * MINUTE <= started + 12 * HOUR:
        clock.now += 20 * MINUTE
        assert client.get("/").status_code == 200, f"signed out after {(clock.now - started) / HOUR:.1f} h"
    clock.now = started + 12 * HOUR + 1

    assert _redirects_to_login(client.get("/"))
    assert not _is_signed_in(client)


def test_it_ends_a_session_whose_stored_start_is_older_than_12_hours(users, login):
    import time

    client = login(users["agent"])
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 12 * HOUR - 5
    session.save()

    assert _redirects_to_login(client.get("/"))


def test_it_answers_an_expired_api_session_with_401_not_a_redirect(users, login, clock):
    client = login(users["agent"])
    assert client.get("/api/v1/customers").status_code == 200
    clock.now += 31 * MINUTE

    response = client.get("/api/v1/customers")

    assert response.status_code == 401
    assert not _is_signed_in(client)


# --- sign-in ----------------------------------------------------------------------------------------------


def test_it_rotates_the_session_id_at_sign_in(users):
    client = _https_client()
    session = client.session  # an anonymous session exists before signing in
    session["language_hint"] = "zh-hans"
    session.save()
    before = client.cookies[COOKIE].value

    response = _sign_in(client, users["agent"].username)

    assert response.status_code == 302
    after = client.cookies[COOKIE].value
    assert after != before
    assert not SessionStore().exists(before)  # the old id is gone, not merely unused
    assert _is_signed_in(client)


def test_it_sets_secure_httponly_samesite_lax_on_the_session_cookie(users):
    response = _sign_in(_https_client(), users["agent"].username)

    assert response.status_code == 302
    cookie = response.cookies[COOKIE]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie.value


def test_it_audits_a_successful_sign_in(users):
    _sign_in(_https_client(), users["agent"].username)

    event = AuditEvent.objects.filter(action="auth.login").latest("seq")
    assert event.actor_id == users["agent"].pk
    assert event.actor_username == users["agent"].username
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("username", ["t_agent", "nobody-here"])
def test_it_audits_a_failed_sign_in_with_the_attempted_username(users, username):
    response = _sign_in(_https_client(), username, "wrong-password-1")

    assert response.status_code == 200  # the form again, with an error
    event = AuditEvent.objects.filter(action="auth.login_failed").latest("seq")
    assert event.actor_username == username
    assert event.actor_id is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_it_hashes_passwords_with_argon2(users):
    for user in users.values():
        assert user.password.startswith("argon2")
        assert PASSWORD not in user.password


# --- lockout (django-axes) ----------------------------------------------------------------------------------


def test_it_locks_an_account_after_5_failed_sign_ins(users):
    client = _https_client()
    username = users["agent"].username
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        assert _sign_in(client, username, f"wrong-{attempt}").status_code == 200
    fifth = _sign_in(client, username, "wrong-5")
    assert fifth.status_code == 429  # axes 8 answers a lockout with AXES_HTTP_RESPONSE_CODE, 429 by default

    sixth = _sign_in(client, username)  # the right password, too late

    assert sixth.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in sixth.templates]
    assert not _is_signed_in(client)
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username=username).count() == 6


def test_it_lets_four_failures_pass_and_resets_the_count_on_success(users):
    client = _https_client()
    username = users["agent"].username
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, username, f"wrong-{attempt}")
    assert _sign_in(client, username).status_code == 302
    client.post("/logout/", secure=True)
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, username, f"wrong-again-{attempt}")

    assert _sign_in(client, username).status_code == 302  # four more failures do not lock after a reset


def test_it_does_not_lock_another_account_from_the_same_address(users):
    client = _https_client()
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(client, users["agent"].username, f"wrong-{attempt}")
    assert _sign_in(client, users["agent"].username).status_code == 429

    other = _https_client()  # a colleague on the same NAT address
    response = _sign_in(other, users["supervisor"].username)

    assert response.status_code == 302
    assert _is_signed_in(other)
