"""A tiny valid-batch builder for tests: Python rows in, a batch folder (CSV utf-8/gbk or Parquet + manifest) out.

    rows = sample_rows()                      # a small brokerage, valid for the contract, dated BUSINESS_DATE
    rows["trades"][0]["quantity"] = -100      # corrupt what the test is about
    batch = build_batch(tmp_path / "b", rows) # writes the files and a correct manifest.json
    known = write_known_keys(tmp_path / "known", customers=["C0009"])

Row values are Python objects (str, int, Decimal, date, time, bool, None) or ready-made text; CSV writes them
as the contract expects (ISO dates, HH:MM:SS, true/false, plain decimals, empty for None). After corrupting a
file's bytes on purpose, refresh_manifest() recomputes checksums so only the intended problem remains.
"""

import csv
import json
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from brokerdesk.intake import contract
from brokerdesk.intake.manifest import file_sha256, write_manifest
from brokerdesk.intake.sqlchecks import decimal_parts
from brokerdesk.intake.validate import KnownKeys

BUSINESS_DATE = date(2025, 6, 30)  # a Monday, a trading day


def resident_id(region: str = "110105", born: date = date(1980, 1, 1), sequence: int = 12) -> str:
    """A valid 18-character resident ID (GB 11643) for a real county code."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + mod_11_2.calc_check_digit(body)


def credit_code(body: str = "91110000600037341") -> str:
    """A valid unified social credit code (GB 32100) from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


def sample_rows(business_date: date = BUSINESS_DATE) -> dict[str, list[dict]]:
    """A small, valid brokerage: 2 centers, 2 branches, 3 securities, 3 clients and their facts on business_date."""
    d = business_date
    return {
        "centers": [
            {"center_code": "HQ", "name": "总部客服中心", "kind": "hq", "province": "上海"},
            {"center_code": "SC-GD", "name": "广东客服分中心", "kind": "sub", "province": "广东"},
        ],
        "branches": [
            {"branch_code": "BC01", "name": "深圳分公司", "kind": "branch_company", "parent_code": None,
             "province": "广东", "city": "深圳", "center_code": "SC-GD", "active": True},
            {"branch_code": "BA01", "name": "深圳福田营业部", "kind": "sales_office", "parent_code": "BC01",
             "province": "广东", "city": "深圳", "center_code": "SC-GD", "active": True},
        ],
        "securities": [
            {"market": "SH", "security_code": "600000", "name": "浦发银行", "board": "main", "risk_level": "R3"},
            {"market": "SZ", "security_code": "000001", "name": "平安银行", "board": "main", "risk_level": "R3"},
            {"market": "SZ", "security_code": "300750", "name": "宁德时代", "board": "chinext", "risk_level": "R4"},
        ],
        "customers": [
            {"customer_no": "C0001", "kind": "person", "client_class": "mass", "name": "张三",
             "id_type": "resident_id", "id_number": resident_id(), "mobile": "13812345678", "phone": None,
             "email": "zhang@example.com", "address": "深圳市福田区", "branch_code": "BA01",
             "opened_on": date(2019, 3, 1), "closed_on": None, "status": "normal", "investor_category": "ordinary"},
            {"customer_no": "C0002", "kind": "corporate", "client_class": "corporate", "name": "深圳某某科技有限公司",
             "id_type": "uscc", "id_number": credit_code(), "mobile": None, "phone": "0755-82345678",
             "email": None, "address": None, "branch_code": "BA01",
             "opened_on": date(2021, 7, 15), "closed_on": None, "status": "normal",
             "investor_category": "professional"},
            {"customer_no": "C0003", "kind": "person", "client_class": "hnw", "name": "李四",
             "id_type": "passport", "id_number": "E12345678", "mobile": "+852 9123 4567", "phone": None,
             "email": None, "address": None, "branch_code": "BC01",
             "opened_on": date(2015, 1, 5), "closed_on": None, "status": "normal", "investor_category": "ordinary"},
        ],
        "accounts": [
            {"account_type": "capital", "market": None, "account_no": "100000001", "customer_no": "C0001",
             "currency": "CNY", "opened_on": date(2019, 3, 1), "status": "normal"},
            {"account_type": "shareholder", "market": "SH", "account_no": "A123456789", "customer_no": "C0001",
             "currency": "CNY", "opened_on": date(2019, 3, 1), "status": "normal"},
            {"account_type": "capital", "market": None, "account_no": "100000002", "customer_no": "C0002",
             "currency": "CNY", "opened_on": date(2021, 7, 15), "status": "normal"},
        ],
        "risk_assessments": [
            {"customer_no": "C0001", "assessed_on": date(2024, 5, 6), "risk_level": "C3", "score": 56,
             "lowest_category": False},
            {"customer_no": "C0003", "assessed_on": date(2023, 11, 20), "risk_level": "C4", "score": 71,
             "lowest_category": False},
        ],
        "permission_changes": [
            {"customer_no": "C0001", "permission": "chinext", "action": "grant", "changed_on": date(2020, 8, 24)},
        ],
        "asset_snapshots": [
            {"date": d, "customer_no": "C0001", "total_assets": Decimal("125000.50"), "cash": Decimal("25000.50"),
             "market_value": Decimal("100000.00")},
            {"date": d, "customer_no": "C0002", "total_assets": Decimal("0.00"), "cash": Decimal("0.00"),
             "market_value": Decimal("0.00")},
        ],
        "positions": [
            {"date": d, "customer_no": "C0001", "market": "SH", "security_code": "600000", "quantity": 10000,
             "cost_price": Decimal("8.1234"), "market_value": Decimal("100000.00")},
        ],
        "trades": [
            {"date": d, "trade_id": "T0001", "trade_time": time(9, 30, 5), "customer_no": "C0001", "market": "SH",
             "security_code": "600000", "side": "B", "quantity": 1000, "price": Decimal("10.0100"),
             "amount": Decimal("10010.00"), "commission": Decimal("5.00")},
            {"date": d, "trade_id": "T0002", "trade_time": time(10, 1, 0), "customer_no": "C0003", "market": "SZ",
             "security_code": "300750", "side": "S", "quantity": 200, "price": Decimal("251.3000"),
             "amount": Decimal("50260.00"), "commission": Decimal("15.08")},
            {"date": d, "trade_id": "T0003", "trade_time": time(14, 56, 59), "customer_no": "C0001",
             "market": "SZ", "security_code": "000001", "side": "S", "quantity": 500, "price": Decimal("11.5000"),
             "amount": Decimal("5750.00"), "commission": Decimal("0.00")},
        ],
        "fund_transfers": [
            {"date": d, "transfer_id": "F0001", "transfer_time": time(9, 0, 0), "customer_no": "C0001",
             "direction": "in", "amount": Decimal("20000.00"), "currency": "CNY", "bank": "招商银行"},
        ],
    }


def csv_text(value: object) -> str:
    """A Python value as the contract's CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def arrow_type(type_: str) -> pa.DataType:
    parts = decimal_parts(type_)
    if parts:
        return pa.decimal128(*parts)
    return {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "time": pa.time32("s"),
            "bool": pa.bool_()}[type_]


def _arrow_value(type_: str, value: object) -> object:
    if value is None or not isinstance(value, str) or type_ == "text":
        return value
    if decimal_parts(type_):
        return Decimal(value)
    return {"int": int, "date": date.fromisoformat, "time": time.fromisoformat,
            "bool": lambda text: text.lower() == "true"}[type_](value)


def write_csv(path: Path, entity: str, rows: list[dict], encoding: str = "utf-8") -> None:
    columns = contract.ENTITY_BY_NAME[entity].column_names
    with open(path, "w", encoding="gbk" if encoding == "gbk" else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_text(row.get(column)) for column in columns])


def write_parquet(path: Path, entity: str, rows: list[dict], types: dict[str, pa.DataType] | None = None) -> None:
    """Parquet with the contract's Arrow types; types overrides some (to test a wrong column type)."""
    spec = contract.ENTITY_BY_NAME[entity]
    arrays, fields = [], []
    for column in spec.columns:
        type_ = (types or {}).get(column.name) or arrow_type(column.type)
        values = [row.get(column.name) for row in rows]
        if not (types and column.name in types):
            values = [_arrow_value(column.type, v) for v in values]
        arrays.append(pa.array(values, type_))
        fields.append(pa.field(column.name, type_))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)


def build_batch(batch_dir: Path, rows: dict[str, list[dict]] | None = None, *,
                business_date: date = BUSINESS_DATE, kind: str = contract.DAILY, start_date: date | None = None,
                encoding: str = "utf-8", fmt: str = "csv", customers_mode: str = "delta") -> Path:
    """Write one batch folder: a file per entity in rows (default sample_rows(business_date)) and its manifest."""
    batch_dir = Path(batch_dir)
    batch_dir.mkdir(parents=True, exist_ok=True)
    rows = sample_rows(business_date) if rows is None else rows
    files = []
    for entity in contract.APPLY_ORDER:
        if entity not in rows:
            continue
        path = batch_dir / f"{entity}.{fmt}"
        if fmt == "csv":
            write_csv(path, entity, rows[entity], encoding)
        else:
            write_parquet(path, entity, rows[entity])
        files.append(contract.ManifestFile(entity=entity, path=path.name, format=fmt, rows=len(rows[entity]),
                                           sha256=file_sha256(path)))
    write_manifest(batch_dir, contract.Manifest(
        business_date=business_date.isoformat(), kind=kind, files=tuple(files),
        start_date=start_date.isoformat() if start_date else "", encoding=encoding, customers_mode=customers_mode))
    return batch_dir


def read_manifest_json(batch_dir: Path) -> dict:
    return json.loads((Path(batch_dir) / contract.MANIFEST).read_text(encoding="utf-8"))


def write_manifest_json(batch_dir: Path, data: dict) -> None:
    (Path(batch_dir) / contract.MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                     encoding="utf-8")


def refresh_manifest(batch_dir: Path) -> None:
    """Recompute every listed file's SHA-256 (rows are left as they are)."""
    data = read_manifest_json(batch_dir)
    for entry in data["files"]:
        entry["sha256"] = file_sha256(Path(batch_dir) / entry["path"])
    write_manifest_json(batch_dir, data)


def write_known_keys(folder: Path, *, centers: list[str] | None = None, branches: list[str] | None = None,
                     securities: list[tuple[str, str]] | None = None,
                     customers: list[str] | None = None,
                     identities: dict[str, tuple[str, str]] | None = None) -> KnownKeys:
    """KnownKeys Parquet files for the given keys (None: no file); identities maps a known customer_no to its
    (id_type, id_number)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, table: pa.Table) -> Path:
        path = folder / f"{name}.parquet"
        pq.write_table(table, path)
        return path

    return KnownKeys(
        centers=write("centers", pa.table({"center_code": pa.array(centers, pa.string())}))
        if centers is not None else None,
        branches=write("branches", pa.table({"branch_code": pa.array(branches, pa.string())}))
        if branches is not None else None,
        securities=write("securities", pa.table({
            "market": pa.array([m for m, _ in securities], pa.string()),
            "security_code": pa.array([c for _, c in securities], pa.string())})) if securities is not None else None,
        customers=write("customers", _known_customers(customers, identities or {}))
        if customers is not None else None,
    )


def _known_customers(customers: list[str], identities: dict[str, tuple[str, str]]) -> pa.Table:
    return pa.table({
        "customer_no": pa.array(customers, pa.string()),
        "id_type": pa.array([identities.get(c, ("", ""))[0] or None for c in customers], pa.string()),
        "id_number": pa.array([identities.get(c, ("", ""))[1] or None for c in customers], pa.string()),
    })
