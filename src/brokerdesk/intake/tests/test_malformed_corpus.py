"""A corpus of malformed batches: each is a valid batch broken one way, refused with its precise reason.

Every test asserts the complete error list (file, row, field, value, reason), so a batch broken one way is
refused for exactly that reason and nothing else. No database: pure validation.
"""

import csv
import hashlib
import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerdesk.intake import contract
from brokerdesk.intake.tests.batchkit import (
    build_batch,
    read_manifest_json,
    refresh_manifest,
    sample_rows,
    write_csv,
    write_known_keys,
    write_manifest_json,
    write_parquet,
)
from brokerdesk.intake.validate import KnownKeys, validate_batch


def validate(batch, tmp_path, known=None):
    return validate_batch(batch, tmp_path / "staging", known or KnownKeys())


def errors_of(result):
    assert not result.ok
    assert result.error_total == len(result.errors)
    return [(e.file, e.row, e.field, e.value, e.reason) for e in result.errors]


def rewrite(path, edit):
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


# --- valid batches pass --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "encoding"), [("csv", "utf-8"), ("csv", "gbk"), ("parquet", "utf-8")])
def test_it_accepts_a_valid_batch_and_stages_typed_parquet(tmp_path, fmt, encoding):
    result = validate(build_batch(tmp_path / "b", fmt=fmt, encoding=encoding), tmp_path)

    assert result.ok, result.errors
    assert result.errors == [] and result.error_total == 0
    assert result.row_counts == {name: len(rows) for name, rows in sample_rows().items()}
    customers = pq.read_table(tmp_path / "staging" / "customers.parquet")
    assert customers.column("name").to_pylist() == ["张三", "深圳某某科技有限公司", "李四"]
    assert not (tmp_path / "staging" / "_work").exists()


def test_it_accepts_a_gbk_batch_whose_manifest_declares_no_encoding(tmp_path):
    batch = build_batch(tmp_path / "b", encoding="gbk")
    data = read_manifest_json(batch)
    del data["encoding"]
    write_manifest_json(batch, data)

    result = validate(batch, tmp_path)

    assert result.ok, result.errors
    assert pq.read_table(tmp_path / "staging" / "centers.parquet").column("name")[0].as_py() == "总部客服中心"


# --- encoding ------------------------------------------------------------------------------------------------

def test_it_rejects_gbk_bytes_in_a_file_declared_utf8(tmp_path):
    batch = build_batch(tmp_path / "b")
    path = batch / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    refresh_manifest(batch)

    [(file, row, field, value, reason)] = errors_of(validate(batch, tmp_path))

    assert (file, row, field) == ("customers.csv", 1, "")
    assert value.startswith("C0001,person,mass,张三,")
    assert reason == ('bytes are not valid UTF-8: the file looks GBK-encoded; declare "encoding": "gbk" in the '
                      "manifest (3 rows have invalid bytes; the first is shown)")


def test_it_rejects_bytes_that_are_not_gbk_in_a_file_declared_gbk(tmp_path):
    batch = build_batch(tmp_path / "b", encoding="gbk")
    path = batch / "branches.csv"
    data = path.read_bytes()
    second_row = data.index(b"\nBA01") + 1
    path.write_bytes(data[:second_row] + data[second_row:].replace(b"BA01", b"BA\xff\xff", 1))
    refresh_manifest(batch)

    [(file, row, field, value, reason)] = errors_of(validate(batch, tmp_path))

    assert (file, row, field) == ("branches.csv", 2, "")
    assert value.startswith("BA")
    assert reason.startswith("bytes are not valid GBK (0xFF FF at byte ")


def test_it_rejects_utf8_chinese_in_a_file_declared_gbk(tmp_path):
    batch = build_batch(tmp_path / "b", encoding="gbk")
    write_csv(batch / "centers.csv", "centers", sample_rows()["centers"], "utf-8")
    refresh_manifest(batch)

    [(file, row, field, _value, reason)] = errors_of(validate(batch, tmp_path))

    assert (file, row, field) == ("centers.csv", 1, "")
    assert reason == 'declared GBK, but the bytes are UTF-8 Chinese text: declare "encoding": "utf-8" in the manifest'


# --- structure -----------------------------------------------------------------------------------------------

def test_it_rejects_a_truncated_row(tmp_path):
    batch = build_batch(tmp_path / "b")
    rewrite(batch / "trades.csv", lambda text: text[: text.rindex(",SZ,")])  # cut inside the last row
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", 3, "", "2025-06-30,T0003,14:56:59,C0001",
         "truncated row: too few fields: expected 11 fields, found 4"),
    ]


def test_it_names_rows_after_a_ragged_row_by_their_own_number(tmp_path):
    batch = build_batch(tmp_path / "b")

    def edit(text):
        lines = text.splitlines()
        lines[1] += ",extra"  # data row 1
        lines[3] = lines[3].replace(",500,", ",-500,")  # data row 3
        return "\n".join(lines) + "\n"

    rewrite(batch / "trades.csv", edit)
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", 1, "", "2025-06-30,T0001,09:30:05,C0001,SH,600000,B,1000,10.0100,10010.00,5.00,extra",
         "too many fields: expected 11 fields, found 12"),
        ("trades.csv", 3, "quantity", "-500", "negative value: must be > 0"),
    ]


def test_it_rejects_a_missing_column(tmp_path):
    batch = build_batch(tmp_path / "b")

    def drop_commission(text):
        rows = list(csv.reader(io.StringIO(text)))
        return "".join(",".join(row[:-1]) + "\n" for row in rows)

    rewrite(batch / "trades.csv", drop_commission)
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", None, "commission",
         "date,trade_id,trade_time,customer_no,market,security_code,side,quantity,price,amount",
         "missing column(s): commission"),
    ]


def test_it_rejects_columns_out_of_order(tmp_path):
    batch = build_batch(tmp_path / "b")
    rewrite(batch / "centers.csv", lambda text: text.replace("center_code,name,", "name,center_code,", 1))
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("centers.csv", None, "", "name,center_code,kind,province",
         "columns are out of order: expected center_code,name,kind,province"),
    ]


# --- values --------------------------------------------------------------------------------------------------

def test_it_rejects_a_bad_resident_id_check_character(tmp_path):
    rows = sample_rows()
    good = rows["customers"][0]["id_number"]
    bad = good[:-1] + ("5" if good[-1] != "5" else "6")
    rows["customers"][0]["id_number"] = bad

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 1, "id_number", bad, "resident ID check character is wrong (GB 11643)"),
    ]


def test_it_rejects_a_bad_credit_code_check_character(tmp_path):
    rows = sample_rows()
    good = rows["customers"][1]["id_number"]
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    rows["customers"][1]["id_number"] = bad

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 2, "id_number", bad, "unified social credit code check character is wrong (GB 32100)"),
    ]


def test_it_rejects_a_negative_quantity(tmp_path):
    rows = sample_rows()
    rows["trades"][1]["quantity"] = -200

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("trades.csv", 2, "quantity", "-200", "negative value: must be > 0"),
    ]


def test_it_rejects_an_unknown_enum_value(tmp_path):
    rows = sample_rows()
    rows["trades"][0]["side"] = "X"

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("trades.csv", 1, "side", "X", "not one of: B, S"),
    ]


def test_it_rejects_a_missing_required_value(tmp_path):
    rows = sample_rows()
    rows["customers"][2]["name"] = None

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 3, "name", "", "required value is missing"),
    ]


def test_it_rejects_values_not_in_the_contracts_form(tmp_path):
    batch = build_batch(tmp_path / "b")
    rewrite(batch / "trades.csv", lambda text: text.replace(",1000,", ",1.5,").replace("5750.00", "5750.001")
            .replace("09:30:05", "9:30").replace("2025-06-30,T0002", "2025/06/30,T0002"))
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", 1, "quantity", "1.5", "not a whole number (digits only, optional minus sign)"),
        ("trades.csv", 1, "trade_time", "9:30", "not a valid time (HH:MM:SS, 00:00:00-23:59:59)"),
        ("trades.csv", 2, "date", "2025/06/30", "not a valid date (YYYY-MM-DD)"),
        ("trades.csv", 3, "amount", "5750.001",
         "not a decimal with at most 16 digits before the point and 2 after (decimal(18,2))"),
    ]


# --- dates ---------------------------------------------------------------------------------------------------

def test_it_rejects_a_fact_dated_outside_a_daily_batch(tmp_path):
    rows = sample_rows()
    rows["trades"][2]["date"] = date(2025, 6, 27)  # the Friday before: a trading day, but not this batch's

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("trades.csv", 3, "date", "2025-06-27", "date outside this daily batch: facts must be dated 2025-06-30"),
    ]


def test_it_rejects_an_opening_date_after_the_batch(tmp_path):
    rows = sample_rows()
    rows["accounts"][0]["opened_on"] = date(2025, 7, 1)

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("accounts.csv", 1, "opened_on", "2025-07-01", "after the batch's business date 2025-06-30"),
    ]


def test_it_rejects_trades_on_non_trading_days_in_a_backfill(tmp_path):
    end = date(2025, 10, 17)
    rows = sample_rows(end)
    rows["trades"][0]["date"] = date(2025, 10, 11)  # Saturday make-up working day (调休) for National Day
    rows["trades"][1]["date"] = date(2025, 9, 28)  # Sunday make-up working day
    rows["trades"][2]["date"] = date(2025, 10, 1)  # National Day
    rows["fund_transfers"][0]["date"] = date(2025, 9, 27)  # a plain Saturday

    result = validate(build_batch(tmp_path / "b", rows, business_date=end, kind=contract.BACKFILL,
                                  start_date=date(2025, 9, 1)), tmp_path)

    assert errors_of(result) == [
        ("trades.csv", 1, "date", "2025-10-11", "not a trading day: 2025-10-11 is a Saturday make-up working day "
         "(调休 for National Day): exchanges do not trade on weekends"),
        ("trades.csv", 2, "date", "2025-09-28", "not a trading day: 2025-09-28 is a Sunday make-up working day "
         "(调休 for National Day): exchanges do not trade on weekends"),
        ("trades.csv", 3, "date", "2025-10-01", "not a trading day: 2025-10-01 is a public holiday (National Day)"),
        ("fund_transfers.csv", 1, "date", "2025-09-27", "not a trading day: 2025-09-27 is a Saturday"),
    ]


def test_it_rejects_a_backfill_fact_before_its_start_date(tmp_path):
    end = date(2025, 10, 17)
    rows = sample_rows(end)
    rows["trades"][0]["date"] = date(2025, 8, 29)

    result = validate(build_batch(tmp_path / "b", rows, business_date=end, kind=contract.BACKFILL,
                                  start_date=date(2025, 9, 1)), tmp_path)

    assert errors_of(result) == [
        ("trades.csv", 1, "date", "2025-08-29",
         "date outside this backfill: facts must be dated 2025-09-01..2025-10-17"),
    ]


# --- keys and references -------------------------------------------------------------------------------------

def test_it_rejects_a_duplicate_key(tmp_path):
    rows = sample_rows()
    rows["trades"][2]["trade_id"] = "T0001"

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("trades.csv", 3, "date, trade_id", "2025-06-30, T0001", "duplicate key (date, trade_id): same key as row 1"),
    ]


def test_it_rejects_two_clients_with_the_same_identity_document(tmp_path):
    rows = sample_rows()
    rows["customers"][2]["id_type"] = rows["customers"][0]["id_type"]
    rows["customers"][2]["id_number"] = rows["customers"][0]["id_number"]
    identity = f"{rows['customers'][0]['id_type']}, {rows['customers'][0]['id_number']}"

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 3, "id_type, id_number", identity,
         "duplicate (id_type, id_number): same values as row 1"),
    ]


def test_it_rejects_an_identity_that_belongs_to_another_loaded_client(tmp_path):
    rows = sample_rows()
    first = rows["customers"][0]
    known = write_known_keys(tmp_path / "known", customers=["C0999"],
                             identities={"C0999": (first["id_type"], first["id_number"])})

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path, known)) == [
        ("customers.csv", 1, "id_type, id_number", f"{first['id_type']}, {first['id_number']}",
         "(id_type, id_number) already belongs to C0999"),
    ]


def test_it_rejects_an_identity_moving_to_another_client_in_one_batch(tmp_path):
    # The database checks the identity row by row while merging, so a document number taken from one client
    # (corrected in this batch) can be given to another only in a later batch.
    rows = sample_rows()
    first, third = rows["customers"][0], rows["customers"][2]
    known = write_known_keys(tmp_path / "known", customers=[third["customer_no"]],
                             identities={third["customer_no"]: (first["id_type"], first["id_number"])})

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path, known)) == [
        ("customers.csv", 1, "id_type, id_number", f"{first['id_type']}, {first['id_number']}",
         f"(id_type, id_number) already belongs to {third['customer_no']}"),
    ]


def test_it_accepts_a_loaded_client_sent_again_with_its_own_identity(tmp_path):
    rows = sample_rows()
    first = rows["customers"][0]
    known = write_known_keys(tmp_path / "known", customers=[first["customer_no"]],
                             identities={first["customer_no"]: (first["id_type"], first["id_number"])})

    assert validate(build_batch(tmp_path / "b", rows), tmp_path, known).ok


def test_it_rejects_an_unknown_branch(tmp_path):
    rows = sample_rows()
    rows["customers"][0]["branch_code"] = "BX99"

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("customers.csv", 1, "branch_code", "BX99",
         "unknown branch_code: not in this batch's branches.csv nor already loaded"),
    ]


def test_it_accepts_a_branch_already_loaded(tmp_path):
    rows = sample_rows()
    rows["customers"][0]["branch_code"] = "BX99"
    known = write_known_keys(tmp_path / "known", branches=["BX99"])

    assert validate(build_batch(tmp_path / "b", rows), tmp_path, known).ok


def test_it_checks_a_security_by_market_and_code(tmp_path):
    rows = sample_rows()
    rows["trades"][0]["market"] = "SZ"  # 600000 is listed in SH only

    assert errors_of(validate(build_batch(tmp_path / "b", rows), tmp_path)) == [
        ("trades.csv", 1, "security_code", "SZ 600000",
         "unknown (market, security_code): not in this batch's securities.csv nor already loaded"),
    ]


def test_it_accepts_a_delta_batch_whose_references_are_already_loaded(tmp_path):
    rows = {name: sample_rows()[name] for name in ("trades", "fund_transfers")}
    known = write_known_keys(tmp_path / "known", securities=[("SH", "600000"), ("SZ", "000001"), ("SZ", "300750")],
                             customers=["C0001", "C0002", "C0003"])

    assert validate(build_batch(tmp_path / "b", rows), tmp_path, known).ok
    assert errors_of(validate(build_batch(tmp_path / "c", rows), tmp_path / "c")) == [
        ("trades.csv", 1, "customer_no", "C0001", "unknown customer_no: not in this batch's customers file nor "
         "already loaded"),
        ("trades.csv", 1, "security_code", "SH 600000", "unknown (market, security_code): not in this batch's "
         "securities file nor already loaded"),
        ("trades.csv", 2, "customer_no", "C0003", "unknown customer_no: not in this batch's customers file nor "
         "already loaded"),
        ("trades.csv", 2, "security_code", "SZ 300750", "unknown (market, security_code): not in this batch's "
         "securities file nor already loaded"),
        ("trades.csv", 3, "customer_no", "C0001", "unknown customer_no: not in this batch's customers file nor "
         "already loaded"),
        ("trades.csv", 3, "security_code", "SZ 000001", "unknown (market, security_code): not in this batch's "
         "securities file nor already loaded"),
        ("fund_transfers.csv", 1, "customer_no", "C0001", "unknown customer_no: not in this batch's customers file "
         "nor already loaded"),
    ]


# --- manifest counts and checksums -----------------------------------------------------------------------

def test_it_rejects_a_row_count_mismatch(tmp_path):
    batch = build_batch(tmp_path / "b")
    data = read_manifest_json(batch)
    next(f for f in data["files"] if f["entity"] == "trades")["rows"] = 4
    write_manifest_json(batch, data)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", None, "rows", "3",
         "row count differs from the manifest: manifest says 4, the file has 3 data rows"),
    ]


def test_it_rejects_a_checksum_mismatch(tmp_path):
    batch = build_batch(tmp_path / "b")
    rewrite(batch / "trades.csv", lambda text: text.replace("10010.00", "10011.00"))  # the manifest is not refreshed
    actual = hashlib.sha256((batch / "trades.csv").read_bytes()).hexdigest()
    listed = next(f for f in read_manifest_json(batch)["files"] if f["entity"] == "trades")["sha256"]

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.csv", None, "sha256", actual,
         f"SHA-256 differs from the manifest: manifest says {listed}, the file is {actual}"),
    ]


# --- Parquet -------------------------------------------------------------------------------------------------

def test_it_rejects_a_parquet_column_of_the_wrong_type(tmp_path):
    batch = build_batch(tmp_path / "b", fmt="parquet")
    rows = sample_rows()["trades"]
    write_parquet(batch / "trades.parquet", "trades", [{**r, "quantity": str(r["quantity"])} for r in rows],
                  types={"quantity": pa.string()})
    refresh_manifest(batch)

    assert errors_of(validate(batch, tmp_path)) == [
        ("trades.parquet", None, "quantity", "VARCHAR",
         "column quantity has Parquet type VARCHAR; the contract says int (BIGINT)"),
    ]


def test_it_names_parquet_rows_by_index_plus_one(tmp_path):
    rows = sample_rows()
    rows["trades"][2]["commission"] = -1

    assert errors_of(validate(build_batch(tmp_path / "b", rows, fmt="parquet"), tmp_path)) == [
        ("trades.parquet", 3, "commission", "-1.00", "negative value: must be >= 0"),
    ]
