"""Rule sets evaluated in DuckDB agree with the plain-Python reference, on random rules and feature rows."""

from datetime import date

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerdesk.analytics.engine.features import FEATURE_CATALOGUE, FEATURES, FeatureType
from brokerdesk.analytics.engine.rules import (
    Dimension,
    Rule,
    RuleSet,
    compile_rule_set,
    evaluate_rule_set,
)
from brokerdesk.analytics.engine.tests.reference import reference_memberships

ARROW_TYPES = {
    FeatureType.NUMBER: pa.float64(), FeatureType.INTEGER: pa.int64(), FeatureType.DATE: pa.date32(),
    FeatureType.TEXT: pa.string(), FeatureType.BOOL: pa.bool_(),
}  # fmt: skip
FEATURES_SCHEMA = pa.schema([("customer_no", pa.string())] + [(f.name, ARROW_TYPES[f.type]) for f in FEATURES])
# Small pools of values, shared by features and literals, so that equalities and thresholds are hit often.
NUMBERS = [0.0, 0.5, 1.0, 2.5, 20.0, -3.0, 100000.0]
INTEGERS = [0, 1, 2, 3, 20, 100000]
DATES = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]
NUMERIC_NAMES = [f.name for f in FEATURES if f.type in (FeatureType.NUMBER, FeatureType.INTEGER)]


def feature_value(feature) -> st.SearchStrategy:
    pool = {
        FeatureType.NUMBER: st.sampled_from(NUMBERS),
        FeatureType.INTEGER: st.sampled_from(INTEGERS),
        FeatureType.DATE: st.sampled_from(DATES),
        FeatureType.TEXT: st.sampled_from(feature.allowed_values or ("x",)),
        FeatureType.BOOL: st.booleans(),
    }[feature.type]
    return pool | st.none() if feature.nullable else pool


@st.composite
def feature_rows(draw: st.DrawFn) -> list[dict]:
    count = draw(st.integers(1, 8))
    return [{"customer_no": f"c{i}", **{f.name: draw(feature_value(f)) for f in FEATURES}} for i in range(count)]


number_literals = st.sampled_from(["0", "1", "2", "20", "0.5", "2.5", "100000", "-3", "1e3"])
numeric_terms = st.recursive(
    st.sampled_from(NUMERIC_NAMES) | number_literals,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda t: f"-({t})"),  # not "-{t}": "--3" would be a comment
    ),
    max_leaves=4,
)
comparisons = st.one_of(
    st.tuples(numeric_terms, st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="]), numeric_terms).map(" ".join),
    st.tuples(numeric_terms, number_literals, number_literals).map(lambda t: f"{t[0]} between {t[1]} and {t[2]}"),
    st.tuples(numeric_terms, st.lists(number_literals, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} in ({', '.join(t[1])})"
    ),
    st.tuples(st.sampled_from(list(FEATURE_CATALOGUE)), st.sampled_from(["is null", "is not null"])).map(" ".join),
    st.sampled_from(["person", "institution", "corporate"]).map(lambda v: f"client_kind = '{v}'"),
    st.just("client_kind in ('institution', 'product')"),
    st.sampled_from(["holds_positions", "holds_positions = false", "true", "false"]),
    st.sampled_from(["<", "=", ">="]).map(lambda op: f"last_trade_date {op} DATE '2026-01-01'"),
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda t: f"not {t}"),
    ),
    max_leaves=4,
)


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    rules = []
    for dimension in Dimension:
        for index in range(draw(st.integers(0, 3))):
            rules.append(Rule(dimension, f"{dimension.value}_{index}", draw(conditions)))
    return RuleSet(rules=tuple(rules))


@settings(max_examples=50, deadline=None)
@given(rule_sets(), feature_rows())
def test_it_matches_the_reference_evaluation(rule_set: RuleSet, rows: list[dict]) -> None:
    compiled = compile_rule_set(rule_set)
    features = pa.Table.from_pylist(rows, schema=FEATURES_SCHEMA)
    memberships = evaluate_rule_set(None, features, compiled)
    actual = {(r["customer_no"], r["segment_code"], r["dimension"]) for r in memberships.to_pylist()}
    assert len(actual) == memberships.num_rows
    assert actual == reference_memberships(compiled, rows)


def test_it_gives_one_segment_per_exclusive_dimension_and_every_matching_group() -> None:
    rows = [{"customer_no": "c", **{f.name: None for f in FEATURES}, "avg_assets_20d": 600000.0, "trades_1m": 0}]
    rule_set = RuleSet(
        rules=(
            Rule(Dimension.TIER, "platinum", "avg_assets_20d >= 500000"),
            Rule(Dimension.TIER, "gold", "avg_assets_20d >= 100000"),
            Rule(Dimension.TIER, "unknown", "age > 1"),  # NULL: never matches
            Rule(Dimension.GROUP, "rich", "avg_assets_20d >= 100000"),
            Rule(Dimension.GROUP, "idle", "trades_1m = 0"),
            Rule(Dimension.TAG, "ageless", "age is null"),
        )
    )
    memberships = evaluate_rule_set(None, pa.Table.from_pylist(rows, schema=FEATURES_SCHEMA), rule_set)
    assert sorted(memberships.to_pylist(), key=lambda r: r["segment_code"]) == [
        {"customer_no": "c", "segment_code": "ageless", "dimension": "tag"},
        {"customer_no": "c", "segment_code": "idle", "dimension": "group"},
        {"customer_no": "c", "segment_code": "platinum", "dimension": "tier"},
        {"customer_no": "c", "segment_code": "rich", "dimension": "group"},
    ]


def test_an_empty_rule_set_gives_no_memberships() -> None:
    memberships = evaluate_rule_set(None, pa.Table.from_pylist([], schema=FEATURES_SCHEMA), RuleSet(rules=()))
    assert memberships.num_rows == 0 and memberships.column_names == ["customer_no", "segment_code", "dimension"]


def test_it_computes_integer_literals_in_parentheses_in_64_bits() -> None:
    # Found by the property test above: "-(100000) * -(100000)" overflowed DuckDB's 32-bit INTEGER.
    rows = [{"customer_no": "c", **{f.name: None for f in FEATURES}, "trades_1m": 3}]
    rule_set = RuleSet(rules=(Rule(Dimension.TAG, "big", "trades_1m + -(100000) * -(100000) > 10000000000"),))
    memberships = evaluate_rule_set(None, pa.Table.from_pylist(rows, schema=FEATURES_SCHEMA), rule_set)
    assert memberships.to_pylist() == [{"customer_no": "c", "segment_code": "big", "dimension": "tag"}]
