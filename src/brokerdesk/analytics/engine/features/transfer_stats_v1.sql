-- Per-client CNY bank-securities transfers over the last 30 days (the intake carries no exchange rates).
SELECT
    customer_no,
    SUM(amount) FILTER (WHERE direction = 'in') AS inflow_30d,
    SUM(amount) FILTER (WHERE direction = 'out') AS outflow_30d,
    MAX(amount) AS largest_transfer_30d
FROM bd_fund_transfers
WHERE date > $transfers_after AND date <= $as_of AND currency = 'CNY'
GROUP BY customer_no
