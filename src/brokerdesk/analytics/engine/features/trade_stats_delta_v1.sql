-- Per-client trade aggregates as of $as_of from those of an earlier run as of $prev_as_of (bd_trade_state,
-- the columns of trade_stats_v1.sql): each window gains the executions after $prev_as_of that fall in it and
-- loses those its start has passed; the latest execution can only move forward. Reads the new days and the
-- days leaving each window, instead of a year of trades. Equal to trade_stats_v1.sql on the same files
-- (tests/test_features_incremental.py); compute.py uses it only when the files up to $prev_as_of are the
-- ones the earlier run read (none replaced or removed).
WITH moved AS (
    SELECT
        customer_no,
        COUNT(*) FILTER (WHERE date > $prev_as_of AND date > $trades_after_1m) AS entering_1m,
        COUNT(*) FILTER (WHERE date > $prev_as_of AND date > $trades_after_3m) AS entering_3m,
        COUNT(*) FILTER (WHERE date > $prev_as_of AND date > $trades_after_6m) AS entering_6m,
        COUNT(*) FILTER (WHERE date > $prev_as_of AND date > $trades_after_12m) AS entering_12m,
        COUNT(*) FILTER (WHERE date <= $prev_as_of AND date > $prev_after_1m AND date <= $trades_after_1m)
            AS leaving_1m,
        COUNT(*) FILTER (WHERE date <= $prev_as_of AND date > $prev_after_3m AND date <= $trades_after_3m)
            AS leaving_3m,
        COUNT(*) FILTER (WHERE date <= $prev_as_of AND date > $prev_after_6m AND date <= $trades_after_6m)
            AS leaving_6m,
        COUNT(*) FILTER (WHERE date <= $prev_as_of AND date > $prev_after_12m AND date <= $trades_after_12m)
            AS leaving_12m,
        SUM(amount) FILTER (WHERE date > $prev_as_of AND date > $trades_after_3m) AS entering_amount_3m,
        SUM(amount) FILTER (WHERE date <= $prev_as_of AND date > $prev_after_3m AND date <= $trades_after_3m)
            AS leaving_amount_3m,
        MAX(date) FILTER (WHERE date > $prev_as_of) AS latest_new
    FROM bd_trades
    WHERE (date > $prev_as_of AND date <= $as_of)
       OR (date > $prev_after_12m AND date <= $trades_after_12m AND date <= $prev_as_of)
       OR (date > $prev_after_6m AND date <= $trades_after_6m AND date <= $prev_as_of)
       OR (date > $prev_after_3m AND date <= $trades_after_3m AND date <= $prev_as_of)
       OR (date > $prev_after_1m AND date <= $trades_after_1m AND date <= $prev_as_of)
    GROUP BY customer_no
)
SELECT
    COALESCE(s.customer_no, m.customer_no) AS customer_no,
    COALESCE(s.trades_1m, 0) + COALESCE(m.entering_1m, 0) - COALESCE(m.leaving_1m, 0) AS trades_1m,
    COALESCE(s.trades_3m, 0) + COALESCE(m.entering_3m, 0) - COALESCE(m.leaving_3m, 0) AS trades_3m,
    COALESCE(s.trades_6m, 0) + COALESCE(m.entering_6m, 0) - COALESCE(m.leaving_6m, 0) AS trades_6m,
    COALESCE(s.trades_12m, 0) + COALESCE(m.entering_12m, 0) - COALESCE(m.leaving_12m, 0) AS trades_12m,
    COALESCE(s.traded_amount_3m, 0) + COALESCE(m.entering_amount_3m, 0) - COALESCE(m.leaving_amount_3m, 0)
        AS traded_amount_3m,
    CASE WHEN s.last_trade_date IS NULL THEN m.latest_new
         WHEN m.latest_new IS NULL THEN s.last_trade_date
         ELSE greatest(s.last_trade_date, m.latest_new) END AS last_trade_date
FROM bd_trade_state AS s
FULL OUTER JOIN moved AS m ON m.customer_no = s.customer_no
