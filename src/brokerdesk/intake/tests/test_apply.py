"""Applying batches end to end: validate, merge into the DB, publish the lake, latest snapshots, history."""

import glob
from decimal import Decimal

import duckdb
import pytest
from django.core.management import call_command

from brokerdesk.analytics.engine import lake as lake_reader
from brokerdesk.core.lake import current_files, latest_files
from brokerdesk.core.models import AuditEvent, LakePartition
from brokerdesk.customers.models import CapitalAccount, Customer, CustomerPhone, Security
from brokerdesk.intake.models import BatchStatus, IntakeBatch
from brokerdesk.intake.services import intake_run
from brokerdesk.intake.tests import batchkit
from brokerdesk.org.models import Branch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_dirs(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    settings.INTAKE_DIR = tmp_path / "intake"


def _rows(files: list[str]) -> int:
    return duckdb.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0]


def _run(path):
    return intake_run(actor=None, path=path)


def test_it_applies_a_valid_batch_to_the_database_and_the_lake(tmp_path):
    rows = batchkit.sample_rows()
    results = _run(batchkit.build_batch(tmp_path / "b1", rows))
    batch = results[0].batch
    assert batch.status == BatchStatus.APPLIED, batch.message
    assert Branch.objects.get(code="BA01").parent.code == "BC01"
    assert Security.objects.count() == len(rows["securities"])
    assert Customer.objects.count() == len(rows["customers"])
    customer = Customer.objects.get(customer_no=rows["customers"][0]["customer_no"])
    assert customer.birth_date is not None and customer.gender in ("M", "F")
    assert CustomerPhone.objects.filter(customer=customer).exists()
    assert CapitalAccount.objects.filter(customer=customer).exists()
    snapshot = next(r for r in rows["asset_snapshots"] if r["customer_no"] == customer.customer_no)
    assert customer.assets.total_assets == Decimal(str(snapshot["total_assets"]))
    assert customer.assets.changed_on == batchkit.BUSINESS_DATE
    assessed = max((r for r in rows["risk_assessments"] if r["customer_no"] == customer.customer_no),
                   key=lambda r: r["assessed_on"])
    assert (customer.risk_level, customer.risk_assessed_on) == (assessed["risk_level"], assessed["assessed_on"])
    held = [p for p in rows["positions"] if p["customer_no"] == customer.customer_no]
    assert _rows(latest_files("positions")) == len(rows["positions"])
    assert len(lake_reader.positions(latest_files("positions"), customer.customer_no)) == len(held)
    files = current_files("trades")
    assert files and _rows(files) == len(rows["trades"])
    assert AuditEvent.objects.filter(action="intake.apply", object_id=str(batch.pk)).exists()


def test_it_changes_nothing_when_the_same_batch_comes_twice(tmp_path):
    folder = batchkit.build_batch(tmp_path / "b1", batchkit.sample_rows())
    _run(folder)
    before = (list(Customer.objects.values()), list(LakePartition.objects.values("entity", "date", "path")))
    second = _run(folder)[0].batch
    assert second.status == BatchStatus.UNCHANGED
    assert (list(Customer.objects.values()), list(LakePartition.objects.values("entity", "date", "path"))) == before


def test_it_replaces_a_dates_facts_with_a_corrected_batch(tmp_path):
    rows = batchkit.sample_rows()
    _run(batchkit.build_batch(tmp_path / "b1", rows))
    old_files = current_files("trades")
    rows["trades"] = rows["trades"][:1]
    assert _run(batchkit.build_batch(tmp_path / "b2", rows))[0].batch.status == BatchStatus.APPLIED
    new_files = current_files("trades")
    assert new_files != old_files
    assert _rows(new_files) == 1
    # The replaced version is gone from disk.
    assert not any(glob.glob(f) for f in old_files)


def test_it_rejects_a_bad_batch_and_applies_nothing(tmp_path):
    rows = batchkit.sample_rows()
    rows["customers"][0]["branch_code"] = "NOPE"
    with pytest.raises(SystemExit) as exit_info:
        call_command("intake", str(batchkit.build_batch(tmp_path / "bad", rows)))
    assert exit_info.value.code == 2
    batch = IntakeBatch.objects.get()
    assert batch.status == BatchStatus.REJECTED and batch.error_total >= 1
    assert Customer.objects.count() == 0 and LakePartition.objects.count() == 0
    assert (tmp_path / "intake" / "reports").exists()
    assert batch.report_path and any(e["field"] == "branch_code" for e in batch.errors_sample)


def test_it_lists_batches_in_the_history_api_and_page(tmp_path, users, token_client, login):
    _run(batchkit.build_batch(tmp_path / "b1", batchkit.sample_rows()))
    batch = IntakeBatch.objects.get()
    api = token_client(users["reviewer"]).get("/api/v1/intake/batches").json()
    assert api["count"] == 1 and api["items"][0]["status"] == "applied"
    assert login(users["reviewer"]).get(f"/intake/{batch.pk}/").status_code == 200
    assert login(users["branch_b"]).get(f"/intake/{batch.pk}/").status_code in (403, 404)


def test_it_rejects_a_value_longer_than_the_database_holds_before_applying(tmp_path):
    rows = batchkit.sample_rows()
    rows["customers"][0]["name"] = "张" * 121  # customers_customer.name holds 120
    batch = _run(batchkit.build_batch(tmp_path / "long", rows))[0].batch
    assert batch.status == BatchStatus.REJECTED
    assert [e["field"] for e in batch.errors_sample] == ["name"]
    assert "longer than 120" in batch.errors_sample[0]["reason"]
    assert Customer.objects.count() == 0


def test_the_customer_360_shows_the_latest_positions_from_the_lake(tmp_path, users):
    from brokerdesk.customers.selectors import customer_360

    rows = batchkit.sample_rows()
    _run(batchkit.build_batch(tmp_path / "b1", rows))
    customer = Customer.objects.get(customer_no=rows["positions"][0]["customer_no"])
    held = sorted((p for p in rows["positions"] if p["customer_no"] == customer.customer_no),
                  key=lambda p: -p["market_value"])
    names = dict(Security.objects.values_list("security_code", "name"))

    view = customer_360(users["agent"], customer.pk)

    assert [(h["security_code"], h["quantity"], h["security_name"]) for h in view["holdings"]] == [
        (p["security_code"], p["quantity"], names[p["security_code"]]) for p in held]
    assert {h["as_of"] for h in view["holdings"]} == {batchkit.BUSINESS_DATE}
