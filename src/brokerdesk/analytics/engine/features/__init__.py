"""Per-client features computed in DuckDB from versioned SQL (features_v1.sql), described by catalogue.py."""

from brokerdesk.analytics.engine.features.catalogue import (
    FEATURE_CATALOGUE,
    FEATURE_COLUMNS,
    FEATURES,
    FEATURES_VERSION,
    Feature,
    FeatureType,
)
from brokerdesk.analytics.engine.features.compute import compute_features
from brokerdesk.analytics.engine.features.sources import FeatureSources

__all__ = [
    "FEATURES",
    "FEATURES_VERSION",
    "FEATURE_CATALOGUE",
    "FEATURE_COLUMNS",
    "Feature",
    "FeatureSources",
    "FeatureType",
    "compute_features",
]
