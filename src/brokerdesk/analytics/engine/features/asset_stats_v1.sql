-- Per-client asset aggregates as of $as_of, in full: the sum over the last 20 trading days (a day without a
-- snapshot adds 0), the latest trading day's assets and the 3-months-ago base. One row per client with any
-- snapshot read; clients without one get 0 / NULL in features_v1.sql.
WITH asset_rows AS (
    -- The window's days, plus the base day when it lies before them (a UNION rather than an OR, so that each
    -- branch's date range prunes files and row groups).
    SELECT customer_no, date, total_assets
    FROM bd_asset_snapshots
    WHERE date >= CAST($asset_window_start AS DATE) AND date <= $as_of
    UNION ALL
    SELECT customer_no, date, total_assets
    FROM bd_asset_snapshots
    WHERE date = CAST($asset_base_date_3m AS DATE)
      -- No trading day up to T (an empty window): the base day still counts.
      AND ($asset_window_start IS NULL OR date < CAST($asset_window_start AS DATE))
)
SELECT
    customer_no,
    SUM(total_assets) FILTER (WHERE date >= CAST($asset_window_start AS DATE)) AS assets_sum_20d,
    SUM(total_assets) FILTER (WHERE date = CAST($latest_asset_date AS DATE)) AS assets_latest,
    SUM(total_assets) FILTER (WHERE date = CAST($asset_base_date_3m AS DATE)) AS assets_base_3m
FROM asset_rows
GROUP BY customer_no
