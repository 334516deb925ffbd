"""The fair-fee engine on its own (no Django): Arrow mapping, real Parquet trade files, hand-computed figures."""

from datetime import date, time
from decimal import Decimal

import pyarrow as pa
import pytest

from brokerdesk.analytics.engine import fair_fee as engine
from brokerdesk.analytics.engine.lake import write_file

D = Decimal
OCT = (date(2026, 10, 1), date(2026, 10, 31))
DEFAULT, GOLD_PKG, BARE = 1, 2, 3
TRADE_SCHEMA = pa.schema([
    ("date", pa.date32()), ("trade_id", pa.string()), ("trade_time", pa.time64("us")), ("customer_no", pa.string()),
    ("market", pa.string()), ("security_code", pa.string()), ("side", pa.string()), ("quantity", pa.int64()),
    ("price", pa.decimal128(14, 4)), ("amount", pa.decimal128(18, 2)), ("commission", pa.decimal128(14, 2)),
])


def trade_files(root, trades: list[tuple[date, str, str, str]]) -> list[str]:
    """One Parquet file per date, in the lake's layout and column types; trades (date, client, amount, commission)."""
    by_day: dict[date, list[dict]] = {}
    for n, (day, no, amount, commission) in enumerate(trades):
        by_day.setdefault(day, []).append({
            "date": day, "trade_id": f"T{n}", "trade_time": time(10, 0), "customer_no": no, "market": "SH",
            "security_code": "600000", "side": "B", "quantity": 100, "price": D("10.0000"), "amount": D(amount),
            "commission": D(commission)})
    paths = []
    for day, rows in sorted(by_day.items()):
        path = root / "trades" / f"date={day.isoformat()}" / "v=1" / "part-0.parquet"
        write_file(path, pa.Table.from_pylist(rows, schema=TRADE_SCHEMA))
        paths.append(str(path))
    return paths


def table(schema, rows) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)


SCHEDULES = table(engine.SCHEDULES_SCHEMA, [
    (DEFAULT, "", D("0.2500"), D("0.2000"), D("0.3000")),
    (GOLD_PKG, "gold", D("0.2000"), D("0.1800"), D("0.2200")),
    (GOLD_PKG, "", D("0.2500"), D("0.2200"), D("0.2800")),
])


def inputs(files, clients, subscriptions=(), tiers=(), **kw) -> engine.FairFeeInputs:
    return engine.FairFeeInputs(
        start=OCT[0], end=OCT[1], trade_files=files, clients=table(engine.CLIENTS_SCHEMA, clients),
        subscriptions=table(engine.SUBSCRIPTIONS_SCHEMA, subscriptions), tiers=table(engine.TIERS_SCHEMA, tiers),
        schedules=kw.pop("schedules", SCHEDULES), default_package_id=kw.pop("default_package_id", DEFAULT), **kw)


def assess(data: engine.FairFeeInputs):
    with engine.fair_fee_run(data) as run:
        return run.totals(), {d.customer_no: d for d in run.deviations()}


def test_it_flags_a_rate_one_ten_thousandth_below_the_band_but_not_one_exactly_on_it(tmp_path):
    files = trade_files(tmp_path, [
        (date(2026, 10, 9), "AT_MIN", "1000000.00", "200.00"),  # 0.2000‰ = min
        (date(2026, 10, 9), "BELOW", "6000000.00", "1200.00"),  # with the next: 1999 / 10M = 0.1999‰
        (date(2026, 10, 12), "BELOW", "4000000.00", "799.00"),
        (date(2026, 10, 12), "AT_MAX", "100000.00", "30.00"),  # 0.3000‰ = max
        (date(2026, 10, 12), "ABOVE", "1000000.00", "300.01"),  # 0.30001‰
    ])
    totals, found = assess(inputs(files, [(1, "AT_MIN", 10), (2, "BELOW", 10), (3, "AT_MAX", 10), (4, "ABOVE", 10)]))
    assert set(found) == {"BELOW", "ABOVE"}
    below = found["BELOW"]
    assert (below.status, below.trades, below.amount, below.commission) == ("below", 2, D("10000000.00"), D("1999.00"))
    assert below.effective_rate == D("0.199900")
    assert below.deviation == D("-0.000100")
    assert below.rate_vs_standard == D("-0.050100")
    assert below.amount_vs_standard == D("-501.00")  # 1999 − 10M × 0.25‰
    assert (below.subscribed, below.package_id, below.schedule_tier) == (False, DEFAULT, "")
    above = found["ABOVE"]
    assert (above.status, above.deviation, above.amount_vs_standard) == ("above", D("0.000010"), D("50.01"))
    [branch] = totals.branches
    assert (branch.clients, branch.traded, branch.within, branch.below, branch.above) == (4, 4, 2, 1, 1)
    assert branch.overcharge == D("50.01") and branch.undercharge == D("501.00")
    assert branch.commission == D("2529.01") and branch.amount == D("12100000.00")


def test_it_uses_the_tier_schedule_before_the_packages_schedule_for_any_tier(tmp_path):
    files = trade_files(tmp_path, [
        (date(2026, 10, 9), "GOLD", "500000.00", "125.00"),  # 0.25‰: above gold's 0.22, inside ''s 0.22–0.28
        (date(2026, 10, 9), "SILVER", "100000.00", "21.00"),  # 0.21‰: inside gold's band, below ''s 0.22
    ])
    _, found = assess(inputs(
        files, [(1, "GOLD", 10), (2, "SILVER", 10)],
        subscriptions=[(1, GOLD_PKG, D("0.2000")), (2, GOLD_PKG, D("0.2500"))],
        tiers=[(1, "gold", 2), (2, "silver", 3)]))
    assert (found["GOLD"].status, found["GOLD"].schedule_tier, found["GOLD"].deviation) == ("above", "gold",
                                                                                             D("0.030000"))
    assert found["GOLD"].amount_vs_standard == D("25.00")
    assert (found["SILVER"].status, found["SILVER"].schedule_tier, found["SILVER"].deviation) == ("below", "",
                                                                                                 D("-0.010000"))
    assert found["SILVER"].agreed_status == "within"


def test_it_flags_an_agreed_rate_outside_the_band_without_trades(tmp_path):
    totals, found = assess(inputs([], [(1, "AGREED", 10), (2, "IDLE", 10)],
                                  subscriptions=[(1, GOLD_PKG, D("0.1500"))], tiers=[(1, "gold", 2)]))
    row = found["AGREED"]
    assert (row.status, row.agreed_status, row.deviation, row.effective_rate) == ("no_trades", "below",
                                                                                  D("-0.030000"), None)
    assert row.direction == "below"
    [branch] = totals.branches
    assert (branch.traded, branch.no_trades, branch.agreed_outside, branch.below) == (0, 2, 1, 0)


def test_it_counts_clients_without_tier_schedule_or_trades_separately(tmp_path):
    files = trade_files(tmp_path, [
        (date(2026, 10, 9), "NO_TIER", "200000.00", "50.00"),
        (date(2026, 10, 9), "BARE", "100000.00", "100.00"),  # 1‰, but its package has no schedule
        (date(2026, 9, 30), "NO_TIER", "100000.00", "900.00"),  # before the period: ignored
        (date(2026, 10, 9), "STRANGER", "100000.00", "900.00"),  # not in the mapping
    ])
    totals, found = assess(inputs(files, [(1, "NO_TIER", 10), (2, "BARE", 20), (3, "IDLE", 20)],
                                  subscriptions=[(2, BARE, D("0.5000"))], tiers=[(2, "gold", 2)],
                                  count_unmatched=True, mapped_only=False))
    assert found == {}
    a, b = totals.branches
    assert (a.branch_id, a.clients, a.traded, a.without_tier, a.within, a.commission) == (10, 1, 1, 1, 1, D("50.00"))
    assert (b.branch_id, b.clients, b.traded, b.no_trades, b.no_schedule, b.agreed_outside) == (20, 2, 1, 1, 1, 0)
    assert totals.unmatched_clients == 1


def test_it_treats_every_client_as_unassessed_without_a_default_package(tmp_path):
    files = trade_files(tmp_path, [(date(2026, 10, 9), "A", "100000.00", "90.00")])
    totals, found = assess(inputs(files, [(1, "A", 10)], default_package_id=None))
    assert found == {} and totals.branches[0].no_schedule == 1


def test_it_rejects_a_mapping_of_the_wrong_shape():
    with pytest.raises(ValueError, match="clients"):
        engine.FairFeeRun.__init__(object.__new__(engine.FairFeeRun), None, engine.FairFeeInputs(
            start=OCT[0], end=OCT[1], trade_files=[], clients=pa.table({"customer_no": ["1"]}),
            subscriptions=engine.SUBSCRIPTIONS_SCHEMA.empty_table(), tiers=engine.TIERS_SCHEMA.empty_table(),
            schedules=engine.SCHEDULES_SCHEMA.empty_table(), default_package_id=None))
