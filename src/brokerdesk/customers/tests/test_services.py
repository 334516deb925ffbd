"""Customer services and selectors: validated writes, branch scoping, masking, audited unmask."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from stdnum.iso7064 import mod_11_2

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import CapitalAccount, Customer, CustomerPhone
from brokerdesk.customers.presenters import customer_card
from brokerdesk.customers.selectors import (
    customer_get_for_actor,
    customer_search,
    customers_by_phone,
    customers_visible_to,
)
from brokerdesk.customers.services import (
    CustomerInput,
    ShareholderAccountInput,
    customer_create,
    customer_note_add,
    customer_unmask,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _resident_id(body: str) -> str:
    return body + mod_11_2.calc_check_digit(body)


def _input(**overrides) -> CustomerInput:
    data = CustomerInput(
        customer_no="800000001",
        name="林晓东",
        id_type="resident_id",
        id_number=_resident_id("44030519850521013"),
        home_branch="BA01",
        opened_on=date(2025, 10, 9),
        phones=["+86 138-0013-8000", "0755-83688888"],
        email="lin@example.com",
        address="广东省深圳市南山区科技园1号",
        risk_level="C3",
        risk_score=45,
        risk_assessed_on=date(2025, 10, 9),
        capital_accounts=["660000888001"],
        shareholder_accounts=[ShareholderAccountInput(market="SZ", account_no="0123456789")],
    )
    return replace(data, **overrides)


def _nothing_written(before: int) -> bool:
    return (
        Customer.objects.count() == before
        and not CustomerPhone.objects.filter(number="13800138000").exists()
        and not CapitalAccount.objects.filter(account_no="660000888001").exists()
        and not AuditEvent.objects.filter(action="customer.create").exists()
    )


# --- create ------------------------------------------------------------------------------------------------


def test_it_creates_a_customer_with_derived_and_normalised_fields(users):
    customer = customer_create(actor=users["branch_a"], data=_input())

    customer.refresh_from_db()
    assert customer.home_branch.code == "BA01"
    assert customer.birth_date == date(1985, 5, 21)
    assert customer.gender == "M"  # 17th digit 1: odd
    assert sorted(customer.phones.values_list("number", "is_primary")) == [
        ("13800138000", True), ("75583688888", False)]
    assert customer.capital_accounts.get().account_no == "660000888001"
    assert customer.shareholder_accounts.get().market == "SZ"
    assert customer.risk_expires_on == date(2025, 10, 9) + timedelta(days=730)


def test_it_audits_a_creation_with_the_masked_card_only(users):
    customer = customer_create(actor=users["branch_a"], data=_input())

    event = AuditEvent.objects.get(action="customer.create")
    assert event.actor_id == users["branch_a"].pk
    assert event.object_id == str(customer.pk)
    assert event.after["id_number"] == "440***********" + customer.id_number[-4:]
    assert customer.id_number not in str(event.after)
    assert "13800138000" not in str(event.after)
    assert event.after["total_assets"] == "0"


def test_it_collects_every_field_error_at_once_and_writes_nothing(users, org):
    before = Customer.objects.count()
    bad = _input(
        customer_no="80-01",
        name="  ",
        id_number=_resident_id("44030519850521013")[:-1] + "0",
        phones=["13800138000", "12345"],
        home_branch="ZZ99",
        opened_on=timezone.localdate() + timedelta(days=1),
        risk_level="C9",
        risk_score=101,
        client_manager="nobody",
        capital_accounts=["12AB"],
        shareholder_accounts=[ShareholderAccountInput(market="HK", account_no="0123456789"),
                              ShareholderAccountInput(market="SH", account_no="A12")],
    )

    with pytest.raises(ValidationFailed) as excinfo:
        customer_create(actor=users["branch_a"], data=bad)

    details = excinfo.value.details
    assert set(details) == {
        "customer_no", "name", "id_number", "phones[1]", "home_branch", "opened_on", "risk_level", "risk_score",
        "client_manager", "capital_accounts[0]", "shareholder_accounts[0].market",
        "shareholder_accounts[1].account_no",
    }
    assert details["id_number"] == ["resident ID check digit is wrong (GB 11643)"]
    assert "'12345'" in details["phones[1]"][0]
    assert _nothing_written(before)


def test_it_refuses_duplicates_of_an_existing_client(users, customer_a):
    account = customer_a.capital_accounts.get().account_no
    holder = customer_a.shareholder_accounts.get()
    data = _input(customer_no=customer_a.customer_no, id_number=customer_a.id_number, capital_accounts=[account],
                  shareholder_accounts=[ShareholderAccountInput(market=holder.market, account_no=holder.account_no)])

    with pytest.raises(ValidationFailed) as excinfo:
        customer_create(actor=users["branch_a"], data=data)

    assert set(excinfo.value.details) == {"customer_no", "id_number", "capital_accounts[0]",
                                          "shareholder_accounts[0].account_no"}


def test_it_treats_another_branch_as_an_unknown_branch_for_branch_staff(users, org):
    before = Customer.objects.count()
    with pytest.raises(ValidationFailed) as other_branch:
        customer_create(actor=users["branch_b"], data=_input(home_branch="BA01"))
    with pytest.raises(ValidationFailed) as missing_branch:
        customer_create(actor=users["branch_b"], data=_input(home_branch="ZZ99"))

    assert other_branch.value.details == {"home_branch": ["unknown branch code 'BA01'"]}
    assert missing_branch.value.details == {"home_branch": ["unknown branch code 'ZZ99'"]}
    assert _nothing_written(before)


def test_it_refuses_a_client_manager_from_another_branch(users):
    with pytest.raises(ValidationFailed) as excinfo:
        customer_create(actor=users["reviewer"], data=_input(home_branch="BB01", client_manager="t_manager_a"))
    assert excinfo.value.details == {"client_manager": ["the client manager works at another branch"]}


def test_it_lets_company_wide_reviewers_create_for_any_branch(users):
    customer = customer_create(actor=users["reviewer"], data=_input(home_branch="BB01"))
    assert customer.home_branch.code == "BB01"


@pytest.mark.parametrize("role", ["agent", "manager_a", "compliance", "admin"])
def test_it_refuses_creation_without_the_permission_and_audits_the_attempt(users, role):
    before = Customer.objects.count()
    with pytest.raises(PermissionDenied):
        customer_create(actor=users[role], data=_input())
    assert _nothing_written(before)
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor_id == users[role].pk
    assert denied.details == {"permission": "customers.add_customer", "attempted": "customer.create"}


# --- visibility -------------------------------------------------------------------------------------------


def test_it_shows_branch_staff_only_their_own_branch(users, customer_a, customer_b):
    for user, own, other in ((users["branch_a"], customer_a, customer_b), (users["branch_b"], customer_b, customer_a),
                             (users["manager_a"], customer_a, customer_b)):
        listed = customer_search(user, "").items
        assert own in listed and other not in listed
        assert other not in customer_search(user, other.name).items
        assert customer_search(user, other.phones.first().number).items == []
        assert customer_search(user, other.id_number[:10]).items == []
        assert customers_by_phone(user, other.phones.first().number) == []
        assert customer_get_for_actor(user, own.pk) == own


def test_it_hides_another_branchs_customer_like_a_missing_one(users, customer_a):
    with pytest.raises(NotFound) as hidden:
        customer_get_for_actor(users["branch_b"], customer_a.pk)
    with pytest.raises(NotFound) as missing:
        customer_get_for_actor(users["branch_b"], 10**12)
    assert (hidden.value.code, hidden.value.message) == (missing.value.code, missing.value.message)


@pytest.mark.parametrize("customer_id", ["abc", None, -1, 0, 2**63, "1; DROP TABLE x"])
def test_it_treats_malformed_ids_as_missing(users, customer_a, customer_id):
    with pytest.raises(NotFound):
        customer_get_for_actor(users["agent"], customer_id)


def test_it_shows_center_agents_every_branch_masked(users, customer_a, customer_b):
    found = customer_search(users["agent"], "")
    assert {customer_a, customer_b} <= set(found.items)
    assert customers_by_phone(users["agent"], customer_b.phones.first().number) == [customer_b]

    card = customer_card(customer_a)
    assert card.masked is True
    assert card.id_number == customer_a.id_number[:3] + "*" * 11 + customer_a.id_number[-4:]
    phone = customer_a.phones.first().number
    assert card.phones == [phone[:3] + "****" + phone[-4:]]
    assert card.birth_date is None


def test_it_shows_agents_masked_data_through_the_api(users, customer_a, token_client):
    response = token_client(users["agent"], scopes=["customers:read"]).get("/api/v1/customers", {"q": customer_a.name})
    body = response.content.decode()
    assert response.status_code == 200
    assert customer_a.customer_no in body
    assert customer_a.id_number not in body
    assert customer_a.phones.first().number not in body


def test_it_shows_the_admin_role_no_customers(users, customer_a, customer_b):
    admin = users["admin"]
    assert not customers_visible_to(admin).exists()
    assert customer_search(admin, "").count == 0
    assert customer_search(admin, customer_a.phones.first().number).items == []
    assert customers_by_phone(admin, customer_a.phones.first().number) == []
    with pytest.raises(NotFound):
        customer_get_for_actor(admin, customer_a.pk)


def test_it_shows_a_deactivated_staff_member_nothing(users, customer_a):
    agent = users["agent"]
    agent.is_active = False
    assert customer_search(agent, "").count == 0


# --- unmask ------------------------------------------------------------------------------------------------


def test_it_unmasks_for_compliance_and_audits_the_reason(users, customer_a):
    card = customer_unmask(actor=users["compliance"], customer_id=customer_a.pk, reason="投诉核查 #2025-118")

    assert card.masked is False
    assert card.id_number == customer_a.id_number
    assert card.phones == [customer_a.phones.first().number]
    assert card.birth_date == customer_a.birth_date
    event = AuditEvent.objects.get(action="pii.unmask")
    assert event.actor_id == users["compliance"].pk
    assert event.object_type == "customer" and event.object_id == str(customer_a.pk)
    assert event.details["reason"] == "投诉核查 #2025-118"
    assert "id_number" in event.details["fields"]
    assert customer_a.id_number not in str(event.details)


def test_it_refuses_an_agent_unmask_and_audits_the_denial(users, customer_a):
    with pytest.raises(PermissionDenied):
        customer_unmask(actor=users["agent"], customer_id=customer_a.pk, reason="caller asked")

    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor_id == users["agent"].pk
    assert denied.details == {"permission": "customers.unmask_customer", "attempted": "customer.unmask"}


def test_it_answers_an_out_of_branch_unmask_as_not_found_without_unmasking(users, customer_a):
    with pytest.raises(NotFound):
        customer_unmask(actor=users["branch_b"], customer_id=customer_a.pk, reason="curious")
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_it_lets_branch_staff_unmask_their_own_clients(users, customer_a):
    assert customer_unmask(actor=users["branch_a"], customer_id=customer_a.pk).id_number == customer_a.id_number
    assert AuditEvent.objects.filter(action="pii.unmask", actor_id=users["branch_a"].pk).count() == 1


def test_it_keeps_only_200_characters_of_an_unmask_reason(users, customer_a):
    customer_unmask(actor=users["compliance"], customer_id=customer_a.pk, reason="原因" * 200)
    assert len(AuditEvent.objects.get(action="pii.unmask").details["reason"]) == 200


# --- notes and search edge cases ------------------------------------------------------------------------------


def test_it_adds_an_audited_note_and_refuses_an_empty_one(users, customer_a):
    note = customer_note_add(actor=users["agent"], customer_id=customer_a.pk, body="  客户来电咨询创业板开通  ")
    assert note.body == "客户来电咨询创业板开通"
    assert AuditEvent.objects.get(action="customer.note_add").after["note_id"] == note.pk
    with pytest.raises(ValidationFailed) as excinfo:
        customer_note_add(actor=users["agent"], customer_id=customer_a.pk, body="   ")
    assert set(excinfo.value.details) == {"body"}


def test_it_finds_a_customer_by_id_number_prefix_with_a_lowercase_x(users, org):
    id_number = next(n for i in range(1000) if (n := _resident_id(f"11010519900307{i:03d}")).endswith("X"))
    customer = make_customer(org["branch_a"], id_number=id_number)
    assert customer in customer_search(users["agent"], id_number.lower()).items
    assert customer in customer_search(users["agent"], id_number[:12]).items


@pytest.mark.parametrize("query", ["\U0010ffff", "张\U0010ffff", "\ud7ff", "a\ud7ff"])
def test_it_searches_with_prefixes_at_the_end_of_unicode_without_failing(users, customer_a, query):
    assert customer_search(users["agent"], query).items == []


def test_it_finds_a_landline_client_by_the_number_as_staff_write_it(users, org):
    customer = make_customer(org["branch_a"], phone="75583688888", total_assets=Decimal("1"))
    for typed in ("0755-83688888", "075583688888", "0755 8368", "+86 755 83688888"):
        assert customer in customer_search(users["agent"], typed).items, typed


def test_the_screen_pop_card_matches_the_card_of_the_orm_read(users, org, customer_a):
    from brokerdesk.customers.models import CustomerPhone

    customer_a.client_manager = users["manager_a"]
    customer_a.email = "li.wei@example.com"
    customer_a.save()
    CustomerPhone.objects.filter(customer=customer_a).update(is_primary=False)
    CustomerPhone.objects.create(customer=customer_a, number="13912345678", is_primary=True)
    shared = customer_a.phones.get(is_primary=False).number

    [popped] = customers_by_phone(users["agent"], shared)

    orm_read = customers_visible_to(users["agent"]).select_related("home_branch", "client_manager").get(
        pk=customer_a.pk)
    expected = customer_card(orm_read)
    expected.phones = ["139****5678", shared[:3] + "****" + shared[-4:]]  # primary first
    assert customer_card(popped) == expected
    assert popped.client_manager == users["manager_a"] and popped.home_branch == org["branch_a"]


def test_the_screen_pop_limit_counts_only_clients_the_actor_may_see(users, org):
    from tests.factories import make_customer

    others = [make_customer(org["branch_b"], phone="13600136000") for _ in range(5)]
    own = make_customer(org["branch_a"], phone="13600136000")

    assert customers_by_phone(users["branch_a"], "13600136000") == [own]
    assert customers_by_phone(users["agent"], "13600136000") == others
    assert customers_by_phone(users["agent"], "13600136000", limit=6) == [*others, own]


@pytest.mark.postgres_only
def test_the_screen_pop_runs_prepared_on_postgresql_and_answers_as_before(users, org):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    own = make_customer(org["branch_a"], phone="13600136001")
    other = make_customer(org["branch_b"], phone="13600136001")

    # psycopg prepares a statement on its fifth run on a connection; PostgreSQL switches to a generic plan
    # after five more. Every run must find the same clients, and the scoped and unscoped SQL stay apart.
    for _ in range(12):
        assert customers_by_phone(users["agent"], "13600136001") == [own, other]
        assert customers_by_phone(users["branch_a"], "13600136001") == [own]
        assert customers_by_phone(users["agent"], "13600136999") == []

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = {statement: runs for statement, runs in cursor.fetchall() if "customers_customerphone" in statement}
    assert len(prepared) == 2 and all(runs >= 12 - 5 for runs in prepared.values())  # run prepared since
