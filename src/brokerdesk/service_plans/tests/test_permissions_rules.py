"""Pure trading-permission rules: month arithmetic, the first trade, the assessment state, every unmet criterion
listed, the exact asset threshold, and the settings' validation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.service_plans import permission_rules as rules
from brokerdesk.service_plans.permission_rules import AssessmentState, FirstTradeSource, Reason

CHINEXT = Decimal("100000.00")


def _evaluate(**overrides):
    arguments = {"average_assets": CHINEXT, "required_assets": CHINEXT, "experience_months": 24,
                 "required_months": 24, "disclosure_signed": True}
    arguments.update(overrides)
    return rules.evaluate("chinext", **arguments)


# --- full_months_between ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2022, 3, 15), date(2024, 3, 14), 23),
    (date(2022, 3, 15), date(2024, 3, 15), 24),
    (date(2022, 3, 15), date(2024, 3, 16), 24),
    (date(2024, 1, 31), date(2024, 2, 29), 0),  # February has no 31st: the month is not complete
    (date(2024, 1, 31), date(2024, 3, 1), 1),
    (date(2024, 1, 31), date(2024, 3, 30), 1),
    (date(2024, 1, 31), date(2024, 3, 31), 2),
    (date(2024, 2, 29), date(2025, 2, 28), 11),  # a leap day's anniversary falls on 1 March
    (date(2024, 2, 29), date(2025, 3, 1), 12),
    (date(2023, 12, 31), date(2024, 1, 1), 0),
    (date(2024, 5, 10), date(2024, 5, 10), 0),
    (date(2018, 11, 30), date(2024, 11, 30), 72),
])
def test_it_counts_full_calendar_months(start, end, months):
    assert rules.full_months_between(start, end) == months


def test_it_refuses_an_end_before_the_start():
    with pytest.raises(ValueError):
        rules.full_months_between(date(2024, 5, 2), date(2024, 5, 1))


dates = st.dates(min_value=date(1990, 12, 1), max_value=date(2100, 12, 31))


def _same_day_months_later(start: date, months: int) -> date | None:
    index = start.month - 1 + months
    try:
        return start.replace(year=start.year + index // 12, month=index % 12 + 1)
    except ValueError:
        return None  # the day does not exist in that month


@given(dates, st.integers(min_value=0, max_value=400))
def test_it_completes_a_month_exactly_on_the_same_day_of_the_month(start, months):
    anniversary = _same_day_months_later(start, months)
    if anniversary is None or anniversary > date(2100, 12, 31):
        return
    assert rules.full_months_between(start, anniversary) == months
    if anniversary > start:
        assert rules.full_months_between(start, anniversary - timedelta(days=1)) == months - 1


@given(dates, st.integers(min_value=0, max_value=4000))
def test_it_never_decreases_and_never_counts_more_than_elapsed_days_allow(start, days):
    end = start + timedelta(days=days)
    later = end + timedelta(days=1)
    months = rules.full_months_between(start, end)
    assert 0 <= months <= rules.full_months_between(start, later)
    assert months <= days // 28  # no month is shorter than 28 days
    assert months >= days // 31 - 1  # nor longer than 31


# --- first trade, assessment ------------------------------------------------------------------------------


def test_it_takes_the_earlier_first_trade_and_names_its_source():
    lake, csdc = date(2023, 6, 1), date(2019, 4, 8)
    assert rules.first_trade(lake, csdc) == (csdc, FirstTradeSource.CSDC)
    assert rules.first_trade(lake, date(2024, 1, 2)) == (lake, FirstTradeSource.LAKE)
    assert rules.first_trade(lake, lake) == (lake, FirstTradeSource.LAKE)
    assert rules.first_trade(None, csdc) == (csdc, FirstTradeSource.CSDC)
    assert rules.first_trade(lake, None) == (lake, FirstTradeSource.LAKE)
    assert rules.first_trade(None, None) == (None, FirstTradeSource.NONE)


def test_it_tells_the_assessment_state_on_a_day():
    on = date(2024, 6, 1)
    assert rules.assessment_state(is_professional=False, level="C3", expires_on=on, on=on) is AssessmentState.VALID
    assert rules.assessment_state(is_professional=False, level="C3", expires_on=on - timedelta(days=1),
                                  on=on) is AssessmentState.EXPIRED
    assert rules.assessment_state(is_professional=False, level="C3", expires_on=None,
                                  on=on) is AssessmentState.EXPIRED
    assert rules.assessment_state(is_professional=False, level="", expires_on=on, on=on) is AssessmentState.MISSING
    assert rules.assessment_state(is_professional=True, level="", expires_on=None,
                                  on=on) is AssessmentState.NOT_REQUIRED


# --- evaluate ---------------------------------------------------------------------------------------------


def test_it_is_eligible_exactly_at_the_thresholds():
    result = _evaluate()
    assert result.eligible and result.reasons == ()


def test_it_refuses_one_cent_below_the_asset_threshold():
    result = _evaluate(average_assets=Decimal("99999.99"))
    assert not result.eligible
    assert result.reasons == (Reason.ASSETS_BELOW,)


def test_it_refuses_23_months_and_accepts_24():
    assert _evaluate(experience_months=23).reasons == (Reason.EXPERIENCE_SHORT,)
    assert _evaluate(experience_months=24).eligible
    assert _evaluate(experience_months=6, required_months=6).eligible


def test_it_lists_every_unmet_criterion_not_just_the_first():
    result = _evaluate(average_assets=Decimal("0.00"), experience_months=None, disclosure_signed=False,
                       assessment=AssessmentState.EXPIRED, lowest_category=True, account_normal=False)
    assert not result.eligible
    assert result.reasons == (Reason.ACCOUNT_NOT_NORMAL, Reason.ASSESSMENT_EXPIRED, Reason.LOWEST_CATEGORY,
                              Reason.ASSETS_BELOW, Reason.NO_TRADING_HISTORY, Reason.DISCLOSURE_NOT_SIGNED)
    assert _evaluate(assessment=AssessmentState.MISSING).reasons == (Reason.ASSESSMENT_MISSING,)
    assert _evaluate(assessment=AssessmentState.NOT_REQUIRED).eligible


def test_it_tells_a_preview_that_only_the_signature_is_missing():
    waiting = _evaluate(disclosure_signed=False)
    assert not waiting.eligible and waiting.awaits_signature_only
    assert not _evaluate(disclosure_signed=False, experience_months=1).awaits_signature_only


def test_it_has_a_message_for_every_reason_with_the_figures_filled_in():
    assert set(Reason) == set(rules.REASON_MESSAGES)
    params = rules.reason_params(average_assets=Decimal("99999.99"), required_assets=CHINEXT, trading_days=20,
                                 experience_months=23, required_months=24, assessment_expires_on=date(2024, 1, 2))
    for code in Reason:
        assert "%(" not in rules.reason_message(code, params)
    assert rules.reason_message(Reason.ASSETS_BELOW, params) == (
        "Average daily assets over the 20 trading days before the application are 99,999.99; at least 100,000.00 "
        "are required.")
    assert "23" in rules.reason_message(Reason.EXPERIENCE_SHORT, params)
    assert "2024-01-02" in rules.reason_message(Reason.ASSESSMENT_EXPIRED, params)
    assert rules.reason_message("something_else", params) == "something_else"


# --- settings ---------------------------------------------------------------------------------------------


def test_it_reads_the_configured_thresholds(settings):
    configured = rules.rules_from_settings(settings.TRADING_PERMISSION_RULES)
    for kind, raw in settings.TRADING_PERMISSION_RULES.items():
        assert configured[kind].average_assets == Decimal(str(raw["average_assets"]))
        assert configured[kind].trading_days == raw["trading_days"]
        assert configured[kind].months == raw["months"]


@pytest.mark.parametrize("raw", [
    {"average_assets": "100000.001", "trading_days": 20, "months": 24},  # not whole cents
    {"average_assets": "-1", "trading_days": 20, "months": 24},
    {"average_assets": "abc", "trading_days": 20, "months": 24},
    {"average_assets": "NaN", "trading_days": 20, "months": 24},
    {"average_assets": "100000", "trading_days": 0, "months": 24},
    {"average_assets": "100000", "trading_days": "20", "months": 24},
    {"average_assets": "100000", "trading_days": 20, "months": -1},
    {"average_assets": "100000", "trading_days": 20},
])
def test_it_rejects_a_malformed_rule(raw):
    with pytest.raises(ValueError):
        rules.rule_from_setting("chinext", raw)


def test_it_has_a_disclosure_for_every_configured_kind(settings):
    for kind in settings.TRADING_PERMISSION_RULES:
        disclosure = rules.DISCLOSURES[kind]
        assert disclosure.version and disclosure.title and disclosure.text
