-- Per-client asset aggregates as of $as_of from those of an earlier run as of $prev_as_of (bd_asset_state:
-- customer_no, assets_sum_20d over [$prev_window_start, $prev_as_of]): the window's sum gains the snapshot
-- rows after $prev_as_of that fall in the new window and loses the rows that left it; the latest and base
-- days are single days, read as they are. Reads a few days of snapshots instead of twenty. Equal to
-- asset_stats_v1.sql on the same files (tests/test_features_incremental.py); compute.py uses it only when the
-- files up to $prev_as_of are the ones the earlier run read.
WITH moved AS (
    SELECT
        customer_no,
        SUM(total_assets) FILTER (WHERE date > $prev_as_of AND date >= CAST($asset_window_start AS DATE))
            AS entering,
        SUM(total_assets) FILTER (WHERE date <= $prev_as_of AND date >= CAST($prev_window_start AS DATE)
            AND (CAST($asset_window_start AS DATE) IS NULL OR date < CAST($asset_window_start AS DATE)))
            AS leaving,
        SUM(total_assets) FILTER (WHERE date = CAST($latest_asset_date AS DATE)) AS assets_latest,
        SUM(total_assets) FILTER (WHERE date = CAST($asset_base_date_3m AS DATE)) AS assets_base_3m
    FROM bd_asset_snapshots
    WHERE (date > $prev_as_of AND date <= $as_of)
       OR (date >= CAST($prev_window_start AS DATE) AND date <= $prev_as_of
           AND (CAST($asset_window_start AS DATE) IS NULL OR date < CAST($asset_window_start AS DATE)))
       OR date = CAST($latest_asset_date AS DATE)
       OR date = CAST($asset_base_date_3m AS DATE)
    GROUP BY customer_no
)
SELECT
    COALESCE(s.customer_no, m.customer_no) AS customer_no,
    COALESCE(s.assets_sum_20d, 0) + COALESCE(m.entering, 0) - COALESCE(m.leaving, 0) AS assets_sum_20d,
    m.assets_latest,
    m.assets_base_3m
FROM bd_asset_state AS s
FULL OUTER JOIN moved AS m ON m.customer_no = s.customer_no
