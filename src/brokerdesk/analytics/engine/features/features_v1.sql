-- Client features, version 1: one row per client opened on or before $as_of.
-- Definitions (windows, units, NULL versus 0) are in features/catalogue.py; the window bounds arrive as
-- parameters computed by features/windows.py. Each fact table is read once, only the columns and dates
-- needed, and aggregated per client with FILTER clauses; the aggregates are then joined to the clients.
-- Sources are views registered by features/compute.py:
--   bd_customers and the per-client aggregates of each fact table, which compute.py builds first (they need
--   no clients, so they run while the caller may still be reading them): bd_transfer_stats and
--   bd_holding_stats (transfer_stats_v1.sql, holding_stats_v1.sql), bd_asset_stats and bd_trade_stats (in
--   full from asset_stats_v1.sql and trade_stats_v1.sql, or from the previous run's with *_delta_v1.sql).

WITH
client_rows AS (
    SELECT
        c.customer_no,
        c.kind AS client_kind,
        c.client_class AS client_class_source,
        c.investor_category,
        c.status,
        c.opened_on,
        c.birth_date,
        COALESCE(a.assets_latest, 0) AS total_assets_exact,
        CASE WHEN $asset_window_days > 0
            THEN CAST(COALESCE(a.assets_sum_20d, 0) AS DOUBLE) / $asset_window_days
            ELSE 0 END AS avg_assets_20d,
        CASE WHEN $asset_base_date_3m IS NOT NULL THEN COALESCE(a.assets_base_3m, 0) END AS assets_base_exact,
        COALESCE(t.trades_1m, 0) AS trades_1m,
        COALESCE(t.trades_3m, 0) AS trades_3m,
        COALESCE(t.trades_6m, 0) AS trades_6m,
        COALESCE(t.trades_12m, 0) AS trades_12m,
        COALESCE(t.traded_amount_3m, 0) AS traded_amount_exact,
        t.last_trade_date,
        COALESCE(f.inflow_30d, 0) AS inflow_exact,
        COALESCE(f.outflow_30d, 0) AS outflow_exact,
        COALESCE(f.largest_transfer_30d, 0) AS largest_transfer_exact,
        COALESCE(h.holdings_count, 0) AS holdings_count,
        COALESCE(h.holdings_value, 0) AS holdings_value_exact,
        h.largest_holding_value,
        h.max_product_risk_held
    FROM bd_customers AS c
    LEFT JOIN bd_asset_stats AS a ON a.customer_no = c.customer_no
    LEFT JOIN bd_trade_stats AS t ON t.customer_no = c.customer_no
    LEFT JOIN bd_transfer_stats AS f ON f.customer_no = c.customer_no
    LEFT JOIN bd_holding_stats AS h ON h.customer_no = c.customer_no
    WHERE c.opened_on <= $as_of
)
SELECT
    customer_no,
    client_kind,
    client_class_source,
    investor_category,
    status,
    opened_on,
    -- Whole months: a month is complete once the day of month is reached again.
    CAST((year($as_of) - year(opened_on)) * 12 + month($as_of) - month(opened_on)
        - CASE WHEN day($as_of) < day(opened_on) THEN 1 ELSE 0 END AS BIGINT) AS months_since_open,
    CAST(date_diff('day', opened_on, $as_of) AS BIGINT) AS days_since_open,
    CAST(year($as_of) - year(birth_date)
        - CASE WHEN month($as_of) < month(birth_date)
            OR (month($as_of) = month(birth_date) AND day($as_of) < day(birth_date)) THEN 1 ELSE 0 END
        AS BIGINT) AS age,
    CAST(total_assets_exact AS DOUBLE) AS total_assets,
    avg_assets_20d,
    CAST(assets_base_exact AS DOUBLE) AS assets_3m_ago,
    CAST(total_assets_exact - assets_base_exact AS DOUBLE) / CAST(NULLIF(assets_base_exact, 0) AS DOUBLE) * 100
        AS assets_change_3m_pct,
    CAST(trades_1m AS BIGINT) AS trades_1m,
    CAST(trades_3m AS BIGINT) AS trades_3m,
    CAST(trades_6m AS BIGINT) AS trades_6m,
    CAST(trades_12m AS BIGINT) AS trades_12m,
    CAST(trades_3m AS DOUBLE) / 3 AS avg_monthly_trades_3m,
    CAST(traded_amount_exact AS DOUBLE) AS traded_amount_3m,
    CAST(traded_amount_exact AS DOUBLE) / NULLIF(avg_assets_20d, 0) AS turnover_3m,
    last_trade_date,
    CAST(date_diff('day', last_trade_date, $as_of) AS BIGINT) AS days_since_last_trade,
    CAST(inflow_exact AS DOUBLE) AS inflow_30d,
    CAST(outflow_exact AS DOUBLE) AS outflow_30d,
    CAST(inflow_exact - outflow_exact AS DOUBLE) AS net_inflow_30d,
    CAST(largest_transfer_exact AS DOUBLE) AS largest_transfer_30d,
    holdings_count > 0 AS holds_positions,
    CAST(holdings_count AS BIGINT) AS holdings_count,
    CAST(holdings_value_exact AS DOUBLE) AS holdings_value,
    CAST(largest_holding_value AS DOUBLE) / CAST(NULLIF(holdings_value_exact, 0) AS DOUBLE) AS top_holding_share,
    CAST(max_product_risk_held AS BIGINT) AS max_product_risk_held
FROM client_rows
