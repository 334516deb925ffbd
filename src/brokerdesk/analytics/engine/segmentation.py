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
from brokerdesk.analytics.engine.rules import CompiledRuleSet, RuleSet, compile_rule_set, evaluate_rule_set


@dataclass(frozen=True)
class SegmentationResult:
    features: pa.Table  # FEATURE_COLUMNS, one row per client
    memberships: pa.Table  # MEMBERSHIP_SCHEMA: customer_no, segment_code, dimension
    state: FeatureState | None = None  # for the next day's run (features/state.py)
    from_previous: bool = False  # whether the previous state was used


def segment_clients(
    con: duckdb.DuckDBPyConnection | None,
    *,
    sources: FeatureSources,
    as_of: date,
    rule_set: RuleSet | CompiledRuleSet,
    previous: FeatureState | None = None,
) -> SegmentationResult:
    """Compute features as of a date and evaluate a rule set over them.

    The rule set is checked before any data is read, so a bad rule fails fast with its RuleError.
    """
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else compile_rule_set(rule_set)
    if con is None:
        with engine_connection() as own:
            return segment_clients(own, sources=sources, as_of=as_of, rule_set=compiled, previous=previous)
    features, state, used = compute_features_with_state(con, sources=sources, as_of=as_of, previous=previous)
    return SegmentationResult(features=features, memberships=evaluate_rule_set(con, features, compiled),
                              state=state, from_previous=used)
