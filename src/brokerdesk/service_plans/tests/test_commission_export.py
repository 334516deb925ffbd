"""The outbound commission change file: each change once, in exactly one flagged file, and recoverable."""

import csv
import hashlib

import pytest
from django.core.management import call_command

from brokerdesk.service_plans.models import CommissionChange, CommissionExport
from brokerdesk.service_plans.services import commission_export
from brokerdesk.service_plans.services.commission_export import commission_changes_export, flag_path
from brokerdesk.service_plans.services.subscriptions import SubscriptionRequest, subscription_request
from brokerdesk.service_plans.tests.support import put_in_tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbound(settings, tmp_path):
    settings.COMMISSION_EXPORT_DIR = tmp_path / "outbound"
    return settings.COMMISSION_EXPORT_DIR


def subscribe(actor, customer, code="gold"):
    put_in_tier(customer, "gold")
    return subscription_request(actor=actor, customer_id=customer.pk,
                                data=SubscriptionRequest(package_code=code, channel="phone"))


def test_it_writes_each_change_once_into_a_flagged_file(users, customer_a, outbound,
                                                        django_capture_on_commit_callbacks):
    subscribe(users["agent"], customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        export = commission_changes_export(actor=users["reviewer"])
    data_file = outbound / export.file_name
    body = data_file.read_bytes()
    rows = list(csv.DictReader(body.decode("utf-8").splitlines()))
    assert rows == [{"record_no": "1", "change_id": str(CommissionChange.objects.get().pk),
                     "customer_no": customer_a.customer_no,
                     "capital_account": customer_a.capital_accounts.first().account_no,
                     "old_rate_permille": "0.2500", "new_rate_permille": "0.2000",
                     "effective_on": CommissionChange.objects.get().effective_on.isoformat(), "package_code": "gold",
                     "subscription_id": str(CommissionChange.objects.get().subscription_id)}]
    flag = flag_path(data_file).read_text(encoding="utf-8")
    assert f"rows=1\nsha256={hashlib.sha256(body).hexdigest()}" in flag
    with django_capture_on_commit_callbacks(execute=True):
        assert commission_changes_export(actor=users["reviewer"]) is None  # nothing new
    assert len(list(outbound.glob("*.csv"))) == 1


def test_it_removes_the_file_when_recording_fails(users, customer_a, outbound, monkeypatch):
    subscribe(users["agent"], customer_a)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(commission_export, "audit_record", broken)
    with pytest.raises(RuntimeError):
        commission_changes_export(actor=users["reviewer"])
    assert list(outbound.iterdir()) == []
    assert CommissionChange.objects.filter(export__isnull=True).count() == 1
    assert not CommissionExport.objects.exists()


def test_it_flags_a_recorded_file_left_unflagged_by_a_crash(users, customer_a, outbound):
    subscribe(users["agent"], customer_a)
    export = commission_changes_export(actor=users["reviewer"])  # the on-commit flag never ran: a crash
    data_file = outbound / export.file_name
    assert not flag_path(data_file).exists()
    assert commission_export.flags_repair() == 1
    assert flag_path(data_file).exists()


def test_it_refuses_staff_without_the_permission(users, outbound):
    from brokerdesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        commission_changes_export(actor=users["agent"])


def test_it_runs_as_a_command(users, customer_a, outbound, capsys):
    subscribe(users["agent"], customer_a)
    call_command("commission_export")
    assert "1 changes" in capsys.readouterr().out
