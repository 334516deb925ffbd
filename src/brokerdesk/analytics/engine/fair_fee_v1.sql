-- Fair fee ("same client, same fee", 同等客户同等收费), version 1: every client of the mapping with its package,
-- tier, commission band, its trades of the period aggregated, and where its effective and agreed rates fall.
--
-- Inputs (registered by brokerdesk.analytics.engine.fair_fee): ff_clients, ff_subscriptions, ff_tiers,
-- ff_schedules, ff_trades; parameters $start, $end (inclusive dates) and $default_package (NULL: none).
-- Rates are per mille (‰). Comparisons are exact decimals, never a quotient:
--     effective < min  <=>  commission * 1000 < min_rate * amount      (amount > 0)
-- so a client exactly at the edge of its band is inside it.
WITH traded AS (
    -- /*mapped_only*/ below becomes a semi-join on the mapping when it is a part of the clients (a branch): the
    -- other branches' trades are then never aggregated. Company-wide the LEFT JOIN below drops unknown clients
    -- and the semi-join would only add a hash of every client number.
    SELECT customer_no,
           COUNT(*) AS trades,
           SUM(amount) AS amount,
           SUM(commission) AS commission
    FROM ff_trades
    WHERE date BETWEEN $start AND $end
      /*mapped_only*/
    GROUP BY customer_no
),
tier AS (
    -- One asset tier per client (the rules put a client in one; the highest tier wins if data says otherwise).
    SELECT customer_id, arg_min(tier, rank) AS tier
    FROM ff_tiers
    GROUP BY customer_id
),
placed AS (
    SELECT c.customer_id, c.customer_no, c.branch_id,
           COALESCE(s.package_id, $default_package) AS package_id,
           s.package_id IS NOT NULL AS subscribed,
           s.agreed_rate,
           t.tier
    FROM ff_clients c
    LEFT JOIN ff_subscriptions s ON s.customer_id = c.customer_id
    LEFT JOIN tier t ON t.customer_id = c.customer_id
),
banded AS (
    -- The package's schedule for the client's tier, else its schedule for any tier ('').
    SELECT p.*,
           CASE WHEN ts.package_id IS NOT NULL THEN ts.asset_tier ELSE gs.asset_tier END AS schedule_tier,
           COALESCE(ts.standard_rate, gs.standard_rate) AS standard_rate,
           COALESCE(ts.min_rate, gs.min_rate) AS min_rate,
           COALESCE(ts.max_rate, gs.max_rate) AS max_rate
    FROM placed p
    LEFT JOIN ff_schedules ts ON ts.package_id = p.package_id AND ts.asset_tier = p.tier
    LEFT JOIN ff_schedules gs ON gs.package_id = p.package_id AND gs.asset_tier = ''
)
SELECT b.*,
       COALESCE(tr.trades, 0) AS trades,
       tr.amount,
       tr.commission,
       CASE
           WHEN tr.amount IS NULL OR tr.amount <= 0 THEN 'no_trades'
           WHEN b.min_rate IS NULL THEN 'no_schedule'
           WHEN tr.commission * 1000 < b.min_rate * tr.amount THEN 'below'
           WHEN tr.commission * 1000 > b.max_rate * tr.amount THEN 'above'
           ELSE 'within'
       END AS status,
       CASE
           WHEN b.agreed_rate IS NULL THEN 'none'
           WHEN b.min_rate IS NULL THEN 'no_schedule'
           WHEN b.agreed_rate < b.min_rate THEN 'below'
           WHEN b.agreed_rate > b.max_rate THEN 'above'
           ELSE 'within'
       END AS agreed_status,
       -- Commission charged minus commission at the standard rate, in thousandths of a yuan (exact).
       tr.commission * 1000 - b.standard_rate * tr.amount AS milli_vs_standard
FROM banded b
LEFT JOIN traded tr ON tr.customer_no = b.customer_no
