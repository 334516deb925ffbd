"""/api/v1: authentication, scopes, search, screen-pop lookup, create (with validation that writes nothing), unmask."""

import json
from datetime import date

import pytest
from stdnum.cn import ric
from stdnum.iso7064 import mod_11_2

from brokerdesk.core.masking import mask_id_number

pytestmark = pytest.mark.django_db

ALL_SCOPES = ("customers:read", "customers:write", "pii:unmask")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def _events(action: str):
    from brokerdesk.core.models import AuditEvent

    return AuditEvent.objects.filter(action=action)


def _valid_resident_id(birth: date = date(1985, 6, 15), sequence: int = 137, region: str = "440305") -> str:
    """A resident ID with the right GB 11643 check character (ISO 7064 MOD 11-2); odd sequence = male."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + mod_11_2.calc_check_digit(body)


def _new_customer(**overrides) -> dict:
    payload = {
        "customer_no": "800000001",
        "name": "张三丰",
        "id_type": "resident_id",
        "id_number": _valid_resident_id(),
        "home_branch": "BA01",
        "opened_on": "2024-03-01",
        "phones": ["+86 139-1234-5678"],
        "email": "zhang@example.com",
        "address": "广东省深圳市福田区福华一路1号",
        "risk_level": "C3",
        "risk_score": 55,
        "risk_assessed_on": "2024-03-01",
        "capital_accounts": ["660000009999"],
        "shareholder_accounts": [{"market": "SH", "account_no": "A800000001"}],
    }
    payload.update(overrides)
    return payload


def _row_counts() -> dict:
    from brokerdesk.core.models import AuditEvent
    from brokerdesk.customers.models import CapitalAccount, Customer, CustomerPhone, ShareholderAccount

    return {model.__name__: model.objects.count()
            for model in (Customer, CustomerPhone, CapitalAccount, ShareholderAccount, AuditEvent)}


# --- Health and authentication --------------------------------------------------------------------------


def test_it_answers_health_without_a_token(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert body["version"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Bearer bd_0000beef_wrongsecret", "Basic dXNlcjpwYXNz", "Bearer "],
    ids=["no-header", "garbage", "unknown-prefix", "basic-auth", "empty-bearer"],
)
def test_it_refuses_requests_without_a_valid_token(client, db, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    _error(client.get("/api/v1/customers", **headers), 401, "unauthenticated")


def test_it_refuses_a_token_with_a_wrong_secret(client, users):
    from brokerdesk.org.tokens import token_create

    _, raw = token_create(actor=None, user=users["reviewer"], name="t", scopes=list(ALL_SCOPES))
    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    _error(client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {forged}"), 401, "unauthenticated")
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_it_refuses_a_revoked_token(client, users):
    from brokerdesk.org.tokens import token_create, token_revoke

    token, raw = token_create(actor=None, user=users["reviewer"], name="t", scopes=list(ALL_SCOPES))
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token_revoke(actor=users["admin"], prefix=token.prefix)
    _error(client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "unauthenticated")


def test_it_refuses_the_token_of_a_deactivated_user(client, users):
    from brokerdesk.org.tokens import token_create

    _, raw = token_create(actor=None, user=users["branch_a"], name="t", scopes=list(ALL_SCOPES))
    users["branch_a"].is_active = False
    users["branch_a"].save(update_fields=["is_active"])
    _error(client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("get", "/api/v1/customers", None, "customers:read"),
        ("get", "/api/v1/customers/lookup?phone=13800138000", None, "customers:read"),
        ("get", "/api/v1/customers/{id}", None, "customers:read"),
        ("post", "/api/v1/customers", _new_customer(), "customers:write"),
        ("post", "/api/v1/customers/{id}/notes", {"body": "hello"}, "customers:write"),
        ("post", "/api/v1/customers/{id}/unmask", {"reason": "check"}, "pii:unmask"),
    ],
    ids=["search", "lookup", "detail", "create", "note", "unmask"],
)
def test_it_forbids_a_token_without_the_scope_and_audits_it(token_client, users, customer_a, method, path, body,
                                                           scope):
    from brokerdesk.customers.models import CustomerNote

    scopes = [s for s in ALL_SCOPES if s != scope]
    client = token_client(users["reviewer"], scopes)
    url = path.format(id=customer_a.pk)
    denied_before = _events("access.denied").count()
    notes_before = CustomerNote.objects.count()

    response = client.get(url) if method == "get" else client.post(url, body, content_type="application/json")

    _error(response, 403, "permission_denied")
    assert scope in response.json()["error"]["message"]
    events = list(_events("access.denied").order_by("seq"))
    assert len(events) == denied_before + 1
    assert events[-1].actor_username == users["reviewer"].username
    assert events[-1].details["missing_scope"] == scope
    assert events[-1].details["path"] == url.split("?")[0]
    assert CustomerNote.objects.count() == notes_before
    assert not _events("pii.unmask").exists()


# --- Search and screen-pop -------------------------------------------------------------------------------


def _masked(card: dict, customer) -> None:
    assert card["masked"] is True
    assert card["id_number"] == mask_id_number(customer.id_number)
    assert card["id_number"] != customer.id_number
    for phone in card["phones"]:
        assert "*" in phone
    assert card["birth_date"] is None


def _search(client, q: str, **params) -> dict:
    response = client.get("/api/v1/customers", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    "term",
    [
        lambda c: c.phones.first().number,
        lambda c: c.phones.first().number[:7],
        lambda c: c.name,
        lambda c: c.name[:1] if len(c.name) > 1 else c.name,
        lambda c: c.id_number,
        lambda c: c.id_number[:10],
        lambda c: c.capital_accounts.first().account_no,
        lambda c: c.capital_accounts.first().account_no[:9],
        lambda c: c.shareholder_accounts.first().account_no,
        lambda c: c.shareholder_accounts.first().account_no.lower(),
    ],
    ids=["phone", "phone-prefix", "name", "surname", "id-number", "id-prefix", "capital-account",
         "capital-account-prefix", "shareholder-account", "shareholder-account-lowercase"],
)
def test_it_finds_customers_by_any_identifier_and_returns_masked_cards(token_client, users, customer_a, term):
    found = _search(token_client(users["agent"]), term(customer_a), page_size=100)
    cards = [c for c in found["items"] if c["id"] == customer_a.pk]
    assert len(cards) == 1, found
    _masked(cards[0], customer_a)
    assert cards[0]["customer_no"] == customer_a.customer_no
    assert cards[0]["branch_code"] == "BA01"


def test_it_searches_only_the_callers_branch(token_client, users, customer_a, customer_b):
    client = token_client(users["branch_b"])
    assert _search(client, customer_a.id_number)["items"] == []
    assert [c["id"] for c in _search(client, customer_b.id_number)["items"]] == [customer_b.pk]
    assert {c["id"] for c in _search(client, "", page_size=100)["items"]} == {customer_b.pk}


def test_it_pages_search_results(token_client, users, org):
    from tests.factories import make_customer

    customers = [make_customer(org["branch_a"], name=f"欧阳{given}") for given in "一二三四五"]
    client = token_client(users["agent"])

    first = _search(client, "欧阳", page=1, page_size=2)
    third = _search(client, "欧阳", page=3, page_size=2)
    beyond = _search(client, "欧阳", page=4, page_size=2)

    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [c["name"] for c in first["items"]] == ["欧阳一", "欧阳三"]  # ordered by name (code point)
    assert (third["count"], third["page"], len(third["items"])) == (5, 3, 1)
    assert beyond["items"] == [] and beyond["count"] == 5
    seen = {c["id"] for p in (1, 2, 3) for c in _search(client, "欧阳", page=p, page_size=2)["items"]}
    assert seen == {c.pk for c in customers}


@pytest.mark.parametrize(("params", "field"), [({"page": 0}, "page"), ({"page_size": 101}, "page_size"),
                                               ({"page": "x"}, "page"), ({"q": "x" * 101}, "q")])
def test_it_rejects_bad_search_parameters_with_the_field_named(token_client, users, params, field):
    error = _error(token_client(users["agent"]).get("/api/v1/customers", params), 422, "validation_failed")
    assert field in error["details"]


@pytest.mark.parametrize("caller", ["13800138000", "+86 138-0013-8000", "+8613800138000", "008613800138000",
                                    "138 0013 8000", "(+86) 138 0013 8000"])
def test_it_pops_the_callers_card_whatever_the_number_format(token_client, users, org, caller):
    from tests.factories import make_customer

    customer = make_customer(org["branch_a"], phone="13800138000")
    make_customer(org["branch_a"], phone="13900139000")

    response = token_client(users["agent"]).get("/api/v1/customers/lookup", {"phone": caller})

    assert response.status_code == 200, response.content
    cards = response.json()
    assert [c["id"] for c in cards] == [customer.pk]
    _masked(cards[0], customer)
    assert cards[0]["phones"] == ["138****8000"]


def test_it_pops_every_client_sharing_a_family_phone_within_scope(token_client, users, org):
    from tests.factories import make_customer

    a1 = make_customer(org["branch_a"], phone="13700137000")
    a2 = make_customer(org["branch_a"], phone="13700137000")
    b1 = make_customer(org["branch_b"], phone="13700137000")

    agent_cards = token_client(users["agent"]).get("/api/v1/customers/lookup", {"phone": "13700137000"}).json()
    branch_b_cards = token_client(users["branch_b"]).get("/api/v1/customers/lookup", {"phone": "13700137000"}).json()

    assert [c["id"] for c in agent_cards] == [a1.pk, a2.pk, b1.pk]
    assert [c["id"] for c in branch_b_cards] == [b1.pk]


def test_it_answers_an_unknown_caller_with_an_empty_list(token_client, users, customer_a):
    response = token_client(users["agent"]).get("/api/v1/customers/lookup", {"phone": "13999999999"})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("caller", ["12345", "not a phone", "", "+86 000"])
def test_it_rejects_a_caller_number_that_is_not_a_phone(token_client, users, caller):
    error = _error(token_client(users["agent"]).get("/api/v1/customers/lookup", {"phone": caller}), 422,
                   "validation_failed")
    assert "phone" in error["details"]


# --- Create ----------------------------------------------------------------------------------------------


def test_it_creates_a_customer_and_audits_the_masked_card(token_client, users, org):
    from brokerdesk.customers.models import Customer

    client = token_client(users["reviewer"])
    payload = _new_customer()
    assert ric.is_valid(payload["id_number"])

    response = client.post("/api/v1/customers", payload, content_type="application/json")

    assert response.status_code == 201, response.content
    card = response.json()
    customer = Customer.objects.get(customer_no="800000001")
    assert card["id"] == customer.pk
    assert card["masked"] is True
    assert card["id_number"] == mask_id_number(payload["id_number"])
    assert card["phones"] == ["139****5678"]
    assert card["branch_code"] == "BA01"
    assert customer.id_number == payload["id_number"]
    assert customer.birth_date == date(1985, 6, 15) and customer.gender == "M"
    assert list(customer.phones.values_list("number", flat=True)) == ["13912345678"]
    assert list(customer.capital_accounts.values_list("account_no", flat=True)) == ["660000009999"]
    assert list(customer.shareholder_accounts.values_list("market", "account_no")) == [("SH", "A800000001")]

    event = _events("customer.create").get()
    assert event.object_type == "customer" and event.object_id == str(customer.pk)
    assert event.actor_username == users["reviewer"].username
    assert event.after["id_number"] == card["id_number"]
    assert event.after["masked"] is True
    audited = str(event.after) + str(event.details)
    assert payload["id_number"] not in audited
    assert "13912345678" not in audited
    assert "zhang@example.com" not in audited


def test_it_creates_a_customer_from_the_required_fields_alone(token_client, users, org):
    from brokerdesk.customers.models import Customer

    required = ("customer_no", "name", "id_type", "id_number", "home_branch", "opened_on")
    payload = {key: value for key, value in _new_customer().items() if key in required}

    response = token_client(users["reviewer"]).post("/api/v1/customers", payload, content_type="application/json")

    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert (customer.kind, customer.client_class, customer.investor_category) == ("person", "mass", "ordinary")
    assert customer.risk_level == "" and customer.risk_expires_on is None
    assert response.json()["risk_status"] == "missing"


def test_it_creates_a_customer_only_in_the_callers_own_branch(token_client, users, org):
    from brokerdesk.customers.models import Customer

    client = token_client(users["branch_b"])
    other_branch = client.post("/api/v1/customers", _new_customer(home_branch="BA01"), content_type="application/json")
    own_branch = client.post("/api/v1/customers", _new_customer(home_branch="BB01"), content_type="application/json")

    error = _error(other_branch, 422, "validation_failed")
    assert "home_branch" in error["details"]
    assert own_branch.status_code == 201, own_branch.content
    assert Customer.objects.get().home_branch == org["branch_b"]


def test_it_forbids_create_to_a_role_without_the_permission(token_client, users, org):
    from brokerdesk.customers.models import Customer

    denied_before = _events("access.denied").count()
    response = token_client(users["agent"]).post("/api/v1/customers", _new_customer(),
                                                 content_type="application/json")
    _error(response, 403, "permission_denied")
    assert _events("access.denied").count() == denied_before + 1
    assert not Customer.objects.exists()


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


BAD_INPUT = [
    pytest.param({"id_number": _wrong_check_digit(_valid_resident_id())}, "id_number", id="resident-id-check-digit"),
    pytest.param({"id_number": "11010519491231002"}, "id_number", id="resident-id-too-short"),
    pytest.param({"phones": ["12345"]}, "phones[0]", id="malformed-phone"),
    pytest.param({"phones": ["13912345678", "phone"]}, "phones[1]", id="second-phone-malformed"),
    pytest.param({"home_branch": "ZZ99"}, "home_branch", id="unknown-branch"),
    pytest.param({"opened_on": "2999-01-01"}, "opened_on", id="opened-in-the-future"),
    pytest.param({"id_type": "driving_licence"}, "id_type", id="unknown-id-type"),
    pytest.param({"capital_accounts": ["12AB"]}, "capital_accounts[0]", id="capital-account"),
    pytest.param({"shareholder_accounts": [{"market": "NY", "account_no": "A800000001"}]},
                 "shareholder_accounts[0].market", id="shareholder-market"),
    pytest.param({"client_manager": "nobody"}, "client_manager", id="unknown-client-manager"),
    pytest.param({"customer_no": "  "}, "customer_no", id="blank-customer-no"),
    pytest.param({"kind": ""}, "kind", id="blank-kind"),
    pytest.param({"client_class": ""}, "client_class", id="blank-client-class"),
    pytest.param({"investor_category": ""}, "investor_category", id="blank-investor-category"),
    pytest.param({"risk_level": "C9"}, "risk_level", id="unknown-risk-level"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_INPUT)
def test_it_rejects_bad_input_with_the_field_named_and_writes_nothing(token_client, users, org, overrides, field):
    client = token_client(users["reviewer"])
    before = _row_counts()

    response = client.post("/api/v1/customers", _new_customer(**overrides), content_type="application/json")

    error = _error(response, 422, "validation_failed")
    assert field in error["details"], error["details"]
    assert all(isinstance(m, str) and m for m in error["details"][field])
    assert _row_counts() == before


def test_it_reports_every_bad_field_at_once(token_client, users, org):
    client = token_client(users["reviewer"])
    before = _row_counts()
    payload = _new_customer(id_number=_wrong_check_digit(_valid_resident_id()), phones=["12345"], home_branch="ZZ99")

    error = _error(client.post("/api/v1/customers", payload, content_type="application/json"), 422,
                   "validation_failed")

    assert {"id_number", "phones[0]", "home_branch"} <= set(error["details"])
    assert _row_counts() == before


def test_it_rejects_a_duplicate_customer_and_writes_nothing(token_client, users, org):
    client = token_client(users["reviewer"])
    assert client.post("/api/v1/customers", _new_customer(), content_type="application/json").status_code == 201
    before = _row_counts()

    again = client.post("/api/v1/customers", _new_customer(), content_type="application/json")

    error = _error(again, 422, "validation_failed")
    assert {"customer_no", "id_number", "capital_accounts[0]", "shareholder_accounts[0].account_no"} <= set(
        error["details"]
    )
    assert _row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"opened_on": "not-a-date"}, "opened_on"),
        ({"phones": "13912345678"}, "phones"),
        ({"risk_score": "high"}, "risk_score"),
        ({"risk_score": 101}, "risk_score"),
        ({"name": ["张三"]}, "name"),
        ({"shareholder_accounts": [{"market": "SH"}]}, "shareholder_accounts[0].account_no"),
        ({"phones": [13912345678]}, "phones[0]"),
        ({"name": "张\x00三"}, "name"),
        ({"customer_no": None}, "customer_no"),
    ],
    ids=["date", "list", "int", "int-range", "string", "nested-missing", "list-item", "nul", "null"],
)
def test_it_rejects_a_body_of_the_wrong_shape_in_the_same_error_shape(token_client, users, org, overrides, field):
    client = token_client(users["reviewer"])
    before = _row_counts()

    response = client.post("/api/v1/customers", _new_customer(**overrides), content_type="application/json")

    error = _error(response, 422, "validation_failed")
    assert field in error["details"], error["details"]
    assert _row_counts() == before


def test_it_rejects_a_body_missing_required_fields(token_client, users, org):
    error = _error(token_client(users["reviewer"]).post("/api/v1/customers", {}, content_type="application/json"),
                   422, "validation_failed")
    assert {"customer_no", "name", "id_type", "id_number", "home_branch", "opened_on"} <= set(error["details"])


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/customers/{id}/notes", "/api/v1/customers/{id}/unmask"])
@pytest.mark.parametrize("body", [[], ["a", "b"], 7, "text", None], ids=["empty-list", "list", "number", "string",
                                                                        "null"])
def test_it_rejects_a_body_that_is_not_an_object(token_client, users, customer_a, url, body):
    client = token_client(users["reviewer"])
    before = _row_counts()

    response = client.post(url.format(id=customer_a.pk), json.dumps(body), content_type="application/json")

    error = _error(response, 422, "validation_failed")
    assert "request" in error["details"], error["details"]
    assert _row_counts() == before


def test_it_rejects_a_body_that_is_not_json_in_the_same_error_shape(token_client, users, org):
    client = token_client(users["reviewer"])
    before = _row_counts()
    response = client.post("/api/v1/customers", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert _row_counts() == before


# --- 360, notes and unmask ----------------------------------------------------------------------------------


def test_it_returns_the_masked_360(token_client, users, customer_a):
    response = token_client(users["agent"]).get(f"/api/v1/customers/{customer_a.pk}")
    assert response.status_code == 200, response.content
    view = response.json()
    _masked(view["card"], customer_a)
    assert customer_a.id_number not in response.content.decode()
    account = customer_a.capital_accounts.first().account_no
    assert [a["account_no"] for a in view["capital_accounts"]] != [account]
    assert not _events("pii.unmask").exists()


def test_it_adds_a_note_and_shows_it_on_the_timeline(token_client, users, customer_a):
    client = token_client(users["agent"])
    response = client.post(f"/api/v1/customers/{customer_a.pk}/notes", {"body": "  客户来电咨询两融开户  "},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "客户来电咨询两融开户"
    assert _events("customer.note_add").filter(object_id=str(customer_a.pk)).count() == 1
    timeline = client.get(f"/api/v1/customers/{customer_a.pk}").json()["timeline"]
    assert any("客户来电咨询两融开户" in entry["body"] for entry in timeline)


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_it_rejects_an_empty_or_too_long_note(token_client, users, customer_a, body):
    from brokerdesk.customers.models import CustomerNote

    response = token_client(users["agent"]).post(f"/api/v1/customers/{customer_a.pk}/notes", {"body": body},
                                                 content_type="application/json")
    error = _error(response, 422, "validation_failed")
    assert "body" in error["details"]
    assert not CustomerNote.objects.exists()


def test_it_unmasks_for_a_reviewer_and_audits_the_read(token_client, users, customer_a):
    client = token_client(users["reviewer"])

    response = client.post(f"/api/v1/customers/{customer_a.pk}/unmask", {"reason": "KYC 复核"},
                           content_type="application/json")

    assert response.status_code == 200, response.content
    card = response.json()
    assert card["masked"] is False
    assert card["id_number"] == customer_a.id_number
    assert card["phones"] == [customer_a.phones.first().number]
    assert card["birth_date"] == customer_a.birth_date.isoformat()
    event = _events("pii.unmask").get()
    assert event.object_type == "customer" and event.object_id == str(customer_a.pk)
    assert event.actor_username == users["reviewer"].username
    assert event.details["reason"] == "KYC 复核"
    assert "id_number" in event.details["fields"]
    assert customer_a.id_number not in str(event.details)


def test_it_forbids_unmask_to_an_agent_and_audits_the_attempt(token_client, users, customer_a):
    client = token_client(users["agent"])  # the token has pii:unmask; the agent's role does not

    response = client.post(f"/api/v1/customers/{customer_a.pk}/unmask", {"reason": "curious"},
                           content_type="application/json")

    _error(response, 403, "permission_denied")
    assert customer_a.id_number not in response.content.decode()
    assert not _events("pii.unmask").exists()
    denied = _events("access.denied").get()
    assert denied.actor_username == users["agent"].username
    assert denied.details["permission"] == "customers.unmask_customer"
    assert denied.details["attempted"] == "customer.unmask"


def test_it_answers_404_in_the_error_shape_for_a_missing_customer(token_client, users, customer_a):
    client = token_client(users["reviewer"])
    missing = customer_a.pk + 10_000
    for response in (
        client.get(f"/api/v1/customers/{missing}"),
        client.post(f"/api/v1/customers/{missing}/unmask", {}, content_type="application/json"),
        client.post(f"/api/v1/customers/{missing}/notes", {"body": "x"}, content_type="application/json"),
    ):
        error = _error(response, 404, "not_found")
        assert error["details"] == {}
    assert not _events("pii.unmask").exists()


@pytest.mark.parametrize("path", ["/api/v1/customers/abc", "/api/v1/customers/1.5/notes", "/api/v1/no-such-thing",
                                  "/api/v2/customers"])
def test_it_answers_unknown_api_urls_with_the_json_error_shape(token_client, users, path):
    error = _error(token_client(users["reviewer"]).get(path), 404, "not_found")
    assert error["details"] == {}


def test_it_keeps_the_html_404_page_outside_the_api(login, users):
    response = login(users["agent"]).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
