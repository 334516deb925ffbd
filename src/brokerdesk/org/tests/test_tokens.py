"""API tokens: bd_<prefix>_<secret>, stored as SHA-256 only, revocable, scoped, audited."""

import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from brokerdesk.core.errors import NotFound, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.org.models import ApiToken
from brokerdesk.org.tokens import token_authenticate, token_create, token_revoke

pytestmark = pytest.mark.django_db

TOKEN_FORMAT = re.compile(r"^bd_(?P<prefix>[0-9a-f]{8})_(?P<secret>[A-Za-z0-9_-]{40,})$")


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _row_as_text(token: ApiToken) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM org_apitoken WHERE id = %s", [token.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_it_returns_a_token_in_the_bd_prefix_secret_format(users):
    token, raw = token_create(actor=None, user=users["agent"], name="pbx")

    match = TOKEN_FORMAT.match(raw)
    assert match, raw
    assert match["prefix"] == token.prefix
    assert token.scopes == ["customers:read"]  # the default: read only


def test_it_stores_only_the_sha256_of_the_secret(users):
    token, raw = token_create(actor=None, user=users["agent"], name="pbx")
    secret = TOKEN_FORMAT.match(raw)["secret"]

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = _row_as_text(stored)
    assert secret not in row
    assert raw not in row
    assert secret[:16] not in row


def test_it_gives_different_secrets_and_prefixes_each_time(users):
    raws = {token_create(actor=None, user=users["agent"], name=f"t{i}")[1] for i in range(5)}
    assert len(raws) == 5
    assert len({TOKEN_FORMAT.match(r)["prefix"] for r in raws}) == 5


def test_it_authenticates_a_valid_token_and_stamps_its_last_use(users):
    token, raw = token_create(actor=None, user=users["agent"], name="pbx")

    found = token_authenticate(raw)

    assert found is not None and found.pk == token.pk
    assert found.user == users["agent"]
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_it_loads_the_users_permissions_with_the_token_as_modelbackend_computes_them(users):
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    agent = users["agent"]
    agent.user_permissions.add(Permission.objects.get(codename="unmask_customer"))  # direct, besides the role's
    _, raw = token_create(actor=None, user=agent, name="pbx")

    found = token_authenticate(raw)

    fresh = type(agent).objects.get(pk=agent.pk)
    expected = ModelBackend().get_all_permissions(fresh)
    assert "customers.unmask_customer" in expected and "customers.view_customer" in expected
    assert found.user._perm_cache == expected
    assert found.user.has_perm("customers.view_customer")
    assert not found.user.has_perm("org.delete_staff")


def test_it_gives_a_user_without_permissions_an_empty_set(users):
    users["agent"].groups.clear()
    _, raw = token_create(actor=None, user=users["agent"], name="pbx")

    found = token_authenticate(raw)

    assert found.user._perm_cache == set()
    assert not found.user.has_perm("customers.view_customer")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # one character of the secret
        lambda raw: raw.replace("bd_", "xx_", 1),
        lambda raw: raw.rsplit("_", 1)[0],  # no secret
        lambda raw: "bd_00000000_" + raw.split("_", 2)[2],  # someone else's prefix
        lambda raw: "",
        lambda raw: raw + " ",
    ],
)
def test_it_refuses_a_wrong_or_malformed_token(users, mangle):
    _, raw = token_create(actor=None, user=users["agent"], name="pbx")
    assert token_authenticate(mangle(raw)) is None


def test_it_refuses_a_revoked_token(users):
    token, raw = token_create(actor=None, user=users["agent"], name="pbx")
    token_revoke(actor=users["admin"], prefix=token.prefix)
    assert token_authenticate(raw) is None


def test_it_refuses_an_expired_token(users):
    token, raw = token_create(actor=None, user=users["agent"], name="pbx")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_authenticate(raw) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert token_authenticate(raw) is not None


def test_it_refuses_the_token_of_a_deactivated_user(users):
    _, raw = token_create(actor=None, user=users["agent"], name="pbx")
    users["agent"].is_active = False
    users["agent"].save(update_fields=["is_active"])

    assert token_authenticate(raw) is None
    assert _bearer(raw).get("/api/v1/customers").status_code == 401


def test_it_refuses_to_create_a_token_for_an_inactive_user(users):
    users["agent"].is_active = False
    users["agent"].save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed) as excinfo:
        token_create(actor=None, user=users["agent"], name="pbx")
    assert "user" in excinfo.value.details
    assert not ApiToken.objects.exists()


def test_it_rejects_an_unknown_scope_and_writes_nothing(users):
    with pytest.raises(ValidationFailed) as excinfo:
        token_create(actor=None, user=users["agent"], name="pbx", scopes=["customers:read", "customers:delete"])
    assert excinfo.value.details == {"scopes": ["unknown scope: customers:delete"]}
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_token.create").exists()


def test_it_audits_token_creation_without_the_secret(users):
    token, raw = token_create(actor=users["admin"], user=users["agent"], name="pbx", scopes=["customers:read"])

    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_username == users["admin"].username
    assert event.object_id == str(token.pk)
    assert event.after == {"user": "t_agent", "name": "pbx", "scopes": ["customers:read"], "prefix": token.prefix}
    assert TOKEN_FORMAT.match(raw)["secret"] not in str(event.after) + str(event.details)


def test_it_audits_a_revocation_once(users):
    token, _ = token_create(actor=None, user=users["agent"], name="pbx")
    token_revoke(actor=users["admin"], prefix=token.prefix)
    first_revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    token_revoke(actor=users["admin"], prefix=token.prefix)  # again: nothing changes

    events = AuditEvent.objects.filter(action="api_token.revoke")
    assert events.count() == 1
    assert events.get().object_id == str(token.pk)
    assert events.get().actor_username == users["admin"].username
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first_revoked_at


def test_it_reports_an_unknown_prefix_as_not_found(users):
    with pytest.raises(NotFound):
        token_revoke(actor=users["admin"], prefix="deadbeef")


# --- the `brokerdesk token` command -------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_it_creates_a_working_token_from_the_command_and_revokes_it(users, customer_a):
    raw = _command("create", "--user", "t_agent", "--name", "pbx")
    assert TOKEN_FORMAT.match(raw), raw
    prefix = TOKEN_FORMAT.match(raw)["prefix"]

    response = _bearer(raw).get("/api/v1/customers")
    assert response.status_code == 200
    assert customer_a.customer_no in response.content.decode()

    assert _command("revoke", prefix) == f"revoked {prefix}"
    response = _bearer(raw).get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert AuditEvent.objects.filter(action="api_token.create").count() == 1
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_it_lists_tokens_without_their_secrets(users):
    raw = _command("create", "--user", "t_agent", "--scope", "customers:read", "--scope", "pii:unmask")
    listing = _command("list")
    prefix = TOKEN_FORMAT.match(raw)["prefix"]
    assert prefix in listing
    assert "customers:read,pii:unmask" in listing
    assert TOKEN_FORMAT.match(raw)["secret"] not in listing


def test_it_refuses_an_unknown_scope_on_the_command_line(users):
    with pytest.raises(CommandError, match="invalid choice"):
        _command("create", "--user", "t_agent", "--scope", "customers:delete")
    assert not ApiToken.objects.exists()


def test_it_refuses_an_unknown_user_on_the_command_line(users):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        _command("create", "--user", "ghost")


def test_it_refuses_to_revoke_an_unknown_prefix_on_the_command_line(users):
    with pytest.raises(CommandError):
        _command("revoke", "deadbeef")


def test_it_limits_a_token_to_its_scopes(users, customer_a):
    _, raw = token_create(actor=None, user=users["compliance"], name="read-only", scopes=["customers:read"])

    response = _bearer(raw).post(f"/api/v1/customers/{customer_a.pk}/unmask", {"reason": "check"},
                                 content_type="application/json")

    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor_id=users["compliance"].pk).exists()
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
