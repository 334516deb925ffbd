"""The fair-fee assessment (同等客户同等收费): which clients pay a commission outside their package's band.

No Django. The caller (brokerdesk.service_plans.selectors.fair_fee) resolves the inputs:

- the month's published trade files (brokerdesk.core.lake.current_files),
- the client mapping as Arrow tables read with values_list queries, already cut to what the viewer may see:
  clients (customer_id, customer_no, branch_id), active subscriptions (customer_id, package_id, agreed_rate),
  current asset tiers (customer_id, tier, rank), and the commission schedules of every package.

Why the mapping goes into DuckDB rather than the trades coming out: whether a client deviates depends on its
own band (package × tier), so no filter on the trades alone can find the deviating clients; and "clients
without trades" and the branch totals need every client of the scope anyway. So the per-client aggregation
of the month (~8M trades at 100M a year) and the join to the mapping (≤3M rows, a few narrow columns) both
run in DuckDB, in one pass over the trade files, and only the branch totals plus the deviating clients come
back to Python (3M clients, 8M trades, 300 branches: 4–9 s to assess on two busy cores, 1.6–2.2 GB peak
including the generated test data; 166k deviating clients read back in ~2–3 s). For
a branch's drill-down the trades are semi-joined to its mapping before aggregating (mapped_only), so other
branches' clients are never aggregated. Every comparison against the band is an exact decimal product
(commission × 1000 against rate × amount): a client exactly on the edge is inside, 0.0001‰ off is outside.

Rates are per mille (‰, Decimal); money is CNY (Decimal).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from brokerdesk.analytics.engine.connection import engine_connection

FAIR_FEE_VERSION = "v1"
SQL_DIR = Path(__file__).parent

RATE = pa.decimal128(6, 4)
CLIENTS_SCHEMA = pa.schema([("customer_id", pa.int64()), ("customer_no", pa.string()), ("branch_id", pa.int64())])
SUBSCRIPTIONS_SCHEMA = pa.schema([("customer_id", pa.int64()), ("package_id", pa.int64()), ("agreed_rate", RATE)])
TIERS_SCHEMA = pa.schema([("customer_id", pa.int64()), ("tier", pa.string()), ("rank", pa.int32())])
SCHEDULES_SCHEMA = pa.schema([
    ("package_id", pa.int64()), ("asset_tier", pa.string()), ("standard_rate", RATE), ("min_rate", RATE),
    ("max_rate", RATE),
])
TRADES_SCHEMA = pa.schema([
    ("date", pa.date32()), ("customer_no", pa.string()), ("amount", pa.decimal128(18, 2)),
    ("commission", pa.decimal128(14, 2)),
])

# Statuses of a client's effective rate (trades) and of its agreed rate (subscription).
BELOW, ABOVE, WITHIN, NO_TRADES, NO_SCHEDULE, NONE = "below", "above", "within", "no_trades", "no_schedule", "none"
OUTSIDE = (BELOW, ABOVE)

RATE_PLACES = Decimal("0.000001")  # effective rates are shown to 6 places: 0.0001‰ off the band must show
CENT = Decimal("0.01")
_EXACT = Context(prec=40)


@cache
def fair_fee_sql(version: str = FAIR_FEE_VERSION) -> str:
    return (SQL_DIR / f"fair_fee_{version}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class FairFeeInputs:
    start: date  # first and last day of the period, inclusive
    end: date
    trade_files: Sequence[str]
    clients: pa.Table  # CLIENTS_SCHEMA
    subscriptions: pa.Table  # SUBSCRIPTIONS_SCHEMA: active subscriptions only
    tiers: pa.Table  # TIERS_SCHEMA: current tier memberships (rank 0 is the highest tier)
    schedules: pa.Table  # SCHEDULES_SCHEMA: asset_tier '' is the package's schedule for any tier
    default_package_id: int | None  # the package of clients without an active subscription
    count_unmatched: bool = False  # also count traded client numbers the mapping lacks (company-wide runs only)
    # The mapping is a part of the clients (a branch): aggregate only its clients' trades (a semi-join that pays
    # off for a small mapping; company-wide it is left out).
    mapped_only: bool = True


@dataclass(frozen=True)
class BranchTotals:
    branch_id: int
    clients: int  # clients of the branch in scope
    traded: int  # with trades in the period
    no_trades: int
    without_tier: int  # traded clients with no current asset tier (assessed on the package's '' schedule if any)
    no_schedule: int  # traded clients whose package has no schedule for them: not assessed
    within: int
    below: int
    above: int
    agreed_outside: int  # clients whose agreed (subscription) rate lies outside the band
    amount: Decimal  # traded value, CNY
    commission: Decimal  # commission charged, CNY
    overcharge: Decimal  # Σ over clients above the band: commission − commission at the standard rate
    undercharge: Decimal  # Σ over clients below the band: commission at the standard rate − commission

    @property
    def deviating(self) -> int:
        return self.below + self.above


@dataclass(frozen=True)
class ClientDeviation:
    """A client whose effective or agreed rate lies outside its band."""

    customer_id: int
    customer_no: str
    branch_id: int
    package_id: int
    subscribed: bool  # False: on the default package
    tier: str  # '' without a tier
    schedule_tier: str  # the schedule applied: the tier's, or '' (the package's schedule for any tier)
    standard_rate: Decimal
    min_rate: Decimal
    max_rate: Decimal
    trades: int
    amount: Decimal | None
    commission: Decimal | None
    status: str  # of the effective rate: below, above, within, no_trades
    agreed_rate: Decimal | None
    agreed_status: str  # below, above, within, none
    effective_rate: Decimal | None  # ‰, to RATE_PLACES
    rate_vs_standard: Decimal | None  # effective − standard, ‰
    amount_vs_standard: Decimal | None  # commission − commission at the standard rate, CNY (positive: overcharged)
    deviation: Decimal  # how far outside the band, ‰, signed (negative: below): effective rate first, else agreed

    @property
    def direction(self) -> str:
        return self.status if self.status in OUTSIDE else self.agreed_status


@dataclass(frozen=True)
class FairFeeTotals:
    branches: list[BranchTotals]
    unmatched_clients: int | None  # traded client numbers unknown to the operational DB (count_unmatched)


def _branch_sql() -> str:
    return """
        SELECT branch_id,
               COUNT(*) AS clients,
               COUNT(*) FILTER (WHERE status <> 'no_trades') AS traded,
               COUNT(*) FILTER (WHERE status = 'no_trades') AS no_trades,
               COUNT(*) FILTER (WHERE status <> 'no_trades' AND tier IS NULL) AS without_tier,
               COUNT(*) FILTER (WHERE status = 'no_schedule') AS no_schedule,
               COUNT(*) FILTER (WHERE status = 'within') AS within,
               COUNT(*) FILTER (WHERE status = 'below') AS below,
               COUNT(*) FILTER (WHERE status = 'above') AS above,
               COUNT(*) FILTER (WHERE agreed_status IN ('below', 'above')) AS agreed_outside,
               COALESCE(SUM(amount), 0) AS amount,
               COALESCE(SUM(commission), 0) AS commission,
               COALESCE(SUM(milli_vs_standard) FILTER (WHERE status = 'above'), 0) AS over_milli,
               COALESCE(-SUM(milli_vs_standard) FILTER (WHERE status = 'below'), 0) AS under_milli
        FROM ff_assessed
        GROUP BY branch_id
        ORDER BY branch_id
    """


DEVIATIONS_SQL = """
    SELECT customer_id, customer_no, branch_id, package_id, subscribed, tier, schedule_tier, standard_rate, min_rate,
           max_rate, trades, amount, commission, status, agreed_rate, agreed_status
    FROM ff_assessed
    WHERE status IN ('below', 'above') OR agreed_status IN ('below', 'above')
    -- Per branch, furthest outside the band first (the exact gap is computed in Python; a double orders well).
    ORDER BY branch_id,
             abs(CASE status
                     WHEN 'below' THEN commission * 1000 / amount - min_rate
                     WHEN 'above' THEN commission * 1000 / amount - max_rate
                     ELSE CASE agreed_status WHEN 'below' THEN agreed_rate - min_rate ELSE agreed_rate - max_rate END
                 END) DESC,
             customer_no
"""


def _milli_to_cny(value) -> Decimal:
    return (Decimal(value) / 1000).quantize(CENT, rounding=ROUND_HALF_UP)


def _deviation(row: dict) -> ClientDeviation:
    amount, commission = row["amount"], row["commission"]
    standard, low, high = row["standard_rate"], row["min_rate"], row["max_rate"]
    effective = vs_standard = money_vs_standard = None
    if amount:
        exact = _EXACT.divide(commission * 1000, amount)
        effective = exact.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        vs_standard = (exact - standard).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        money_vs_standard = (commission - _EXACT.divide(standard * amount, 1000)).quantize(CENT, rounding=ROUND_HALF_UP)
    if row["status"] in OUTSIDE:
        exact_gap = _EXACT.divide(commission * 1000, amount) - (low if row["status"] == BELOW else high)
    else:
        agreed = row["agreed_rate"]
        exact_gap = agreed - (low if row["agreed_status"] == BELOW else high)
    return ClientDeviation(
        customer_id=row["customer_id"], customer_no=row["customer_no"], branch_id=row["branch_id"],
        package_id=row["package_id"], subscribed=row["subscribed"], tier=row["tier"] or "",
        schedule_tier=row["schedule_tier"] or "", standard_rate=standard, min_rate=low, max_rate=high,
        trades=row["trades"], amount=amount, commission=commission, status=row["status"],
        agreed_rate=row["agreed_rate"], agreed_status=row["agreed_status"], effective_rate=effective,
        rate_vs_standard=vs_standard, amount_vs_standard=money_vs_standard,
        deviation=exact_gap.quantize(RATE_PLACES, rounding=ROUND_HALF_UP),
    )


class FairFeeRun:
    """The assessment of one period and scope, held in a DuckDB temporary table; read its totals and its
    deviating clients (streamed in batches) as often as needed while the run is open."""

    def __init__(self, con: duckdb.DuckDBPyConnection, inputs: FairFeeInputs):
        self.con, self.inputs = con, inputs
        _check_schema("clients", inputs.clients, CLIENTS_SCHEMA)
        _check_schema("subscriptions", inputs.subscriptions, SUBSCRIPTIONS_SCHEMA)
        _check_schema("tiers", inputs.tiers, TIERS_SCHEMA)
        _check_schema("schedules", inputs.schedules, SCHEDULES_SCHEMA)
        con.from_arrow(inputs.clients.select(CLIENTS_SCHEMA.names)).create_view("ff_clients")
        con.from_arrow(inputs.subscriptions.select(SUBSCRIPTIONS_SCHEMA.names)).create_view("ff_subscriptions")
        con.from_arrow(inputs.tiers.select(TIERS_SCHEMA.names)).create_view("ff_tiers")
        con.from_arrow(inputs.schedules.select(SCHEDULES_SCHEMA.names)).create_view("ff_schedules")
        if inputs.trade_files:
            con.read_parquet([str(f) for f in inputs.trade_files]).select(*TRADES_SCHEMA.names).create_view("ff_trades")
        else:
            con.from_arrow(TRADES_SCHEMA.empty_table()).create_view("ff_trades")
        sql = fair_fee_sql().replace(
            "/*mapped_only*/", "AND customer_no IN (SELECT customer_no FROM ff_clients)" if inputs.mapped_only else "")
        con.execute("CREATE OR REPLACE TEMP TABLE ff_assessed AS " + sql,
                    {"start": inputs.start, "end": inputs.end, "default_package": inputs.default_package_id})

    def totals(self) -> FairFeeTotals:
        relation = self.con.execute(_branch_sql())
        columns = [d[0] for d in relation.description]
        branches = []
        for values in relation.fetchall():
            row = dict(zip(columns, values, strict=True))
            over, under = row.pop("over_milli"), row.pop("under_milli")
            branches.append(BranchTotals(
                **{k: v for k, v in row.items() if k not in ("amount", "commission")},
                amount=Decimal(row["amount"]), commission=Decimal(row["commission"]),
                overcharge=_milli_to_cny(over), undercharge=_milli_to_cny(under)))
        unmatched = self._unmatched() if self.inputs.count_unmatched else None
        return FairFeeTotals(branches=branches, unmatched_clients=unmatched)

    def deviations(self, *, batch_size: int = 10_000) -> Iterator[ClientDeviation]:
        """The deviating clients by branch, furthest outside the band first, fetched batch by batch."""
        relation = self.con.execute(DEVIATIONS_SQL)
        columns = [d[0] for d in relation.description]
        while batch := relation.fetchmany(batch_size):
            for values in batch:
                yield _deviation(dict(zip(columns, values, strict=True)))

    def _unmatched(self) -> int:
        return self.con.execute(
            "SELECT COUNT(DISTINCT customer_no) FROM ff_trades WHERE date BETWEEN $start AND $end "
            "AND customer_no NOT IN (SELECT customer_no FROM ff_clients)",
            {"start": self.inputs.start, "end": self.inputs.end}).fetchone()[0]


@contextmanager
def fair_fee_run(inputs: FairFeeInputs, con: duckdb.DuckDBPyConnection | None = None) -> Iterator[FairFeeRun]:
    """Assess `inputs` in `con`, or in an own bounded connection (closed on leaving the block)."""
    if con is not None:
        yield FairFeeRun(con, inputs)
        return
    with engine_connection() as own:
        yield FairFeeRun(own, inputs)


def _check_schema(name: str, table: pa.Table, schema: pa.Schema) -> None:
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise ValueError(f"fair fee: {name} lacks columns {missing}")
    for f in schema:
        if not table.schema.field(f.name).type.equals(f.type):
            raise ValueError(f"fair fee: {name}.{f.name} is {table.schema.field(f.name).type}, expected {f.type}")
