"""Segmentation rules: a small boolean language over catalogue features, checked with sqlglot and evaluated in
DuckDB over a feature table."""

from brokerdesk.analytics.engine.rules.errors import RuleError
from brokerdesk.analytics.engine.rules.language import ParsedRule, parse_rule
from brokerdesk.analytics.engine.rules.rule_sets import (
    MEMBERSHIP_SCHEMA,
    CompiledRuleSet,
    Dimension,
    Rule,
    RuleSet,
    compile_rule_set,
    evaluate_rule_set,
    membership_query,
    store_memberships,
)
from brokerdesk.analytics.engine.rules.seed import SEED_RULE_SET

__all__ = [
    "MEMBERSHIP_SCHEMA",
    "SEED_RULE_SET",
    "CompiledRuleSet",
    "Dimension",
    "ParsedRule",
    "Rule",
    "RuleError",
    "RuleSet",
    "compile_rule_set",
    "evaluate_rule_set",
    "membership_query",
    "parse_rule",
    "store_memberships",
]
