"""One segmentation run: features and memberships in the same DuckDB connection.

The Django side (analytics glue / segmentation app) resolves the lake files and master data, calls
segment_clients, and writes both tables back in bulk.
"""

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features import FeatureSources
from brokerdesk.analytics.engine.features.compute import compute_features_with_state
from brokerdesk.analytics.engine.features.state import FeatureState
from brokerdesk.analytics.engine.rules import (
    CompiledRuleSet,
    RuleSet,
    compile_rule_set,
    evaluate_rule_set,
    store_memberships,
)


@dataclass(frozen=True)
class SegmentationResult:
    features: pa.Table  # FEATURE_COLUMNS, one row per client
    memberships: pa.Table | None  # MEMBERSHIP_SCHEMA: customer_no, segment_code, dimension (None: kept in DuckDB)
    state: FeatureState | None = None  # for the next day's run (features/state.py)
    from_previous: bool = False  # whether the previous state was used
    membership_count: int = 0


def segment_clients(
    con: duckdb.DuckDBPyConnection | None,
    *,
    sources: FeatureSources,
    as_of: date,
    rule_set: RuleSet | CompiledRuleSet,
    previous: FeatureState | None = None,
    memberships_table: str | None = None,
    key: str | None = None,
) -> SegmentationResult:
    """Compute features as of a date and evaluate a rule set over them.

    The rule set is checked before any data is read, so a bad rule fails fast with its RuleError. With
    `memberships_table` the memberships stay in that table of `con` instead of coming back as Arrow, naming
    clients by `key` when given (a further column of the customers table, such as the caller's database id).
    """
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else compile_rule_set(rule_set)
    if con is None:
        with engine_connection() as own:
            return segment_clients(own, sources=sources, as_of=as_of, rule_set=compiled, previous=previous)
    features, state, used = compute_features_with_state(con, sources=sources, as_of=as_of, previous=previous)
    if memberships_table:
        keys = None
        if key:
            customers = sources.customers() if callable(sources.customers) else sources.customers
            keys = customers.select(["customer_no", key])
        count = store_memberships(con, features, compiled, memberships_table, keys)
        return SegmentationResult(features=features, memberships=None, state=state, from_previous=used,
                                  membership_count=count)
    memberships = evaluate_rule_set(con, features, compiled)
    return SegmentationResult(features=features, memberships=memberships, state=state, from_previous=used,
                              membership_count=memberships.num_rows)
