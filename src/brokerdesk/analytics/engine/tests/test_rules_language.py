"""The rule language accepts the documented forms and rejects everything else, saying where."""

import pytest

from brokerdesk.analytics.engine.features import FEATURE_CATALOGUE
from brokerdesk.analytics.engine.rules import SEED_RULE_SET, RuleError, RuleSet, compile_rule_set, parse_rule
from brokerdesk.analytics.engine.rules.rule_sets import Dimension, Rule


@pytest.mark.parametrize(
    "text",
    [
        "avg_assets_20d >= 500000 and months_since_open >= 6",
        "client_kind in ('institution', 'product') or last_trade_date < DATE '2026-01-01'",
        "not holds_positions and age between 18 and 60",
        "max_product_risk_held is not null and -trades_1m * (trades_3m + 1) / 3 <> 4.5",
        "turnover_3m != 1e3 or trades_1m == 2 or status <> 'closed'",
        "holds_positions = true",
        "AVG_ASSETS_20D > 1",
        "true",
    ],
)
def test_it_accepts_the_documented_forms(text: str) -> None:
    assert parse_rule(text).sql


def test_it_compiles_to_generated_sql_not_to_the_user_text() -> None:
    rule = parse_rule("avg_assets_20d >= 0.5 and client_kind = 'person' and trades_1m / trades_3m > 1")
    assert rule.sql == (
        "CAST(\"avg_assets_20d\" AS DOUBLE) >= CAST('0.5' AS DOUBLE) AND \"client_kind\" = 'person' "
        "AND \"trades_1m\" / NULLIF(\"trades_3m\", 0) > 1"
    )


def test_every_feature_name_reads_as_a_plain_name() -> None:
    for name in FEATURE_CATALOGUE:
        parse_rule(f"{name} is null")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("avg_asset_20d > 1", 0, "did you mean 'avg_assets_20d'"),
        ("trades_1m > 1 and bogus = 2", 18, "unknown feature 'bogus'"),
        ("1; DROP TABLE customers", 1, "';' is not allowed"),
        ("avg_assets_20d > 1; DROP TABLE customers", 18, "';' is not allowed"),
        ("avg_assets_20d > (SELECT 1)", 18, "not allowed"),
        ("age in (SELECT age FROM customers)", 8, "not allowed"),
        ("read_csv('x')", 0, "function calls are not allowed"),
        ("read_parquet('/etc/passwd') is null", 0, "function calls are not allowed"),
        ("avg_assets_20d > 1 -- and trades_1m > 0", 19, "comments are not allowed"),
        ("avg_assets_20d > 1 /* x */", 19, "comments are not allowed"),
        ("age > 1 union select 1", 8, "'union' is not allowed"),
        ("cast(age as text) = '1'", 0, "function calls are not allowed"),
        ("age::text = '1'", 3, "casts are not allowed"),
        ("\"age\" > 1", 0, "quoted names"),
        ("customers.age > 1", 9, "qualified names"),
        ("*", 0, "multiplication"),
        ("age || 'x' = 'x'", 4, "concatenation"),
        ("age > 1 age", 8, "operator"),
        ("age >", 4, "incomplete"),
        ("(age > 1", 7, "closing parenthesis"),
        ("age > 'x", 6, "cannot read"),
        ("", 0, "empty"),
        ("--3 > 1", 0, "comments are not allowed"),
        ("age $ 1", 4, "'$' is not allowed"),
    ],
)
def test_it_rejects_what_the_language_does_not_have(text: str, offset: int, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(text)
    assert message in caught.value.message
    assert caught.value.offset == offset


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("client_kind = 1", 12, "cannot compare a text with an integer"),
        ("last_trade_date > 5", 16, "cannot compare a date with an integer"),
        ("last_trade_date > '2026-01-01'", 16, "cannot compare a date with a text"),
        ("age = true", 4, "cannot compare an integer with a bool"),
        ("avg_assets_20d + 1", 0, "must be a condition"),
        ("trades_1m", 0, "must be a condition"),
        ("holds_positions and trades_1m", 20, "'and' joins conditions"),
        ("not age", 4, "'not' applies to a condition"),
        ("client_kind + 1 > 2", 0, "arithmetic needs numbers"),
        ("-client_kind = 'person'", 0, "'-' applies to numbers"),
        ("client_kind = 'instituton'", 14, "client_kind is never 'instituton'"),
        ("client_kind in ('person', 'robot')", 26, "never 'robot'"),
        ("client_kind > 'person'", 12, "can only be compared with = or <>"),
        ("age = null", 4, "use 'is null'"),
        ("age is 5", 4, "'is' is only for"),
        ("age in (1, age)", 11, "literal values"),
        ("age in ('1')", 8, "cannot compare an integer with a text"),
        ("age between 1 and 'x'", 4, "cannot compare an integer with a text"),
        ("last_trade_date = DATE '2026-02-30'", 23, "not a date"),
        ("trades_1m > 99999999999999999999", 12, "too large"),
    ],
)
def test_it_rejects_wrong_types_with_their_position(text: str, offset: int, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(text)
    assert message in caught.value.message
    assert caught.value.offset == offset


def test_it_reports_line_and_column_and_points_at_the_error() -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule("avg_assets_20d >= 500000\n  and montsh_since_open >= 6")
    error = caught.value
    assert (error.line, error.column, error.offset) == (2, 7, 31)
    assert error.pointer() == "  and montsh_since_open >= 6\n      ^"
    assert "did you mean 'months_since_open'" in str(error)


def test_it_names_the_segment_of_a_bad_rule_in_a_rule_set() -> None:
    rule_set = RuleSet(rules=(Rule(Dimension.TIER, "gold", "avg_assets_20d >= 1"), Rule(Dimension.GROUP, "x", "age >")))
    with pytest.raises(RuleError) as caught:
        compile_rule_set(rule_set)
    assert caught.value.segment_code == "x" and str(caught.value).startswith("rule 'x': ")


def test_it_rejects_bad_and_repeated_segment_codes() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        compile_rule_set(RuleSet(rules=(Rule(Dimension.TAG, "x'; drop", "true"),)))
    with pytest.raises(ValueError, match="two rules"):
        compile_rule_set(RuleSet(rules=(Rule(Dimension.TAG, "x", "true"), Rule(Dimension.TAG, "x", "true"))))


def test_the_seed_rule_set_is_valid() -> None:
    assert len(compile_rule_set(SEED_RULE_SET).rules) == len(SEED_RULE_SET.rules)
