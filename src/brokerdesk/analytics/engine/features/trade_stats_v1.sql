-- Per-client trade aggregates as of $as_of, in full: executions in the last 1/3/6/12 months, traded value
-- over 3 months, and the latest execution in the trade files given. One row per client with any trade read.
SELECT
    customer_no,
    COUNT(*) FILTER (WHERE date > $trades_after_1m) AS trades_1m,
    COUNT(*) FILTER (WHERE date > $trades_after_3m) AS trades_3m,
    COUNT(*) FILTER (WHERE date > $trades_after_6m) AS trades_6m,
    COUNT(*) FILTER (WHERE date > $trades_after_12m) AS trades_12m,
    SUM(amount) FILTER (WHERE date > $trades_after_3m) AS traded_amount_3m,
    MAX(date) AS last_trade_date
FROM bd_trades
WHERE date <= $as_of
GROUP BY customer_no
