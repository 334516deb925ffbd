"""The synthetic brokerage generator writes exactly the intake contract, deterministically (no database)."""

import csv
import hashlib
import io
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from stdnum.cn import uscc

from brokerdesk.core.calendar import is_trading_day
from brokerdesk.customers.identity import normalize_phone, validate_identity
from brokerdesk.intake.contract import APPLY_ORDER, ENTITY_BY_NAME, FACT, MANIFEST, Manifest, ManifestFile
from brokerdesk.synth.generator import columns as col
from brokerdesk.synth.generator import generate
from brokerdesk.synth.generator.docs import render

CUSTOMERS, DAYS, SEED = 2000, 30, 11
BACKFILL_DIR, DAILY_DIR = "2026-11-19-backfill", "2026-11-20-daily"
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synth")
    generate(path, customers=CUSTOMERS, days=DAYS, seed=SEED)
    return path


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _tables(folder: Path) -> dict[str, pa.Table]:
    return {f["entity"]: pq.read_table(folder / f["path"]) for f in _manifest(folder)["files"]}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_it_writes_byte_identical_batches_for_the_same_seed(out, tmp_path):
    generate(tmp_path / "again", customers=CUSTOMERS, days=DAYS, seed=SEED)
    generate(tmp_path / "other", customers=CUSTOMERS, days=DAYS, seed=SEED + 1)

    for batch in (BACKFILL_DIR, DAILY_DIR):
        first, again = _files(out / batch), _files(tmp_path / "again" / batch)
        assert list(first) == list(again)
        for name in first:
            assert first[name] == again[name], f"{batch}/{name} differs between two runs with the same seed"
    other = _files(tmp_path / "other" / BACKFILL_DIR)
    assert other["trades.parquet"] != _files(out / BACKFILL_DIR)["trades.parquet"]
    assert other["customers.parquet"] != _files(out / BACKFILL_DIR)["customers.parquet"]


def test_it_writes_manifests_that_match_the_contract_and_the_files(out):
    backfill, daily = _manifest(out / BACKFILL_DIR), _manifest(out / DAILY_DIR)

    assert (backfill["kind"], backfill["business_date"], backfill["customers_mode"]) == \
        ("backfill", "2026-11-19", "full")
    assert is_trading_day(date.fromisoformat(backfill["start_date"]))
    assert (daily["kind"], daily["business_date"], daily["customers_mode"]) == ("daily", "2026-11-20", "delta")
    assert [f["entity"] for f in backfill["files"]] == APPLY_ORDER
    for folder, data in ((out / BACKFILL_DIR, backfill), (out / DAILY_DIR, daily)):
        files = tuple(ManifestFile(**f) for f in data["files"])
        Manifest(**{**data, "files": files})  # every field is a contract field
        order = [f.entity for f in files]
        assert order == [e for e in APPLY_ORDER if e in order]
        for f in files:
            path = folder / f.path
            assert f.path == f"{f.entity}.parquet" and f.format == "parquet"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256
            assert pq.ParquetFile(path).metadata.num_rows == f.rows
            assert f.rows > 0


def test_it_writes_every_column_with_the_contract_type(out):
    for folder in (out / BACKFILL_DIR, out / DAILY_DIR):
        for name, table in _tables(folder).items():
            entity = ENTITY_BY_NAME[name]
            assert table.schema == col.read_schema(entity), name
            for column in entity.columns:
                values = table[column.name]
                if column.required:
                    assert values.null_count == 0, f"{name}.{column.name}"
                if column.choices:
                    present = set(pc.unique(values.drop_null()).to_pylist())
                    assert present <= set(column.choices), f"{name}.{column.name}: {present}"


def test_it_keeps_keys_unique(out):
    for folder in (out / BACKFILL_DIR, out / DAILY_DIR):
        for name, table in _tables(folder).items():
            key = ENTITY_BY_NAME[name].key
            groups = table.group_by(list(key)).aggregate([])
            assert groups.num_rows == table.num_rows, f"{name}: duplicate {key}"
            for columns in ENTITY_BY_NAME[name].unique:
                groups = table.group_by(list(columns)).aggregate([])
                assert groups.num_rows == table.num_rows, f"{name}: duplicate {columns}"


def test_it_gives_product_clients_distinct_filing_codes_at_millions_of_clients():
    import numpy as np

    from brokerdesk.synth.generator.identities import amac_codes

    codes = amac_codes(np.arange(0, 5_000_000, 3))  # the serials of a 5-million-client brokerage, thinned
    assert len(np.unique(codes, axis=0)) == len(codes)


def test_it_dates_facts_on_trading_days_inside_the_batch(out):
    backfill = _manifest(out / BACKFILL_DIR)
    start, end = date.fromisoformat(backfill["start_date"]), date.fromisoformat(backfill["business_date"])
    for folder, low, high in ((out / BACKFILL_DIR, start, end),
                              (out / DAILY_DIR, date(2026, 11, 20), date(2026, 11, 20))):
        for name, table in _tables(folder).items():
            entity = ENTITY_BY_NAME[name]
            if entity.role != FACT:
                continue
            days = pc.unique(table[entity.date_column]).to_pylist()
            assert days, name
            assert all(is_trading_day(d) and low <= d <= high for d in days), name
    snapshot_days = pc.unique(_tables(out / BACKFILL_DIR)["asset_snapshots"]["date"]).to_pylist()
    assert len(snapshot_days) >= 20  # the last 20 trading days, plus month-ends inside the window
    assert pc.unique(_tables(out / BACKFILL_DIR)["positions"]["date"]).to_pylist() == [end]


def test_it_resolves_every_reference(out):
    backfill, daily = _tables(out / BACKFILL_DIR), _tables(out / DAILY_DIR)
    customers = pa.concat_arrays([backfill["customers"]["customer_no"].combine_chunks(),
                                  daily["customers"]["customer_no"].combine_chunks()])
    securities = pc.binary_join_element_wise(backfill["securities"]["market"],
                                             backfill["securities"]["security_code"], ":")
    for tables in (backfill, daily):
        for name, table in tables.items():
            for column in ENTITY_BY_NAME[name].columns:
                if not column.references:
                    continue
                target, field = column.references.split(".")
                if target == "customers":
                    known = customers
                elif target == "securities":  # a security is (market, code)
                    values = pc.binary_join_element_wise(table["market"], table["security_code"], ":")
                    assert pc.all(pc.is_in(values, value_set=securities)).as_py(), f"{name}.{column.name}"
                    continue
                else:
                    known = backfill[target][field].combine_chunks()
                values = table[column.name].drop_null()
                assert pc.all(pc.is_in(values, value_set=known)).as_py() in (True, None), f"{name}.{column.name}"


def test_it_generates_valid_identities_and_unique_mobiles(out):
    customers = _tables(out / BACKFILL_DIR)["customers"]
    kinds = customers["id_type"].to_pylist()
    numbers = customers["id_number"].to_pylist()
    resident = [n for k, n in zip(kinds, numbers, strict=True) if k == "resident_id"]
    for number in resident[:: max(1, len(resident) // 500)]:
        validate_identity("resident_id", number)
    for kind, number in zip(kinds, numbers, strict=True):
        if kind == "uscc":
            uscc.validate(number)
        elif kind != "resident_id":
            validate_identity(kind, number)
    assert len(set(numbers)) == len(numbers)
    mobiles = customers["mobile"].drop_null().to_pylist()
    assert len(mobiles) > 0.9 * CUSTOMERS
    assert all(MOBILE.match(m) for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)
    for phone in customers["phone"].drop_null().to_pylist()[:200]:
        normalize_phone(phone)


def test_it_keeps_assets_consistent(out):
    for folder, day in ((out / BACKFILL_DIR, date(2026, 11, 19)), (out / DAILY_DIR, date(2026, 11, 20))):
        tables = _tables(folder)
        snapshots = tables["asset_snapshots"]
        total = snapshots["total_assets"].cast(pa.decimal128(20, 2))
        cash = snapshots["cash"].cast(pa.decimal128(20, 2))
        market_value = snapshots["market_value"].cast(pa.decimal128(20, 2))
        assert pc.all(pc.equal(total, pc.add(cash, market_value))).as_py()
        assert pc.all(pc.greater(total, 0)).as_py()
        # On a positions day, the snapshot's market value is the sum of the positions' values.
        day_snapshots = snapshots.filter(pc.equal(snapshots["date"], day))
        positions = tables["positions"].group_by("customer_no").aggregate([("market_value", "sum")])
        held = dict(zip(positions["customer_no"].to_pylist(), positions["market_value_sum"].to_pylist(),
                        strict=True))
        for customer_no, value in zip(day_snapshots["customer_no"].to_pylist(),
                                      day_snapshots["market_value"].to_pylist(), strict=True):
            assert held.get(customer_no, 0) == value


def test_it_trades_only_for_open_clients(out):
    tables = _tables(out / BACKFILL_DIR)
    customers = tables["customers"]
    opened = dict(zip(customers["customer_no"].to_pylist(), customers["opened_on"].to_pylist(), strict=True))
    closed = dict(zip(customers["customer_no"].to_pylist(), customers["closed_on"].to_pylist(), strict=True))
    trades = tables["trades"]
    for customer_no, day in zip(trades["customer_no"].to_pylist(), trades["date"].to_pylist(), strict=True):
        assert opened[customer_no] <= day
        assert closed[customer_no] is None or day < closed[customer_no]
    status = customers["status"].to_numpy(zero_copy_only=False)
    traders = set(trades["customer_no"].to_pylist())
    dormant = [c for c, s in zip(customers["customer_no"].to_pylist(), status, strict=True) if s == "dormant"]
    assert 0.04 < len(dormant) / CUSTOMERS < 0.12
    assert not traders & set(dormant)
    assert np.mean(trades["amount"].cast(pa.float64()).to_numpy() > 0) == 1


def test_it_writes_gbk_csv_that_decodes(tmp_path):
    result = generate(tmp_path, customers=300, days=5, seed=3, fmt="csv", encoding="gbk")

    for batch in result.batches:
        manifest = _manifest(batch.folder)
        assert manifest["encoding"] == "gbk"
        for f in manifest["files"]:
            raw = (batch.folder / f["path"]).read_bytes()
            assert hashlib.sha256(raw).hexdigest() == f["sha256"]
            text = raw.decode("gbk")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert rows[0] == ENTITY_BY_NAME[f["entity"]].column_names
            assert len(rows) - 1 == f["rows"]
            assert "\r\n" in text
    customers = (result.batches[0].folder / "customers.csv").read_bytes().decode("gbk")
    assert re.search(r'"[\u4e00-\u9fff]{2,4}"', customers)  # Chinese names survive the round trip
    trades = (result.batches[0].folder / "trades.csv").read_bytes().decode("gbk").splitlines()
    assert re.fullmatch(r'\d{4}-\d\d-\d\d,"T\d{17}",\d\d:\d\d:\d\d,"\d{10}","(SH|SZ|BJ)","\d{6}","[BS]",'
                        r'\d+,\d+\.\d{4},\d+\.\d{2},\d+\.\d{2}', trades[1])


def test_it_passes_intake_validation(out, tmp_path):
    from brokerdesk.intake.validate import KnownKeys, validate_batch

    backfill = out / BACKFILL_DIR
    known = KnownKeys(centers=backfill / "centers.parquet", branches=backfill / "branches.parquet",
                      securities=backfill / "securities.parquet", customers=backfill / "customers.parquet")
    for folder, keys in ((backfill, KnownKeys()), (out / DAILY_DIR, known)):
        result = validate_batch(folder, tmp_path / folder.name, keys)
        assert result.ok, (folder.name, result.error_counts, result.errors[:5])


def test_it_uses_only_gbk_encodable_chinese():
    from brokerdesk.synth.generator import geography, identities, markets, org, population

    words = [*identities.GIVEN, *identities.SURNAME_LIST, *identities.BRAND_HEADS, *identities.INDUSTRIES,
             *identities.CORPORATE_SUFFIXES, *identities.INSTITUTION_SUFFIXES, *identities.PRODUCT_STYLES,
             *markets.NAME_HEADS, *markets.NAME_TAILS, *(name for name, _ in markets.FUND_INDEXES),
             *markets.FUND_HOUSES, *population.BANKS, *geography.ROADS, org.CLOSED_OFFICE,
             *(p.full for p in geography.PROVINCES), *(c.name + "".join(c.offices) for c in geography.CITIES),
             "号私募证券投资基金号集合资产管理计划栋室分公司营业部客服分中心总部客服中心国债转债"]
    "".join(words).encode("gbk")


def test_it_closes_exactly_the_closed_clients(out):
    customers = _tables(out / BACKFILL_DIR)["customers"]
    for status, closed_on in zip(customers["status"].to_pylist(), customers["closed_on"].to_pylist(), strict=True):
        assert (status == "closed") == (closed_on is not None)


def test_it_keeps_docs_data_formats_up_to_date_with_the_contract():
    path = Path(__file__).resolve().parents[4] / "docs" / "data-formats.md"
    assert path.read_text(encoding="utf-8") == render(), (
        "docs/data-formats.md is stale: python -m brokerdesk.synth.generator.docs --write docs/data-formats.md")
