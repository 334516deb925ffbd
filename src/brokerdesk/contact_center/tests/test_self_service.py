"""Self-service balances: verified by account number and ID digits, three tries, audited."""

import pytest

from brokerdesk.contact_center.self_service import self_service_balances
from brokerdesk.contact_center.services.calls import call_offer
from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_call(floor):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime(2026, 11, 17, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    call_offer(call_ref="night", caller_number=floor["phone"], dialled_number="95500", ivr=["1"], at=at)
    return "night"


def test_it_reads_the_balances_after_verification_and_audits_it(night_call, customer_a):
    account = customer_a.capital_accounts.first().account_no
    result = self_service_balances(call_ref=night_call, account_no=account, id_last4=customer_a.id_number[-4:])
    assert result["total_assets"] == customer_a.assets.total_assets
    assert AuditEvent.objects.filter(action="pii.unmask", object_id=str(customer_a.pk)).exists()


def test_it_closes_self_service_after_three_failures(night_call, customer_a):
    account = customer_a.capital_accounts.first().account_no
    for _ in range(3):
        with pytest.raises(PermissionDenied) as failed:
            self_service_balances(call_ref=night_call, account_no=account, id_last4="0000")
        assert failed.value.code == "verification_failed"
    with pytest.raises(PermissionDenied) as closed:
        self_service_balances(call_ref=night_call, account_no=account, id_last4=customer_a.id_number[-4:])
    assert closed.value.code == "too_many_attempts"


def test_it_names_the_bad_field_and_hides_unknown_calls(night_call):
    with pytest.raises(ValidationFailed) as bad:
        self_service_balances(call_ref=night_call, account_no="12ab", id_last4="1")
    assert set(bad.value.details) == {"account_no", "id_last4"}
    with pytest.raises(NotFound):
        self_service_balances(call_ref="nope", account_no="123456789", id_last4="1234")


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_pbx_over_the_signed_api(live_server, night_call, customer_a):
    from brokerdesk.contact_center.tests.telephony_support import Pbx

    pbx = Pbx(live_server.url)
    body = {"call_ref": night_call, "account_no": customer_a.capital_accounts.first().account_no,
            "id_last4": customer_a.id_number[-4:]}
    answer = pbx.post("calls/self-service", body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total_assets"] == str(customer_a.assets.total_assets)
    refused = pbx.post("calls/self-service", {**body, "id_last4": "0000"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "verification_failed")
    unsigned = pbx.post("calls/self-service", body, secret="not-the-secret")
    assert unsigned.status_code == 401
