-- Per-client holdings on the latest positions date: count, value, largest holding, highest product risk.
SELECT
    p.customer_no,
    COUNT(*) AS holdings_count,
    SUM(p.market_value) AS holdings_value,
    MAX(p.market_value) AS largest_holding_value,
    MAX(CASE s.risk_level WHEN 'R1' THEN 1 WHEN 'R2' THEN 2 WHEN 'R3' THEN 3 WHEN 'R4' THEN 4 WHEN 'R5' THEN 5 END)
        AS max_product_risk_held
FROM bd_positions AS p
LEFT JOIN bd_securities AS s ON s.market = p.market AND s.security_code = p.security_code
WHERE p.date = CAST($latest_position_date AS DATE)
GROUP BY p.customer_no
