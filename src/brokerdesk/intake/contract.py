"""The intake contract: what the core trading system sends each night (docs/data-formats.md).

One definition, used by the synthetic generator to write batches, by intake to validate them, and by the
docs. Pure Python: no Django, no DuckDB.

A batch is one folder for one business date:

    manifest.json            business date, kind, encoding, and for every file: entity, format, rows, SHA-256
    <entity>.csv|.parquet    one file per entity present (a daily batch may omit entities with no rows)
"""

from dataclasses import dataclass, field

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Batch kinds. A backfill is the first batch of an installation: a year of trades and transfers, the asset
# snapshots of the last 20 trading days plus 12 month-ends, and the latest positions.
DAILY = "daily"
BACKFILL = "backfill"
KINDS = (DAILY, BACKFILL)

# How an entity is applied.
REFERENCE = "reference"  # org and securities master: upserted
MASTER = "master"  # client master data: upserted (customers full or delta)
FACT = "fact"  # dated facts: written to the lake, one partition per date, replacing that date


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | int | decimal(p,s) | date | time | bool
    required: bool = True
    choices: tuple[str, ...] = ()
    check: str = ""  # named check beyond the type: see CHECKS
    references: str = ""  # "entity.column" that must exist (in this batch or already loaded)
    description: str = ""
    max_length: int = 0  # text: the longest value the operational database column holds (0: no limit)


@dataclass(frozen=True)
class Entity:
    name: str
    role: str  # REFERENCE | MASTER | FACT
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str = ""  # FACT: the business date of each row (the lake partition)
    description: str = ""
    kinds: tuple[str, ...] = KINDS  # batch kinds the entity may appear in
    # Other column sets unique across all rows, in the batch and already loaded (database constraints).
    unique: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


CHECKS = {
    "resident_id": "18-character resident ID with a valid GB 11643 check character and birth date",
    "uscc": "18-character unified social credit code with a valid GB 32100 check character",
    "id_number": "resident_id or uscc check by id_type; other document types: 5-40 letters or digits",
    "mobile": "mainland mobile number: 11 digits starting 13-19",
    "phone": "mainland number (mobile, or landline with area code) or +<country code> international",
    "non_negative": ">= 0",
    "positive": "> 0",
    "trading_day": "an exchange trading day (no weekend, holiday or make-up working Saturday)",
    "in_batch": "inside the batch: the business date for a daily batch, start..business date for a backfill",
    "not_after_batch": "on or before the business date",
    "board_lot": "a positive whole number of shares",
}

MARKETS = ("SH", "SZ", "BJ")
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
PRODUCT_RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
PERMISSIONS = ("chinext", "star", "bse", "margin", "options", "hk_connect", "delisting", "bond_qualified")


def _c(name: str, type_: str, description: str = "", **kw) -> Column:
    return Column(name=name, type=type_, description=description, **kw)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "centers", REFERENCE, key=("center_code",), description="Contact centers: the HQ center and sub-centers.",
        columns=(
            _c("center_code", "text", "center code", max_length=20),
            _c("name", "text", "center name", max_length=120),
            _c("kind", "text", "hq or sub", choices=("hq", "sub")),
            _c("province", "text", "province served", max_length=40),
        ),
    ),
    Entity(
        "branches", REFERENCE, key=("branch_code",),
        description="Branch companies (分公司) and sales offices (营业部).",
        columns=(
            _c("branch_code", "text", "branch code", max_length=20),
            _c("name", "text", "branch name", max_length=120),
            _c("kind", "text", "branch_company or sales_office",
               choices=("branch_company", "sales_office")),
            _c("parent_code", "text", "parent branch company", required=False, references="branches.branch_code",
               max_length=20),
            _c("province", "text", "province", max_length=40),
            _c("city", "text", "city", max_length=40),
            _c("center_code", "text", "sub-center serving its clients", references="centers.center_code",
               max_length=20),
            _c("active", "bool", "false when closed"),
        ),
    ),
    Entity(
        "securities", REFERENCE, key=("market", "security_code"), description="The securities master.",
        columns=(
            _c("market", "text", "SH, SZ or BJ", choices=MARKETS),
            _c("security_code", "text", "exchange code, 6 digits", max_length=12),
            _c("name", "text", "short name", max_length=60),
            _c("board", "text", "listing board",
               choices=("main", "chinext", "star", "bse", "fund", "bond")),
            _c("risk_level", "text", "product risk level R1-R5", choices=PRODUCT_RISK_LEVELS),
        ),
    ),
    Entity(
        "customers", MASTER, key=("customer_no",), unique=(("id_type", "id_number"),),
        description="Client master data: every client (full) or the changed ones (delta, per the manifest).",
        columns=(
            _c("customer_no", "text", "client number (客户号)", max_length=20),
            _c("kind", "text", "person, institution, corporate or product",
               choices=("person", "institution", "corporate", "product")),
            _c("client_class", "text", "institutional, corporate, hnw or mass",
               choices=("institutional", "corporate", "hnw", "mass")),
            _c("name", "text", "name", max_length=120),
            _c("id_type", "text", "identity document type",
               choices=("resident_id", "uscc", "passport", "hk_macau_permit", "other")),
            _c("id_number", "text", "identity document number", check="id_number", max_length=40),
            _c("mobile", "text", "mobile phone", required=False, check="phone", max_length=20),
            _c("phone", "text", "other phone", required=False, check="phone", max_length=20),
            _c("email", "text", "email", required=False, max_length=254),
            _c("address", "text", "address", required=False, max_length=200),
            _c("branch_code", "text", "home branch", references="branches.branch_code", max_length=20),
            _c("opened_on", "date", "account opening date", check="not_after_batch"),
            _c("closed_on", "date", "closing date", required=False, check="not_after_batch"),
            _c("status", "text", "normal, dormant, frozen or closed",
               choices=("normal", "dormant", "frozen", "closed")),
            _c("investor_category", "text", "ordinary or professional", choices=("ordinary", "professional")),
        ),
    ),
    Entity(
        "accounts", MASTER, key=("account_type", "market", "account_no"),
        description="Capital accounts (资金账号) and shareholder accounts (股东账户).",
        columns=(
            _c("account_type", "text", "capital or shareholder", choices=("capital", "shareholder")),
            _c("market", "text", "SH, SZ or BJ for shareholder accounts; empty for capital accounts",
               required=False, choices=MARKETS),
            _c("account_no", "text", "account number", max_length=20),
            _c("customer_no", "text", "owner", references="customers.customer_no", max_length=20),
            _c("currency", "text", "CNY, USD or HKD", choices=("CNY", "USD", "HKD")),
            _c("opened_on", "date", "opening date", check="not_after_batch"),
            _c("status", "text", "normal, frozen or closed", choices=("normal", "frozen", "closed")),
        ),
    ),
    Entity(
        "risk_assessments", MASTER, key=("customer_no", "assessed_on"),
        description="Suitability questionnaire results (适当性评估).",
        columns=(
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("assessed_on", "date", "assessment date", check="not_after_batch"),
            _c("risk_level", "text", "C1-C5", choices=RISK_LEVELS),
            _c("score", "int", "questionnaire score 0-100"),
            _c("lowest_category", "bool", "lowest category (最低类别)"),
        ),
    ),
    Entity(
        "permission_changes", MASTER, key=("customer_no", "permission", "changed_on"),
        description="Trading permissions granted or revoked.",
        columns=(
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("permission", "text", "permission kind", choices=PERMISSIONS),
            _c("action", "text", "grant or revoke", choices=("grant", "revoke")),
            _c("changed_on", "date", "effective date", check="not_after_batch"),
        ),
    ),
    Entity(
        "asset_snapshots", FACT, key=("date", "customer_no"), date_column="date",
        description="End-of-day assets of every client with a non-zero balance.",
        columns=(
            _c("date", "date", "business date", check="trading_day"),
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("total_assets", "decimal(18,2)", "total assets, CNY", check="non_negative"),
            _c("cash", "decimal(18,2)", "cash balance, CNY", check="non_negative"),
            _c("market_value", "decimal(18,2)", "market value of holdings, CNY", check="non_negative"),
        ),
    ),
    Entity(
        "positions", FACT, key=("date", "customer_no", "market", "security_code"), date_column="date",
        description="End-of-day positions (a backfill carries the latest day only).",
        columns=(
            _c("date", "date", "business date", check="trading_day"),
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("market", "text", "SH, SZ or BJ", choices=MARKETS),
            _c("security_code", "text", "security", references="securities.security_code"),
            _c("quantity", "int", "shares held", check="positive"),
            _c("cost_price", "decimal(14,4)", "average cost", check="non_negative"),
            _c("market_value", "decimal(18,2)", "market value, CNY", check="non_negative"),
        ),
    ),
    Entity(
        "trades", FACT, key=("date", "trade_id"), date_column="date",
        description="Executions.",
        columns=(
            _c("date", "date", "trade date", check="trading_day"),
            _c("trade_id", "text", "execution id, unique per date"),
            _c("trade_time", "time", "execution time"),
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("market", "text", "SH, SZ or BJ", choices=MARKETS),
            _c("security_code", "text", "security", references="securities.security_code"),
            _c("side", "text", "B buy, S sell", choices=("B", "S")),
            _c("quantity", "int", "shares", check="positive"),
            _c("price", "decimal(14,4)", "price", check="positive"),
            _c("amount", "decimal(18,2)", "traded value", check="positive"),
            _c("commission", "decimal(14,2)", "commission charged", check="non_negative"),
        ),
    ),
    Entity(
        "fund_transfers", FACT, key=("date", "transfer_id"), date_column="date",
        description="Bank-securities transfers (银证转账).",
        columns=(
            _c("date", "date", "transfer date", check="trading_day"),
            _c("transfer_id", "text", "transfer id, unique per date"),
            _c("transfer_time", "time", "time"),
            _c("customer_no", "text", "client", references="customers.customer_no"),
            _c("direction", "text", "in (bank to securities) or out", choices=("in", "out")),
            _c("amount", "decimal(18,2)", "amount", check="positive"),
            _c("currency", "text", "CNY, USD or HKD", choices=("CNY", "USD", "HKD")),
            _c("bank", "text", "bank name"),
        ),
    ),
)

ENTITY_BY_NAME = {e.name: e for e in ENTITIES}
# Apply order: references before the rows that point at them.
APPLY_ORDER = [e.name for e in ENTITIES]


@dataclass(frozen=True)
class ManifestFile:
    entity: str
    path: str
    format: str  # csv | parquet
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    business_date: str  # ISO date
    kind: str  # DAILY | BACKFILL
    files: tuple[ManifestFile, ...]
    start_date: str = ""  # BACKFILL: first date covered
    encoding: str = "utf-8"  # CSV files: utf-8 or gbk
    customers_mode: str = "delta"  # full | delta
    format_version: int = FORMAT_VERSION
    extra: dict = field(default_factory=dict)
