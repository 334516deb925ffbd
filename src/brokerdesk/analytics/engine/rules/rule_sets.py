"""Rule sets: ordered rules per dimension, evaluated over a feature table in one DuckDB query.

Dimensions "tier", "style" and "class" are exclusive: the first rule (in rule-set order) that is true for a
client decides the client's one segment in that dimension, and a client no rule matches has none.
"group" and "tag" are independent: a client belongs to every group or tag whose rule is true.
"True" is SQL's: a rule that is NULL for a client (a comparison with a NULL feature) does not match.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

import duckdb
import pyarrow as pa
from sqlglot import exp

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features.catalogue import Feature
from brokerdesk.analytics.engine.rules.errors import RuleError
from brokerdesk.analytics.engine.rules.language import DIALECT, ParsedRule, parse_rule

FEATURES_VIEW = "bd_features"
SEGMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MEMBERSHIP_SCHEMA = pa.schema([("customer_no", pa.string()), ("segment_code", pa.string()), ("dimension", pa.string())])


class Dimension(StrEnum):
    TIER = "tier"
    STYLE = "style"
    CLASS = "class"
    GROUP = "group"
    TAG = "tag"

    @property
    def exclusive(self) -> bool:
        return self in (Dimension.TIER, Dimension.STYLE, Dimension.CLASS)


@dataclass(frozen=True)
class Rule:
    dimension: Dimension
    segment_code: str
    expression: str
    label_zh: str = ""
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    name: str = ""


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    parsed: ParsedRule


@dataclass(frozen=True)
class CompiledRuleSet:
    rule_set: RuleSet
    rules: tuple[CompiledRule, ...]

    def by_dimension(self, dimension: Dimension) -> list[CompiledRule]:
        return [r for r in self.rules if r.rule.dimension == dimension]


def compile_rule_set(rule_set: RuleSet, catalogue: dict[str, Feature] | None = None) -> CompiledRuleSet:
    """Check every rule; raises RuleError (naming the segment) for the first bad rule, ValueError for a bad or
    repeated segment code."""
    seen: set[tuple[Dimension, str]] = set()
    compiled = []
    for rule in rule_set.rules:
        dimension = Dimension(rule.dimension)
        if not SEGMENT_CODE.match(rule.segment_code):
            raise ValueError(f"segment code {rule.segment_code!r}: use lowercase letters, digits and _")
        if (dimension, rule.segment_code) in seen:
            raise ValueError(f"segment {rule.segment_code!r} has two rules in dimension {dimension}")
        seen.add((dimension, rule.segment_code))
        try:
            parsed = parse_rule(rule.expression, catalogue)
        except RuleError as error:
            raise error.for_segment(rule.segment_code) from None
        compiled.append(CompiledRule(rule=rule, parsed=parsed))
    return CompiledRuleSet(rule_set=rule_set, rules=tuple(compiled))


def membership_query(rule_set: CompiledRuleSet, source: str = FEATURES_VIEW, key: str = "customer_no") -> str:
    """One query giving (customer_no, segment_code, dimension): a CASE per exclusive dimension, a filtered
    select per group or tag rule, joined with UNION ALL. Built as a sqlglot tree from the checked rules."""
    table = exp.to_table(source, quoted=True)
    parts: list[exp.Select] = []
    for dimension in Dimension:
        rules = rule_set.by_dimension(dimension)
        if not rules:
            continue
        if dimension.exclusive:
            parts.append(_first_match_select(table, dimension, rules, key))
        else:
            parts.extend(_each_match_select(table, dimension, r, key) for r in rules)
    if not parts:
        return _empty_query(key).sql(dialect=DIALECT)
    query: exp.Query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query.sql(dialect=DIALECT)


def evaluate_rule_set(
    con: duckdb.DuckDBPyConnection | None, features: pa.Table, rule_set: RuleSet | CompiledRuleSet
) -> pa.Table:
    """Memberships (customer_no, segment_code, dimension) of every client in `features`, row order unspecified."""
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else compile_rule_set(rule_set)
    if con is None:
        with engine_connection() as own:
            return evaluate_rule_set(own, features, compiled)
    con.from_arrow(features).create_view(FEATURES_VIEW)
    result = con.sql(membership_query(compiled)).to_arrow_table()
    return result.cast(MEMBERSHIP_SCHEMA)


def store_memberships(con: duckdb.DuckDBPyConnection, features: pa.Table, rule_set: CompiledRuleSet,
                      table: str, keys: pa.Table | None = None) -> int:
    """evaluate_rule_set into a table of `con` (for a caller that goes on in DuckDB: millions of rows then never
    leave it); returns the number of memberships. With `keys` (customer_no and one more column, the caller's
    own client key) the memberships name clients by that key instead of customer_no."""
    key = "customer_no"
    con.from_arrow(features).create_view(FEATURES_VIEW)
    if keys is not None:
        key = next(name for name in keys.column_names if name != "customer_no")
        con.table(FEATURES_VIEW).join(con.from_arrow(keys.select(["customer_no", key])), "customer_no").to_table(
            "bd_features_keyed")
    source = "bd_features_keyed" if keys is not None else FEATURES_VIEW
    con.sql(membership_query(rule_set, source, key)).to_table(table)
    return con.table(table).aggregate("count(*)").fetchall()[0][0]


def _first_match_select(table: exp.Table, dimension: Dimension, rules: list[CompiledRule], key: str) -> exp.Select:
    case = exp.Case()
    for compiled in rules:
        case = case.when(compiled.parsed.condition.copy(), exp.Literal.string(compiled.rule.segment_code))
    inner = exp.select(exp.column(key, quoted=True), exp.alias_(case, "segment_code", quoted=True)).from_(
        table.copy()
    )
    return (
        exp.select(
            exp.column(key, quoted=True),
            exp.column("segment_code", quoted=True),
            exp.alias_(exp.Literal.string(dimension.value), "dimension", quoted=True),
        )
        .from_(inner.subquery("first_match"))
        .where(exp.column("segment_code", quoted=True).is_(exp.null()).not_())
    )


def _each_match_select(table: exp.Table, dimension: Dimension, compiled: CompiledRule, key: str) -> exp.Select:
    return (
        exp.select(
            exp.column(key, quoted=True),
            exp.alias_(exp.Literal.string(compiled.rule.segment_code), "segment_code", quoted=True),
            exp.alias_(exp.Literal.string(dimension.value), "dimension", quoted=True),
        )
        .from_(table.copy())
        .where(compiled.parsed.condition.copy())
    )


def _empty_query(key: str) -> exp.Select:
    null_text = exp.cast(exp.null(), exp.DataType.Type.VARCHAR)
    return exp.select(
        exp.alias_(null_text, key, quoted=True),
        exp.alias_(null_text.copy(), "segment_code", quoted=True),
        exp.alias_(null_text.copy(), "dimension", quoted=True),
    ).where(exp.false())
