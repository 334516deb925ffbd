"""The seed rule set (DOMAIN.md, "Client classification"): what a new installation starts with. Every rule is
ordinary data that the segmentation app lets staff edit; the thresholds here are the house's starting points.

Amounts are CNY; 万 = 10,000.
- Tiers on avg_assets_20d: silver < 10万 <= gold < 50万 <= platinum < 300万 <= diamond.
- Style: trading when avg_monthly_trades_3m >= 20, else investment.
- Classes: institutional (institutions and product accounts), corporate, high-net-worth (the core system
  says so, or avg_assets_20d >= 100万: a house threshold, not the CSRC professional-investor test), mass.
- Groups (independent, a client may be in several):
  core: avg_assets_20d >= 50万 and open for >= 6 months.
  newly_opened: opened within the last 90 days.
  abnormal_activity: a month of >= 20 trades that is >= 5x the monthly average of the 11 months before it, or a
    single CNY transfer of >= 100万 that is at least twice the average assets.
  dormant: no trade in 12 months, open for >= 12 months.
  never_traded: no trade in the trade history given to the run.
  high_potential: below platinum, and >= 20万 net inflow in 30 days or assets up >= 50% over 3 months to >= 10万.
  churn_risk: assets down >= 30% over 3 months (clients with no assets 3 months ago are not measured).
- Tags: two examples of custom tags.
"""

from brokerdesk.analytics.engine.rules.rule_sets import Dimension, Rule, RuleSet

TIER, STYLE, CLASS, GROUP, TAG = Dimension.TIER, Dimension.STYLE, Dimension.CLASS, Dimension.GROUP, Dimension.TAG

SEED_RULE_SET = RuleSet(
    name="seed",
    rules=(
        Rule(TIER, "diamond", "avg_assets_20d >= 3000000", "钻石"),
        Rule(TIER, "platinum", "avg_assets_20d >= 500000 and avg_assets_20d < 3000000", "铂金"),
        Rule(TIER, "gold", "avg_assets_20d >= 100000 and avg_assets_20d < 500000", "黄金"),
        Rule(TIER, "silver", "avg_assets_20d < 100000", "白银"),
        Rule(STYLE, "trading", "avg_monthly_trades_3m >= 20", "交易型"),
        Rule(STYLE, "investment", "true", "投资型"),
        Rule(CLASS, "institutional", "client_kind in ('institution', 'product')", "机构客户"),
        Rule(CLASS, "corporate", "client_kind = 'corporate'", "企业客户"),
        Rule(CLASS, "high_net_worth", "client_class_source = 'hnw' or avg_assets_20d >= 1000000", "高净值客户"),
        Rule(CLASS, "mass", "true", "大众客户"),
        Rule(GROUP, "core", "avg_assets_20d >= 500000 and months_since_open >= 6", "核心客户"),
        Rule(GROUP, "newly_opened", "days_since_open <= 90", "新开户客户"),
        Rule(
            GROUP,
            "abnormal_activity",
            "(trades_1m >= 20 and trades_1m >= 5 * (trades_12m - trades_1m) / 11)"
            " or (largest_transfer_30d >= 1000000 and largest_transfer_30d >= 2 * avg_assets_20d)",
            "异常交易客户",
        ),
        Rule(GROUP, "dormant", "trades_12m = 0 and months_since_open >= 12", "休眠客户"),
        Rule(GROUP, "never_traded", "last_trade_date is null", "历史无交易客户"),
        Rule(
            GROUP,
            "high_potential",
            "avg_assets_20d < 500000 and (net_inflow_30d >= 200000"
            " or (assets_change_3m_pct >= 50 and total_assets >= 100000))",
            "高潜力客户",
        ),
        Rule(GROUP, "churn_risk", "assets_change_3m_pct <= -30", "流失风险客户"),
        Rule(TAG, "professional_investor", "investor_category = 'professional'", "专业投资者"),
        Rule(TAG, "high_risk_holdings", "max_product_risk_held >= 4", "持有高风险产品"),
    ),
)
