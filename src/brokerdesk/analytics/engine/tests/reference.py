"""Plain-Python reference implementations of the features and of rule evaluation, written from the catalogue's
definitions without the engine's SQL, to check the SQL against on random data."""

from datetime import date, timedelta
from decimal import Decimal

from sqlglot import exp

from brokerdesk.analytics.engine.features.catalogue import FEATURE_CATALOGUE, FeatureType
from brokerdesk.analytics.engine.rules.language import ParsedRule
from brokerdesk.analytics.engine.rules.rule_sets import CompiledRuleSet, Dimension
from brokerdesk.analytics.engine.tests.lakekit import Dataset

RISK_LEVELS = {"R1": 1, "R2": 2, "R3": 3, "R4": 4, "R5": 5}


def minus_months(day: date, months: int) -> date:
    """Step back month by month, then clamp the day: deliberately not the engine's arithmetic."""
    year, month = day.year, day.month
    for _ in range(months):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    last_day = ((date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def whole_months(start: date, end: date) -> int:
    """Count back month by month while still on or after the opening date."""
    months = 0
    while minus_months(end, months + 1) >= start:
        months += 1
    return months


def whole_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def reference_features(data: Dataset, as_of: date) -> dict[str, dict]:
    snapshot_dates = sorted({r["date"] for r in data.asset_snapshots if r["date"] <= as_of})
    day_pool = data.trading_days if data.trading_days is not None else snapshot_dates
    last_days = sorted({d for d in day_pool if d <= as_of})[-20:]
    base_days = [d for d in snapshot_dates if d <= minus_months(as_of, 3)]
    base_day = base_days[-1] if base_days else None
    position_dates = [r["date"] for r in data.positions if r["date"] <= as_of]
    position_day = max(position_dates) if position_dates else None
    risk = {(s["market"], s["security_code"]): RISK_LEVELS[s["risk_level"]] for s in data.securities}

    result = {}
    for client in data.customers:
        if client["opened_on"] > as_of:
            continue
        no = client["customer_no"]
        assets = [r for r in data.asset_snapshots if r["customer_no"] == no]
        in_window = [r for r in assets if last_days and last_days[0] <= r["date"] <= as_of]
        sum_20d = sum((r["total_assets"] for r in in_window), Decimal(0))
        latest = sum((r["total_assets"] for r in assets if last_days and r["date"] == last_days[-1]), Decimal(0))
        base = sum((r["total_assets"] for r in assets if r["date"] == base_day), Decimal(0)) if base_day else None
        avg_20d = float(sum_20d) / len(last_days) if last_days else 0.0

        trades = [r for r in data.trades if r["customer_no"] == no and r["date"] <= as_of]

        def trades_after(months: int, rows: list[dict] = trades) -> list[dict]:
            return [r for r in rows if r["date"] > minus_months(as_of, months)]

        traded_3m = sum((r["amount"] for r in trades_after(3)), Decimal(0))
        last_trade = max((r["date"] for r in trades), default=None)

        transfers = [
            r for r in data.fund_transfers
            if r["customer_no"] == no and as_of - timedelta(days=30) < r["date"] <= as_of and r["currency"] == "CNY"
        ]  # fmt: skip
        inflow = sum((r["amount"] for r in transfers if r["direction"] == "in"), Decimal(0))
        outflow = sum((r["amount"] for r in transfers if r["direction"] == "out"), Decimal(0))

        holdings = [r for r in data.positions if r["customer_no"] == no and r["date"] == position_day]
        holdings_value = sum((r["market_value"] for r in holdings), Decimal(0))
        risks = [risk[(r["market"], r["security_code"])] for r in holdings if (r["market"], r["security_code"]) in risk]

        result[no] = {
            "customer_no": no,
            "client_kind": client["kind"],
            "client_class_source": client["client_class"],
            "investor_category": client["investor_category"],
            "status": client["status"],
            "opened_on": client["opened_on"],
            "months_since_open": whole_months(client["opened_on"], as_of),
            "days_since_open": (as_of - client["opened_on"]).days,
            "age": whole_years(client["birth_date"], as_of) if client["birth_date"] else None,
            "total_assets": float(latest),
            "avg_assets_20d": avg_20d,
            "assets_3m_ago": float(base) if base is not None else None,
            "assets_change_3m_pct": float(latest - base) / float(base) * 100 if base else None,
            "trades_1m": len(trades_after(1)),
            "trades_3m": len(trades_after(3)),
            "trades_6m": len(trades_after(6)),
            "trades_12m": len(trades_after(12)),
            "avg_monthly_trades_3m": len(trades_after(3)) / 3,
            "traded_amount_3m": float(traded_3m),
            "turnover_3m": float(traded_3m) / avg_20d if avg_20d else None,
            "last_trade_date": last_trade,
            "days_since_last_trade": (as_of - last_trade).days if last_trade else None,
            "inflow_30d": float(inflow),
            "outflow_30d": float(outflow),
            "net_inflow_30d": float(inflow - outflow),
            "largest_transfer_30d": float(max((r["amount"] for r in transfers), default=Decimal(0))),
            "holds_positions": bool(holdings),
            "holdings_count": len(holdings),
            "holdings_value": float(holdings_value),
            "top_holding_share": (
                float(max(r["market_value"] for r in holdings)) / float(holdings_value) if holdings_value else None
            ),
            "max_product_risk_held": max(risks) if risks else None,
        }
    return result


# Rules ----------------------------------------------------------------------------------------------------


def reference_evaluate(rule: ParsedRule, row: dict) -> bool:
    """True when the rule holds for a row of features (SQL three-valued logic: NULL is not a match)."""
    return _value(rule.expression, row) is True


def reference_memberships(rule_set: CompiledRuleSet, rows: list[dict]) -> set[tuple[str, str, str]]:
    found = set()
    for row in rows:
        for dimension in Dimension:
            for compiled in rule_set.by_dimension(dimension):
                if reference_evaluate(compiled.parsed, row):
                    found.add((row["customer_no"], compiled.rule.segment_code, dimension.value))
                    if dimension.exclusive:
                        break
    return found


def _value(node: exp.Expression, row: dict) -> object:
    if isinstance(node, exp.Paren):
        return _value(node.this, row)
    if isinstance(node, exp.Column):
        feature = FEATURE_CATALOGUE[node.name.lower()]
        value = row[feature.name]
        return float(value) if feature.type == FeatureType.NUMBER and value is not None else value
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return int(node.this) if node.this.isdigit() else float(node.this)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Cast):
        return date.fromisoformat(node.this.this)
    if isinstance(node, exp.And):
        left, right = _value(node.this, row), _value(node.expression, row)
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if isinstance(node, exp.Or):
        left, right = _value(node.this, row), _value(node.expression, row)
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    if isinstance(node, exp.Not):
        inner = _value(node.this, row)
        return None if inner is None else not inner
    if isinstance(node, exp.Neg):
        inner = _value(node.this, row)
        return None if inner is None else -inner
    if isinstance(node, exp.Is):
        return _value(node.this, row) is None
    if isinstance(node, exp.Between):
        value = _value(node.this, row)
        low, high = _value(node.args["low"], row), _value(node.args["high"], row)
        return _and(_compare(">=", value, low), _compare("<=", value, high))
    if isinstance(node, exp.In):
        value = _value(node.this, row)
        if value is None:
            return None
        return any(value == _value(v, row) for v in node.expressions)
    left, right = _value(node.this, row), _value(node.expression, row)
    if left is None or right is None:
        return None
    if isinstance(node, exp.Add):
        return left + right
    if isinstance(node, exp.Sub):
        return left - right
    if isinstance(node, exp.Mul):
        return left * right
    if isinstance(node, exp.Div):
        return None if right == 0 else float(left) / float(right)
    operator = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}[type(node)]
    return _compare(operator, left, right)


def _and(left: object, right: object) -> object:
    if left is False or right is False:
        return False
    return None if left is None or right is None else True


def _compare(operator: str, left: object, right: object) -> object:
    if left is None or right is None:
        return None
    return {
        "=": left == right, "<>": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[operator]  # fmt: skip
