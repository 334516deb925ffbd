"""Batch validation beyond the corpus: manifest rules, SQL check digits against python-stdnum, phones, row
numbers in files read in parallel, the error cap, the staged schema, the report. No database."""

import csv
import dataclasses
import json
import random
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from stdnum import numdb
from stdnum.cn import ric, uscc

from brokerdesk.customers.identity import InvalidValue, validate_identity
from brokerdesk.intake import contract, sqlchecks, staging, validate
from brokerdesk.intake.manifest import discover_batches
from brokerdesk.intake.tests.batchkit import (
    BUSINESS_DATE,
    build_batch,
    credit_code,
    read_manifest_json,
    refresh_manifest,
    resident_id,
    sample_rows,
    write_known_keys,
    write_manifest_json,
    write_parquet,
)
from brokerdesk.intake.validate import KnownKeys, validate_batch, write_error_report


def run(batch, tmp_path, known=None):
    return validate_batch(batch, tmp_path / "staging", known or KnownKeys())


def triples(result):
    return [(e.file, e.row, e.field, e.reason) for e in result.errors]


def edit_manifest(batch, change):
    data = read_manifest_json(batch)
    change(data)
    write_manifest_json(batch, data)


# --- manifest ------------------------------------------------------------------------------------------------

def test_it_rejects_a_batch_without_manifest(tmp_path):
    batch = build_batch(tmp_path / "b")
    (batch / "manifest.json").unlink()

    result = run(batch, tmp_path)

    assert result.manifest.business_date == ""
    assert triples(result) == [("manifest.json", None, "", f"manifest.json is missing from the batch folder {batch}")]


def test_it_rejects_a_manifest_that_is_not_json(tmp_path):
    batch = build_batch(tmp_path / "b")
    (batch / "manifest.json").write_text('{"business_date": ', encoding="utf-8")

    assert triples(run(batch, tmp_path)) == [
        ("manifest.json", None, "", "manifest.json is not valid JSON: Expecting value (line 1, column 19)"),
    ]


def test_it_rejects_manifest_fields_one_by_one(tmp_path):
    batch = build_batch(tmp_path / "b")
    (batch / "notes.csv").write_text("x\n", encoding="utf-8")

    def change(data):
        data["format_version"] = 2
        data["business_date"] = "2025-06-28"  # a Saturday
        data["encoding"] = "latin-1"
        data["customers_mode"] = "some"
        files = data["files"]
        files[0]["path"] = "../centers.csv"
        files[1]["entity"] = "orders"
        files[2]["rows"] = -1
        files[3]["sha256"] = "abc"
        files[4]["format"] = "parquet"
        files[5]["path"] = "gone.csv"

    edit_manifest(batch, change)

    manifest_errors = [e for e in triples(run(batch, tmp_path)) if e[0] == "manifest.json"]
    assert manifest_errors == [
        ("manifest.json", None, "business_date",
         "business_date is not a trading day: 2025-06-28 is a Saturday"),
        ("manifest.json", None, "customers_mode", "customers_mode must be full or delta"),
        ("manifest.json", None, "encoding", "encoding must be utf-8 or gbk"),
        ("manifest.json", None, "files", "data file centers.csv is in the batch folder but not in the manifest"),
        ("manifest.json", None, "files", "data file notes.csv is in the batch folder but not in the manifest"),
        ("manifest.json", None, "files",
         "data file risk_assessments.csv is in the batch folder but not in the manifest"),
        ("manifest.json", None, "files[1].path",
         "path must be the name of a file inside the batch folder (no folders, no ..)"),
        ("manifest.json", None, "files[2].entity",
         "unknown entity; the contract knows: " + ", ".join(contract.APPLY_ORDER)),
        ("manifest.json", None, "files[3].rows", "rows must be a whole number >= 0"),
        ("manifest.json", None, "files[4].sha256", "sha256 must be 64 hexadecimal characters"),
        ("manifest.json", None, "files[5].path", "format is parquet but the file name does not end in .parquet"),
        ("manifest.json", None, "files[6].path", "file listed in the manifest is missing from the batch folder"),
        ("manifest.json", None, "format_version", "format_version must be 1"),
    ]


def test_it_refuses_a_file_that_links_outside_the_batch_folder(tmp_path):
    batch = build_batch(tmp_path / "b")
    outside = tmp_path / "elsewhere.csv"
    (batch / "trades.csv").rename(outside)
    (batch / "trades.csv").symlink_to(outside)

    assert [e for e in triples(run(batch, tmp_path)) if e[0] == "manifest.json"] == [
        ("manifest.json", None, "files[10].path", "path leads outside the batch folder (a symbolic link)"),
    ]


def test_it_requires_a_start_date_for_a_backfill(tmp_path):
    batch = build_batch(tmp_path / "b", kind=contract.BACKFILL)

    assert triples(run(batch, tmp_path)) == [
        ("manifest.json", None, "start_date", "a backfill needs start_date, an ISO date (YYYY-MM-DD)"),
    ]


def test_it_refuses_an_unknown_kind_before_reading_files(tmp_path):
    batch = build_batch(tmp_path / "b")
    edit_manifest(batch, lambda data: data.update(kind="weekly"))

    result = run(batch, tmp_path)

    assert triples(result) == [("manifest.json", None, "kind", "kind must be one of: daily, backfill")]
    assert result.row_counts == {}


def test_it_orders_a_folder_of_batches_by_business_date(tmp_path):
    build_batch(tmp_path / "z-first", business_date=date(2025, 6, 27))
    build_batch(tmp_path / "a-second", business_date=date(2025, 6, 30))
    (tmp_path / "empty").mkdir()

    assert [p.name for p in discover_batches(tmp_path)] == ["z-first", "a-second"]
    assert discover_batches(tmp_path / "a-second") == [tmp_path / "a-second"]


# --- check digits in SQL agree with python-stdnum ----------------------------------------------------------

def _sql_reasons(expression_of, values):
    con = duckdb.connect()
    con.register("regions", pa.table({"code": pa.array(sqlchecks.region_codes(), pa.string())}))
    con.register("ids", pa.table({"x": pa.array(values, pa.string())}))
    return [row[0] for row in con.execute(f"SELECT {expression_of('x')} FROM ids").fetchall()]  # noqa: S608


def _mutations(rng, number):
    yield number
    position = rng.randrange(18)
    yield number[:position] + rng.choice("0123456789X") + number[position + 1:]
    yield number[:-1]
    yield number[:6] + "19991332" + number[14:]


def test_it_computes_resident_id_check_characters_in_sql_like_stdnum():
    rng = random.Random(11643)
    regions = sqlchecks.region_codes()
    values = []
    for _ in range(400):
        born = date(rng.randrange(1930, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
        number = resident_id(rng.choice(regions), born, rng.randrange(1000))
        values.extend(_mutations(rng, number))
    reasons = _sql_reasons(lambda x: sqlchecks.resident_id_reason(
        x, BUSINESS_DATE, f"substr({x}, 1, 6) IN (SELECT code FROM regions)"), values)  # noqa: S608

    for value, reason in zip(values, reasons, strict=True):
        try:
            validate_identity("resident_id", value)
            expected = None
        except InvalidValue as exc:
            expected = str(exc)
        assert (reason is None) == (expected is None), (value, reason, expected)
        if reason == sqlchecks.RIC_REASONS["check"]:
            assert not ric.is_valid(value) and expected == "resident ID check digit is wrong (GB 11643)"


def test_it_computes_credit_code_check_characters_in_sql_like_stdnum():
    rng = random.Random(32100)
    alphabet = sqlchecks.USCC_ALPHABET
    values = []
    for _ in range(500):
        body = "9" + rng.choice("123") + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
            rng.choice(alphabet) for _ in range(9))
        number = credit_code(body)
        position = rng.randrange(18)
        values += [number, number[:position] + rng.choice(alphabet) + number[position + 1:], number + "1"]
    reasons = _sql_reasons(sqlchecks.uscc_reason, values)

    assert [reason is None for reason in reasons] == [uscc.is_valid(value) for value in values]


def test_it_knows_the_same_region_codes_as_identity_validation():
    rng = random.Random(6)
    known = set(sqlchecks.region_codes())
    loc = numdb.get("cn/loc")
    for code in [f"{rng.randrange(110000, 660000):06d}" for _ in range(3000)] + sorted(known)[::50]:
        places = {key for _, props in loc.info(code) for key in props}
        assert (code in known) == ("county" in places), code


# --- phones ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("phone", "ok"), [
    ("13812345678", True), ("+86 138 1234 5678", True), ("010-12345678", True), ("0755-8234-5678", True),
    ("400-820-8820", True), ("+852 9123 4567", True), ("+1 650 253 0000", True), ("0044 20 7946 0958", True),
    ("12345", False), ("1381234567", False), ("+852 123", False), ("+86 12345", False), ("phone", False),
])
def test_it_checks_phone_numbers(tmp_path, phone, ok):
    rows = sample_rows()
    rows["customers"][1]["phone"] = phone

    result = run(build_batch(tmp_path / "b", rows), tmp_path)

    assert result.ok == ok
    if not ok:
        assert triples(result) == [("customers.csv", 2, "phone", sqlchecks.PHONE_REASON)]


def test_it_checks_other_document_numbers_and_id_lengths(tmp_path):
    rows = sample_rows()
    rows["customers"][2]["id_number"] = "E12"
    rows["customers"][0]["id_number"] = resident_id()[:-1]
    rows["customers"][1]["id_number"] = credit_code().replace("9", "I", 1)

    assert triples(run(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 1, "id_number", "resident ID must have 18 characters"),
        ("customers.csv", 2, "id_number", sqlchecks.USCC_REASONS["format"]),
        ("customers.csv", 3, "id_number", "document number must be 5 to 40 letters or digits"),
    ]


# --- row numbers in big files ------------------------------------------------------------------------------

def _big_trades(path, count, broken):
    """count trades in CSV text; broken maps a data-row number to the whole line to write instead."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(contract.ENTITY_BY_NAME["trades"].column_names) + "\n")
        for number in range(1, count + 1):
            line = broken.get(number) or (f"2025-06-30,T{number:07d},10:00:00,C0001,SH,600000,B,100,10.0000,"
                                          f"1000.00,0.30")
            handle.write(line + "\n")


@pytest.mark.parametrize("ragged", [False, True])
def test_it_numbers_rows_in_file_order_in_files_read_in_parallel(tmp_path, ragged, monkeypatch):
    # 256 KB CSV buffers: DuckDB splits this 6 MB file into ~25 scans run by parallel threads, and the staged
    # Parquet gets several row groups; row numbers must still be file order.
    monkeypatch.setattr(staging, "CSV_BUFFER_SIZE", 256 << 10)
    count = 80_000
    broken = {
        40_001: "2025-06-30,T0040001,10:00:00,C0001,SH,600000,X,100,10.0000,1000.00,0.30",
        79_999: "2025-06-30,T0000007,10:00:00,C0001,SH,600000,B,100,10.0000,1000.00,0.30",
    }
    if ragged:
        broken |= {20_000: "2025-06-30,T0020000,10:00:00", 60_000: "2025-06-30,T0060000,10:00:00,C0001,SH,600000,"
                   "B,100,10.0000,1000.00,0.30,1", 70_000: "2025-06-30,T0070000,10:00:00,C0001,SH,600000,B,1.5,"
                   "10.0000,1000.00,0.30"}
    rows = sample_rows()
    del rows["trades"]
    batch = build_batch(tmp_path / "b", rows)
    _big_trades(batch / "trades.csv", count, broken)
    edit_manifest(batch, lambda data: data["files"].append(
        {"entity": "trades", "path": "trades.csv", "format": "csv", "rows": count, "sha256": "0" * 64}))
    refresh_manifest(batch)

    result = run(batch, tmp_path)

    expected = [
        ("trades.csv", 40_001, "side", "not one of: B, S"),
        ("trades.csv", 79_999, "date, trade_id", "duplicate key (date, trade_id): same key as row 7"),
    ]
    if ragged:
        expected = sorted([
            *expected,
            ("trades.csv", 20_000, "", "truncated row: too few fields: expected 11 fields, found 3"),
            ("trades.csv", 60_000, "", "too many fields: expected 11 fields, found 12"),
            ("trades.csv", 70_000, "quantity", "not a whole number (digits only, optional minus sign)"),
        ], key=lambda e: e[1])
    assert triples(result) == expected
    assert result.row_counts["trades"] == count


def test_it_transcodes_gbk_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "CHUNK", 7)
    batch = build_batch(tmp_path / "b", encoding="gbk")

    assert run(batch, tmp_path).ok
    assert pq.read_table(tmp_path / "staging" / "branches.parquet").column("name").to_pylist() == [
        "深圳分公司", "深圳福田营业部"]

    path = batch / "customers.csv"
    data = path.read_bytes()
    third = data.index(b"\nC0003") + 1
    path.write_bytes(data[:third] + data[third:].replace(b"E123", b"E\x81\x20", 1))
    refresh_manifest(batch)
    assert [(e.file, e.row) for e in run(batch, tmp_path).errors] == [("customers.csv", 3)]


# --- the error cap and the report --------------------------------------------------------------------------

def test_it_lists_a_capped_share_of_errors_with_exact_totals(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_LISTED", 10)
    rows = sample_rows()
    trade = rows["trades"][0]
    rows["trades"] = [{**trade, "trade_id": f"T{i:04d}", "side": "Q", "quantity": -1 if i < 3 else 1}
                      for i in range(40)]

    result = run(build_batch(tmp_path / "b", rows), tmp_path)

    assert result.error_total == 43
    assert result.error_counts == {("trades.csv", "not one of: B, S"): 40,
                                   ("trades.csv", "negative value: must be > 0"): 3}
    assert [(e.row, e.field) for e in result.errors] == [
        (1, "quantity"), (1, "side"), (2, "quantity"), (2, "side"), (3, "quantity"), (3, "side"),
        (4, "side"), (5, "side"), (6, "side"), (7, "side")]


def test_it_writes_an_error_report_excel_can_open(tmp_path):
    rows = sample_rows()
    rows["customers"][0]["branch_code"] = "深圳99"
    result = run(build_batch(tmp_path / "b", rows), tmp_path)

    report = write_error_report(result, tmp_path / "report")

    raw = (report / "errors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        ["file", "row", "field", "value", "reason"],
        ["customers.csv", "1", "branch_code", "深圳99",
         "unknown branch_code: not in this batch's branches.csv nor already loaded"],
    ]
    summary = (report / "summary.txt").read_text(encoding="utf-8")
    assert "REFUSED: 1 error(s); nothing was applied" in summary
    assert "customers.csv: 1 x unknown branch_code: not in this batch's branches.csv nor already loaded" in summary
    assert "customers.csv row 1 branch_code = '深圳99'" in summary


# --- staging ---------------------------------------------------------------------------------------------------

ARROW = {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "time": pa.time64("us"), "bool": pa.bool_()}


def _arrow(type_):
    parts = sqlchecks.decimal_parts(type_)
    return pa.decimal128(*parts) if parts else ARROW[type_]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_it_stages_exactly_the_contracts_columns_and_types(tmp_path, fmt):
    result = run(build_batch(tmp_path / "b", fmt=fmt), tmp_path)

    assert result.ok
    for entity in contract.ENTITIES:
        schema = pq.read_schema(tmp_path / "staging" / f"{entity.name}.parquet")
        assert schema.remove_metadata() == pa.schema([pa.field(c.name, _arrow(c.type)) for c in entity.columns])
    trades = pq.read_table(tmp_path / "staging" / "trades.parquet").to_pylist()
    assert trades[1]["price"] == Decimal("251.3000") and trades[2]["commission"] == Decimal("0.00")
    accounts = pq.read_table(tmp_path / "staging" / "accounts.parquet").column("market").to_pylist()
    assert accounts == [None, "SH", None]


def test_it_leaves_no_staged_files_when_a_batch_is_refused(tmp_path):
    assert run(build_batch(tmp_path / "good"), tmp_path).ok
    assert (tmp_path / "staging" / "trades.parquet").exists()
    rows = sample_rows()
    rows["trades"][0]["side"] = "X"

    assert not run(build_batch(tmp_path / "bad", rows), tmp_path).ok
    assert sorted(p.name for p in (tmp_path / "staging").iterdir()) == []


def test_it_reports_parquet_values_too_large_for_the_contract_by_row(tmp_path):
    batch = build_batch(tmp_path / "b", fmt="parquet")
    rows = sample_rows()["trades"]
    rows[1] = {**rows[1], "commission": Decimal("12345678901234.50")}
    write_parquet(batch / "trades.parquet", "trades", rows, types={"commission": pa.decimal128(38, 2)})
    refresh_manifest(batch)

    assert [(e.row, e.field, e.value, e.reason) for e in run(batch, tmp_path).errors] == [
        (2, "commission", "12345678901234.50",
         "not a decimal with at most 12 digits before the point and 2 after (decimal(14,2))"),
    ]


def test_it_requires_known_key_files_to_have_the_key_columns(tmp_path):
    known = write_known_keys(tmp_path / "known", customers=["C0001"])
    pq.write_table(pa.table({"no": ["C0001"]}), known.customers)
    rows = {"trades": sample_rows()["trades"]}

    with pytest.raises(ValueError, match="lacks column"):
        run(build_batch(tmp_path / "b", rows), tmp_path, known)


def test_manifest_round_trips_extra_keys(tmp_path):
    batch = build_batch(tmp_path / "b")
    edit_manifest(batch, lambda data: data.update(source="UF2.0"))

    result = run(batch, tmp_path)

    assert result.ok and result.manifest.extra == {"source": "UF2.0"}
    assert json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["source"] == "UF2.0"


def test_it_checks_text_lengths_when_the_contract_gives_them(tmp_path, monkeypatch):
    centers = contract.ENTITY_BY_NAME["centers"]
    sized = tuple(dataclasses.replace(c, max_length=6 if c.name == "name" else c.max_length)
                  for c in centers.columns)
    monkeypatch.setitem(contract.ENTITY_BY_NAME, "centers", dataclasses.replace(centers, columns=sized))

    assert triples(run(build_batch(tmp_path / "b"), tmp_path)) == [
        ("centers.csv", 2, "name", "longer than 6 characters"),
    ]
