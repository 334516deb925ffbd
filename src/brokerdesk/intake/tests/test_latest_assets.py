"""Latest assets: each batch's asset snapshot copied into the narrow customers_customerassets table, the date
it is as of kept once (customers_customerassetsasof), and the cards showing both."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from brokerdesk.customers.models import Customer, CustomerAssets, CustomerAssetsAsOf
from brokerdesk.customers.presenters import customer_card
from brokerdesk.customers.selectors import customer_360, customer_get_for_actor, customer_search, customers_by_phone
from brokerdesk.intake.models import BatchStatus
from brokerdesk.intake.services import intake_run
from brokerdesk.intake.tests import batchkit

pytestmark = pytest.mark.django_db

D1 = batchkit.BUSINESS_DATE  # Monday
D2 = D1 + timedelta(days=1)
D0 = D1 - timedelta(days=3)  # the Friday before


@pytest.fixture(autouse=True)
def _isolated_dirs(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    settings.INTAKE_DIR = tmp_path / "intake"


def _snapshot(day: date, customer_no: str, total: str, cash: str) -> dict:
    return {"date": day, "customer_no": customer_no, "total_assets": Decimal(total), "cash": Decimal(cash),
            "market_value": Decimal(total) - Decimal(cash)}


def _apply(folder, rows, day, **options):
    [result] = intake_run(actor=None, path=batchkit.build_batch(folder, rows, business_date=day, **options))
    assert result.batch.status == BatchStatus.APPLIED, result.batch.message
    return result.batch


def _first_load(tmp_path):
    """D1: C0001 holds 125,000.50, C0002 is listed with zeros, C0003 is absent (holds nothing)."""
    return _apply(tmp_path / "d1", batchkit.sample_rows(), D1)


def _latest() -> dict[str, tuple]:
    return {a.customer.customer_no: (a.total_assets, a.cash_balance, a.market_value, a.changed_on)
            for a in CustomerAssets.objects.select_related("customer")}


def _daily(tmp_path, name: str, day: date, snapshots: list[dict], customers: list[dict] = ()):
    rows = {"asset_snapshots": snapshots}
    if customers:
        rows["customers"] = list(customers)
    return _apply(tmp_path / name, rows, day)


def _new_client(customer_no: str) -> dict:
    template = batchkit.sample_rows()["customers"][0]
    return {**template, "customer_no": customer_no, "name": "王五", "mobile": "13900001111",
            "id_number": batchkit.resident_id(sequence=77)}


def _as_of_dates(users) -> dict[str, date | None]:
    return {c.customer_no: customer_card(c).assets_as_of for c in customer_search(users["agent"], "").items}


def test_it_gives_every_client_of_a_first_load_its_latest_assets_in_the_narrow_table(tmp_path):
    batch = _first_load(tmp_path)

    zero = Decimal("0.00")
    assert _latest() == {
        "C0001": (Decimal("125000.50"), Decimal("25000.50"), Decimal("100000.00"), D1),
        "C0002": (zero, zero, zero, D1),
        "C0003": (zero, zero, zero, D1),  # absent from the snapshot: holds nothing
    }
    assert CustomerAssetsAsOf.objects.get().as_of == D1
    assert batch.changes["latest_assets"] == 3


def test_it_writes_only_the_clients_whose_assets_changed_and_zeroes_those_absent(tmp_path, users):
    _first_load(tmp_path)
    batch = _daily(tmp_path, "d2", D2, [
        _snapshot(D2, "C0001", "126000.00", "26000.00"),  # changed
        _snapshot(D2, "C0003", "5000.00", "5000.00"),  # had nothing, holds cash now
        _snapshot(D2, "C0009", "700.00", "700.00"),  # new client of this batch
    ], customers=[_new_client("C0009")])

    zero = Decimal("0.00")
    assert _latest() == {
        "C0001": (Decimal("126000.00"), Decimal("26000.00"), Decimal("100000.00"), D2),
        "C0002": (zero, zero, zero, D1),  # absent and already at zero: row left alone
        "C0003": (Decimal("5000.00"), Decimal("5000.00"), zero, D2),
        "C0009": (Decimal("700.00"), Decimal("700.00"), zero, D2),
    }
    assert batch.changes["latest_assets"] == 3
    assert CustomerAssetsAsOf.objects.get().as_of == D2
    # Every card says D2, the row left alone too: its zeros are D2's (absent from D2's snapshot).
    assert _as_of_dates(users) == {"C0001": D2, "C0002": D2, "C0003": D2, "C0009": D2}

    _daily(tmp_path, "d3", D2 + timedelta(days=1), [_snapshot(D2 + timedelta(days=1), "C0003", "5000.00", "5000.00")])

    assert _latest()["C0001"] == (zero, zero, zero, D2 + timedelta(days=1))  # absent now: zeroed
    assert _latest()["C0003"][3] == D2  # unchanged
    assert set(_as_of_dates(users).values()) == {D2 + timedelta(days=1)}


def test_it_leaves_newer_latest_assets_alone_when_an_older_batch_arrives(tmp_path, users):
    _first_load(tmp_path)
    before = _latest()

    batch = _daily(tmp_path, "d0", D0, [
        _snapshot(D0, "C0001", "1.00", "1.00"), _snapshot(D0, "C0003", "9.00", "9.00"),
        _snapshot(D0, "C0008", "8.00", "8.00"),
    ], customers=[_new_client("C0008")])

    assert batch.changes["latest_assets"] == 0
    assert _latest() == before
    assert CustomerAssetsAsOf.objects.get().as_of == D1
    # The client the older batch brings has no assets as of D1 yet: none shown, no date claimed.
    assert _as_of_dates(users) == {"C0001": D1, "C0002": D1, "C0003": D1, "C0008": None}
    late = customer_card(customer_get_for_actor(users["agent"], Customer.objects.get(customer_no="C0008").pk))
    assert late.total_assets == Decimal("0")

    _daily(tmp_path, "d2", D2, [_snapshot(D2, "C0008", "8.50", "8.50")])

    assert _latest()["C0008"] == (Decimal("8.50"), Decimal("8.50"), Decimal("0.00"), D2)
    assert set(_as_of_dates(users).values()) == {D2}


def test_it_changes_no_row_when_the_same_snapshot_is_applied_again(tmp_path):
    _first_load(tmp_path)
    rows = {"asset_snapshots": [_snapshot(D2, "C0001", "126000.00", "26000.00")]}
    _apply(tmp_path / "d2-csv", rows, D2)
    before = (_latest(), CustomerAssetsAsOf.objects.get().as_of)

    # The same rows as Parquet: another fingerprint, so the batch is applied again, and changes nothing.
    again = _apply(tmp_path / "d2-parquet", rows, D2, fmt="parquet")

    assert again.changes["latest_assets"] == 0
    assert (_latest(), CustomerAssetsAsOf.objects.get().as_of) == before


def test_it_zeroes_a_client_a_corrected_batch_of_the_same_date_leaves_out(tmp_path):
    _first_load(tmp_path)
    rows = batchkit.sample_rows()
    rows["asset_snapshots"] = [r for r in rows["asset_snapshots"] if r["customer_no"] != "C0001"]

    corrected = _apply(tmp_path / "d1-corrected", rows, D1)

    assert corrected.changes["latest_assets"] == 1
    zero = Decimal("0.00")
    assert _latest()["C0001"] == (zero, zero, zero, D1)


def test_it_shows_no_assets_for_a_client_created_after_the_last_snapshot_until_the_next_one(tmp_path, users, org):
    from tests.factories import make_customer

    _first_load(tmp_path)
    walk_in = make_customer(org["branch_a"], assets_as_of=None, phone="13700001234")

    card = customer_card(customer_get_for_actor(users["agent"], walk_in.pk))
    assert (card.total_assets, card.assets_as_of) == (Decimal("0"), None)

    _daily(tmp_path, "d2", D2, [_snapshot(D2, "C0001", "125000.50", "25000.50")])

    assert CustomerAssets.objects.get(customer=walk_in).changed_on == D2
    [popped] = customers_by_phone(users["agent"], "13700001234")
    assert (customer_card(popped).total_assets, customer_card(popped).assets_as_of) == (Decimal("0"), D2)


def test_it_shows_the_newest_snapshot_date_on_the_cards_the_360_and_the_api(tmp_path, users, login, token_client):
    _first_load(tmp_path)
    _daily(tmp_path, "d2", D2, [_snapshot(D2, "C0003", "5000.00", "5000.00")])  # C0001 zeroed, C0002 untouched
    c1, c2 = Customer.objects.get(customer_no="C0001"), Customer.objects.get(customer_no="C0002")
    assert CustomerAssets.objects.get(customer=c2).changed_on == D1

    [popped] = customers_by_phone(users["agent"], "75582345678")
    orm_read = customer_get_for_actor(users["agent"], c2.pk)
    assert customer_card(popped) == customer_card(orm_read)
    assert customer_card(popped).assets_as_of == D2

    view = customer_360(users["agent"], c2.pk)
    assert view["card"].assets_as_of == D2
    assert view["latest_assets"].as_of == D2

    api = token_client(users["agent"]).get(f"/api/v1/customers/{c2.pk}").json()
    assert (api["card"]["total_assets"], api["card"]["assets_as_of"]) == ("0.00", D2.isoformat())

    page = login(users["agent"]).get(f"/customers/{c1.pk}/").content.decode()
    assert f"截至 {D2.isoformat()}" in page  # "as of"
    assert page.count("¥0.00") == 3  # total, cash and market value: zeroed by D2's snapshot
    c3 = Customer.objects.get(customer_no="C0003")
    page = login(users["agent"]).get(f"/customers/{c3.pk}/").content.decode()
    assert page.count("¥5,000.00") == 2 and page.count("¥0.00") == 1  # total and cash; no market value
