"""Trading-permission eligibility (ChiNext, STAR, BSE, margin), pure: no Django, unit-tested directly.

DOMAIN.md "Board permissions": average daily assets over the N trading days before the application, months of
trading experience, a signed risk disclosure. The thresholds are settings (settings.TRADING_PERMISSION_RULES,
brokerages may tighten them), read through `rules_from_settings`. On top of the exchange rules, the firm's
suitability duties: an ordinary investor needs a valid risk assessment and the lowest category opens nothing;
only an account in normal status opens a permission.

`evaluate` lists every unmet criterion, not the first one, as stable reason codes; `REASON_MESSAGES` holds an
English message per code with %(name)s placeholders filled from the application's figures (`reason_params`),
translated by the pages.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum


def _(message: str) -> str:
    """Marks a message for translation (makemessages extracts _("…")); the pages translate it."""
    return message


class Reason(StrEnum):
    ACCOUNT_NOT_NORMAL = "account_not_normal"
    ASSESSMENT_MISSING = "assessment_missing"
    ASSESSMENT_EXPIRED = "assessment_expired"
    LOWEST_CATEGORY = "lowest_category"
    ASSETS_BELOW = "assets_below_threshold"
    NO_TRADING_HISTORY = "no_trading_history"
    EXPERIENCE_SHORT = "experience_too_short"
    DISCLOSURE_NOT_SIGNED = "disclosure_not_signed"


REASON_MESSAGES: dict[str, str] = {
    Reason.ACCOUNT_NOT_NORMAL: _("The client's account is not in normal status (dormant, frozen or closed)."),
    Reason.ASSESSMENT_MISSING: _("The client has no risk assessment: assess the client first."),
    Reason.ASSESSMENT_EXPIRED: _("The client's risk assessment expired on %(assessment_expires_on)s: reassess "
                                 "the client first."),
    Reason.LOWEST_CATEGORY: _("Lowest-category investors may not open this permission."),
    Reason.ASSETS_BELOW: _("Average daily assets over the %(trading_days)s trading days before the application "
                           "are %(average_assets)s; at least %(required_assets)s are required."),
    Reason.NO_TRADING_HISTORY: _("No trade of the client is known: if the client traded at another firm, enter "
                                 "the first trade date from the CSDC query."),
    Reason.EXPERIENCE_SHORT: _("%(experience_months)s full months of trading experience; at least "
                               "%(required_months)s are required."),
    Reason.DISCLOSURE_NOT_SIGNED: _("The client has not signed the risk disclosure."),
}


class AssessmentState(StrEnum):
    VALID = "valid"
    MISSING = "missing"
    EXPIRED = "expired"
    NOT_REQUIRED = "not_required"  # professional investors are not assessed by questionnaire


class FirstTradeSource(StrEnum):
    """Where the first trade date (the start of the trading experience) came from."""

    LAKE = "lake"  # the client's earliest trade with this firm, in the lake
    CSDC = "csdc"  # an earlier date from the CSDC (中登) query: trading at another firm
    NONE = ""  # no trade known


# --- Rules --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionRule:
    kind: str
    average_assets: Decimal  # required average daily assets, CNY, whole cents
    trading_days: int  # the window: trading days before the application
    months: int  # required full months of trading experience


def rule_from_setting(kind: str, raw: Mapping) -> PermissionRule:
    """One entry of settings.TRADING_PERMISSION_RULES, validated (ValueError names what is wrong)."""
    try:
        assets = Decimal(str(raw["average_assets"]))
        days = raw["trading_days"]
        months = raw["months"]
    except KeyError as missing:
        raise ValueError(f"trading permission rule {kind!r}: {missing} is missing") from None
    except InvalidOperation:
        raise ValueError(f"trading permission rule {kind!r}: average_assets is not a number") from None
    if not assets.is_finite() or assets < 0 or assets != assets.quantize(Decimal("0.01")):
        raise ValueError(f"trading permission rule {kind!r}: average_assets must be ≥ 0 in whole cents")
    for name, value, least in (("trading_days", days, 1), ("months", months, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"trading permission rule {kind!r}: {name} must be an integer ≥ {least}")
    return PermissionRule(kind=kind, average_assets=assets.quantize(Decimal("0.01")), trading_days=days,
                          months=months)


def rules_from_settings(raw: Mapping[str, Mapping]) -> dict[str, PermissionRule]:
    return {kind: rule_from_setting(kind, entry) for kind, entry in raw.items()}


# --- Experience ---------------------------------------------------------------------------------------------


def full_months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end: month k is complete on the same day of the month k months after
    start, or, when that month is too short to have the day, on the first day of the month after it.

    2022-03-15 → 2024-03-14 is 23 months, → 2024-03-15 is 24; 2024-01-31 → 2024-02-29 is 0 (February has no
    31st), → 2024-03-01 is 1; 2024-02-29 → 2025-02-28 is 11, → 2025-03-01 is 12. It never counts a month
    before it has fully elapsed.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def first_trade(lake_first: date | None, csdc_first: date | None) -> tuple[date | None, FirstTradeSource]:
    """The earlier of the two known first trade dates and where it came from (the lake on a tie)."""
    if csdc_first is not None and (lake_first is None or csdc_first < lake_first):
        return csdc_first, FirstTradeSource.CSDC
    if lake_first is not None:
        return lake_first, FirstTradeSource.LAKE
    return None, FirstTradeSource.NONE


def assessment_state(*, is_professional: bool, level: str, expires_on: date | None, on: date) -> AssessmentState:
    """Whether the client's risk assessment is valid on a day (valid through its expiry date)."""
    if is_professional:
        return AssessmentState.NOT_REQUIRED
    if not level:
        return AssessmentState.MISSING
    if expires_on is None or expires_on < on:
        return AssessmentState.EXPIRED
    return AssessmentState.VALID


# --- Decision -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # Reason codes of every unmet criterion, in REASON order

    @property
    def awaits_signature_only(self) -> bool:
        """Everything is met except the signature: what a preview before signing hopes to show."""
        return self.reasons == (Reason.DISCLOSURE_NOT_SIGNED,)


def evaluate(kind: str, *, average_assets: Decimal, required_assets: Decimal, experience_months: int | None,
             required_months: int, disclosure_signed: bool,
             assessment: AssessmentState = AssessmentState.VALID, lowest_category: bool = False,
             account_normal: bool = True) -> Eligibility:
    """Every criterion of a permission application. experience_months None: no trade is known.

    average_assets must be the average truncated to the cent (engine.permissions.average_truncated) and
    required_assets whole cents: then `average ≥ required` decides exactly as the untruncated quotient would.
    """
    if not kind:
        raise ValueError("kind is required")
    reasons: list[str] = []
    if not account_normal:
        reasons.append(Reason.ACCOUNT_NOT_NORMAL)
    if assessment is AssessmentState.MISSING:
        reasons.append(Reason.ASSESSMENT_MISSING)
    elif assessment is AssessmentState.EXPIRED:
        reasons.append(Reason.ASSESSMENT_EXPIRED)
    if lowest_category:
        reasons.append(Reason.LOWEST_CATEGORY)
    if average_assets < required_assets:
        reasons.append(Reason.ASSETS_BELOW)
    if experience_months is None:
        if required_months > 0:
            reasons.append(Reason.NO_TRADING_HISTORY)
    elif experience_months < required_months:
        reasons.append(Reason.EXPERIENCE_SHORT)
    if not disclosure_signed:
        reasons.append(Reason.DISCLOSURE_NOT_SIGNED)
    return Eligibility(eligible=not reasons, reasons=tuple(str(r) for r in reasons))


def format_money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def reason_params(*, average_assets: Decimal | None, required_assets: Decimal | None, trading_days: int | None,
                  experience_months: int | None, required_months: int | None,
                  assessment_expires_on: date | None) -> dict[str, str]:
    """The placeholders REASON_MESSAGES use, formatted for display."""
    return {
        "average_assets": format_money(average_assets), "required_assets": format_money(required_assets),
        "trading_days": str(trading_days or 0), "experience_months": str(experience_months or 0),
        "required_months": str(required_months or 0),
        "assessment_expires_on": assessment_expires_on.isoformat() if assessment_expires_on else "—",
    }


def reason_message(code: str, params: Mapping[str, str], translate=lambda message: message) -> str:
    """The message of a reason code, translated and filled in (the code itself when unknown)."""
    template = REASON_MESSAGES.get(code)
    if template is None:
        return code
    return translate(template) % params


# --- Risk disclosures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """The risk disclosure statement the client signs for a permission: the signed text is the legal text in
    Chinese, identified by its version (the signature hash covers the version and the text)."""

    kind: str
    version: str
    title: str
    text: str


DISCLOSURES: dict[str, Disclosure] = {d.kind: d for d in (
    Disclosure("chinext", "CYB-2020.06", "创业板投资风险揭示书", (
        "一、创业板上市公司具有经营风险高、业绩不稳定、退市风险大等特点，投资者可能面临较大的投资风险。\n"
        "二、创业板股票实行注册制，首次公开发行上市的股票上市后前5个交易日不设价格涨跌幅限制，此后涨跌幅限制为20%，"
        "股价可能大幅波动。\n"
        "三、创业板退市情形更多、退市程序更简，公司退市后投资者可能遭受重大损失。\n"
        "四、投资者应当充分了解创业板的交易规则和风险，审慎参与创业板股票交易，自行承担投资风险。\n"
        "本人已阅读并充分理解上述风险揭示内容，自愿承担创业板股票交易的风险和损失。")),
    Disclosure("star", "KCB-2019.06", "科创板股票交易风险揭示书", (
        "一、科创板企业研发投入大、经营风险高、业绩不稳定，可能存在未盈利或特别表决权安排等情形。\n"
        "二、科创板股票上市后前5个交易日不设价格涨跌幅限制，此后涨跌幅限制为20%，单笔申报数量另有规定。\n"
        "三、科创板股票退市风险较大，退市后投资者可能无法转让所持股票，遭受重大损失。\n"
        "四、投资者应当遵守上海证券交易所的业务规则，了解科创板股票交易的特殊规定，自行承担投资风险。\n"
        "本人已阅读并充分理解上述风险揭示内容，自愿承担科创板股票交易的风险和损失。")),
    Disclosure("bse", "BJS-2021.11", "北京证券交易所投资风险揭示书", (
        "一、北京证券交易所上市公司以创新型中小企业为主，经营稳定性相对较弱，投资者可能面临较大的投资风险。\n"
        "二、北京证券交易所股票上市首日不设涨跌幅限制，此后涨跌幅限制为30%，股价可能大幅波动。\n"
        "三、北京证券交易所股票可能存在流动性风险与退市风险，投资者可能无法及时以合理价格卖出。\n"
        "四、投资者应当了解北京证券交易所的交易规则，审慎参与投资，自行承担投资风险。\n"
        "本人已阅读并充分理解上述风险揭示内容，自愿承担北京证券交易所股票交易的风险和损失。")),
    Disclosure("margin", "RZRQ-2019.08", "融资融券交易风险揭示书", (
        "一、融资融券交易具有杠杆效应，在放大投资收益的同时也成倍放大投资损失，投资者可能损失全部保证金甚至更多。\n"
        "二、维持担保比例低于约定的平仓线且未按期追加担保物时，证券公司有权强制平仓，由此产生的损失由投资者承担。\n"
        "三、投资者须按约定支付融资利息和融券费用，并承担标的证券范围、折算率等调整带来的风险。\n"
        "四、投资者应当充分了解融资融券业务规则和合同条款，审慎决策，自行承担交易风险。\n"
        "本人已阅读并充分理解上述风险揭示内容，自愿承担融资融券交易的风险和损失。")),
)}
