"""The feature catalogue: every per-client feature the SQL computes, with its type, unit and meaning.

Rules are checked against this catalogue (brokerdesk.analytics.engine.rules), so a feature exists for rules
only when it is listed here, and the SQL (features/features_v1.sql) must produce exactly these columns, in
this order. A change of meaning makes a new file (features_v2.sql) and a new FEATURES_VERSION, so stored
segment runs stay explainable.

Time windows, all relative to the as-of date T (normally the last business date loaded):
- "trading days" are the dates that have asset snapshots in the lake (the lake holds trading days only, and
  every trading day has the snapshots of every client with a non-zero balance), or the trading days the caller
  passes explicitly. "The last 20 trading days" are the 20 latest of them on or before T (fewer if the lake
  holds fewer). A client with no snapshot on one of those days had zero assets that day.
- "n months" is the calendar window (T - n months, T]: after the same day n months earlier, clamped to the
  end of a shorter month (T = 2026-05-31, 3 months: trades after 2026-02-28 count).
- "30 days" is the calendar window (T - 30 days, T].
- Holdings are the positions on the latest position date on or before T.

Missing data: counts and amounts are 0 when the client has no rows (no trades, no transfers, no assets);
ratios, levels and dates that cannot be defined are NULL (no holdings, no assets to divide by, never traded).
Amounts (CNY) are summed exactly as decimals and converted to DOUBLE once, at the end: rules compare them as
numbers, and the write-back rounds them to fen. Rules see NULL with SQL semantics: any comparison with NULL
is not true, so the rule does not match.
"""

from dataclasses import dataclass
from enum import StrEnum

FEATURES_VERSION = "v1"


class FeatureType(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    TEXT = "text"
    BOOL = "bool"


@dataclass(frozen=True)
class Feature:
    name: str
    type: FeatureType
    unit: str
    description: str
    label_zh: str
    nullable: bool = False
    allowed_values: tuple[str, ...] = ()  # for text features: the only values the data can hold


N, INT, D, T, B = FeatureType.NUMBER, FeatureType.INTEGER, FeatureType.DATE, FeatureType.TEXT, FeatureType.BOOL

FEATURES: tuple[Feature, ...] = (
    # Master data passthroughs
    Feature("client_kind", T, "", "Kind of client from the core system's master data.", "客户类型",
            allowed_values=("person", "institution", "corporate", "product")),
    Feature("client_class_source", T, "", "Client class as the core system records it (before our rules).",
            "核心系统客户类别", allowed_values=("institutional", "corporate", "hnw", "mass")),
    Feature("investor_category", T, "", "Investor category under the suitability rules.", "投资者类别",
            allowed_values=("ordinary", "professional")),
    Feature("status", T, "", "Client status in the core system.", "客户状态",
            allowed_values=("normal", "dormant", "frozen", "closed")),
    Feature("opened_on", D, "date", "Account opening date.", "开户日期"),
    Feature("months_since_open", INT, "months",
            "Whole calendar months from the opening date to T (0 when opened on T or less than a month ago).",
            "开户月数"),
    Feature("days_since_open", INT, "days", "Calendar days from the opening date to T (0 when opened on T).",
            "开户天数"),
    Feature("age", INT, "years", "Whole years of age at T; NULL when the birth date is unknown (institutions).",
            "年龄", nullable=True),
    # Assets
    Feature("total_assets", N, "CNY", "Total assets on the latest trading day on or before T; 0 without a "
            "snapshot that day.", "最新总资产"),
    Feature("avg_assets_20d", N, "CNY", "Average daily total assets over the last 20 trading days, a day "
            "without a snapshot counting as 0; 0 when the lake holds no snapshots.", "近20个交易日日均资产"),
    Feature("assets_3m_ago", N, "CNY", "Total assets on the latest snapshot date on or before T - 3 months (0 "
            "without a snapshot that day); NULL when the lake holds no snapshot that old.", "三个月前总资产",
            nullable=True),
    Feature("assets_change_3m_pct", N, "%", "Change of total assets against assets_3m_ago, in percent "
            "((total_assets - assets_3m_ago) / assets_3m_ago * 100); NULL when assets_3m_ago is 0 or NULL.",
            "近三个月资产变动率", nullable=True),
    # Trading
    Feature("trades_1m", INT, "count", "Executions in the last month.", "近1个月成交笔数"),
    Feature("trades_3m", INT, "count", "Executions in the last 3 months.", "近3个月成交笔数"),
    Feature("trades_6m", INT, "count", "Executions in the last 6 months.", "近6个月成交笔数"),
    Feature("trades_12m", INT, "count", "Executions in the last 12 months.", "近12个月成交笔数"),
    Feature("avg_monthly_trades_3m", N, "count/month", "trades_3m / 3: the monthly trade count averaged over "
            "the last 3 months (the style rule's measure).", "近3个月月均成交笔数"),
    Feature("traded_amount_3m", N, "CNY", "Traded value (buys and sells) in the last 3 months.",
            "近3个月成交金额"),
    Feature("turnover_3m", N, "ratio", "traded_amount_3m / avg_assets_20d (the lake keeps daily assets for 20 "
            "trading days only); NULL when avg_assets_20d is 0.", "近3个月换手率", nullable=True),
    Feature("last_trade_date", D, "date", "Date of the latest execution on or before T in the trade files "
            "given; NULL when there is none.", "最近交易日期", nullable=True),
    Feature("days_since_last_trade", INT, "days", "Calendar days from last_trade_date to T; NULL when never "
            "traded.", "距最近交易天数", nullable=True),
    # Fund transfers (CNY only: the intake carries no exchange rates)
    Feature("inflow_30d", N, "CNY", "CNY transferred in (bank to securities) in the last 30 days.",
            "近30日转入金额"),
    Feature("outflow_30d", N, "CNY", "CNY transferred out in the last 30 days.", "近30日转出金额"),
    Feature("net_inflow_30d", N, "CNY", "inflow_30d - outflow_30d.", "近30日净转入"),
    Feature("largest_transfer_30d", N, "CNY", "Largest single CNY transfer, in or out, in the last 30 days; 0 "
            "when none.", "近30日最大单笔转账"),
    # Holdings
    Feature("holds_positions", B, "", "True when the client holds at least one position.", "是否持仓"),
    Feature("holdings_count", INT, "count", "Number of positions held.", "持仓只数"),
    Feature("holdings_value", N, "CNY", "Market value of all positions.", "持仓市值"),
    Feature("top_holding_share", N, "ratio", "Largest position's share of holdings_value (0..1, concentration); "
            "NULL when holding nothing of value.", "第一大持仓占比", nullable=True),
    Feature("max_product_risk_held", INT, "level", "Highest product risk level among positions, R1..R5 as 1..5; "
            "NULL when holding nothing (or only securities missing from the securities master).",
            "持仓最高产品风险等级", nullable=True),
)

FEATURE_CATALOGUE: dict[str, Feature] = {feature.name: feature for feature in FEATURES}
FEATURE_COLUMNS: tuple[str, ...] = ("customer_no", *FEATURE_CATALOGUE)
