"""Schemathesis over the whole /api/v1 OpenAPI schema, in process: no 5xx, every answer as documented.

The schema is read from the application itself (/api/v1/openapi.json through the WSGI app), so what is
tested is what integrators download. Requests carry a reviewer's bearer token holding every scope; each
operation gets a bounded, deterministic set of generated requests (EXAMPLES_PER_OPERATION, derandomized).

Two passes:
- every operation, with schema-valid and schema-invalid requests exactly as schemathesis generates them;
- the customer operations again, schema-valid requests only, steered onto real data. Random data alone
  only ever meets the validation errors (a random resident ID has a wrong check digit, a random id names
  no customer), so _steer puts in ids of existing customers, callers' real numbers in several formats,
  and create bodies whose identity fields are valid while names, addresses, emails, dates and scores
  stay as generated. That drives arbitrary text through storage, masking and the 360.
"""

import itertools
import random
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from stdnum.iso7064 import mod_11_2

from brokerdesk.wsgi import application

# Every operation, with schema-valid and schema-invalid requests (all generation modes, the default).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The customer operations again, schema-valid requests only, steered onto real customers (see _steer).
real_data_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/customers"
)
real_data_schema.config.generation.update(modes=[GenerationMode.POSITIVE])

CHECKS = [
    not_a_server_error,  # no 5xx, whatever is sent
    status_code_conformance,  # only documented status codes
    content_type_conformance,  # JSON where JSON is documented (errors included)
    response_schema_conformance,  # bodies match the documented schemas
    negative_data_rejection,  # schema-invalid requests are refused with a 4xx
]
EXAMPLES_PER_OPERATION = 25
# Fixtures are per test (one database transaction for all of an operation's examples), and requests are
# real round trips through Django: neither is a problem here.
HEALTH_CHECKS_OFF = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]


@pytest.fixture
def _requests_share_the_test_transaction():
    """Let in-process WSGI requests run inside the test's transaction, as django.test.Client does.

    Django's handler closes "old" database connections when a request starts and ends; inside the
    test's transaction that would close the very connection the test and its rollback run on.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api(db, _requests_share_the_test_transaction, users, customer_a, customer_b):
    """A reviewer's bearer token with every scope, and the customers the steered requests use."""
    from brokerdesk.org.tokens import token_create

    _, raw = token_create(actor=None, user=users["reviewer"], name="schemathesis",
                          scopes=["customers:read", "customers:write", "pii:unmask"])
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "customer_ids": [customer_a.pk, customer_b.pk],
        "phones": [customer_a.phones.first().number, customer_b.phones.first().number],
        "serial": itertools.count(1),
    }


def _phone_formats(number: str) -> list[str]:
    return [number, f"+86 {number[:3]}-{number[3:7]}-{number[7:]}", f"0086{number}", f"+86{number}"]


def _valid_identity(serial: int) -> dict:
    """Fields the service checks against the world (check digits, branches, uniqueness), made valid."""
    rng = random.Random(serial)
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    id_body = f"{rng.choice(['110105', '310104', '440305'])}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return {
        "customer_no": f"S{serial:08d}",
        "id_type": "resident_id",
        "id_number": id_body + mod_11_2.calc_check_digit(id_body),
        "home_branch": rng.choice(["BA01", "BB01"]),
        "kind": rng.choice(["person", "corporate"]),
        "client_class": rng.choice(["mass", "hnw"]),
        "investor_category": rng.choice(["ordinary", "professional"]),
        "risk_level": rng.choice(["", "C1", "C3", "C5"]),
        "client_manager": "",
        "phones": [f"139{serial:08d}"],
        "capital_accounts": [f"77{serial:010d}"],
        "shareholder_accounts": [{"market": "SZ", "account_no": f"0{serial:09d}"}],
    }


def _steer(case, api) -> None:
    """Point a generated (schema-valid) request at real data; everything else stays as generated."""
    serial = next(api["serial"])
    if "customer_id" in (case.path_parameters or {}):
        case.path_parameters["customer_id"] = api["customer_ids"][serial % len(api["customer_ids"])]
    if case.path.endswith("/lookup"):
        number = api["phones"][serial % len(api["phones"])]
        case.query["phone"] = _phone_formats(number)[serial // 2 % 4]
    if case.method == "POST" and case.path == "/api/v1/customers":
        case.body.update(_valid_identity(serial))
        if not case.body["name"].strip():
            case.body["name"] = "测试客户"


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
          suppress_health_check=HEALTH_CHECKS_OFF)
def test_it_answers_every_operation_as_documented(case, api):
    case.call_and_validate(headers=api["headers"], checks=CHECKS)


@real_data_schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
          suppress_health_check=HEALTH_CHECKS_OFF)
def test_it_answers_requests_about_real_customers_as_documented(case, api):
    _steer(case, api)
    response = case.call_and_validate(headers=api["headers"], checks=CHECKS)
    if case.method == "POST" and case.path == "/api/v1/customers" and response.status_code == 201:
        card = response.json()  # whatever text went in, what comes back is the masked card
        assert card["masked"] is True
        assert card["id_number"] != case.body["id_number"]
