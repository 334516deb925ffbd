"""The C × R matrix of DOMAIN.md, professional investors, the lowest category and expired assessments."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.service_plans.rules import (
    CLIENT_LEVELS,
    RISK_LEVELS,
    ClientRisk,
    MatchPolicy,
    Outcome,
    decide,
    signature_hash,
)

TODAY = date(2026, 11, 20)
VALID = TODAY + timedelta(days=300)

# client level -> the highest matching product level (DOMAIN.md "Matching")
COVERS = {"C1": "R1", "C2": "R2", "C3": "R3", "C4": "R4", "C5": "R5"}
MATRIX = [(c, r, RISK_LEVELS.index(r) <= RISK_LEVELS.index(COVERS[c])) for c in CLIENT_LEVELS for r in RISK_LEVELS]


def ordinary(level: str, expires_on=VALID, lowest=False) -> ClientRisk:
    return ClientRisk(is_professional=False, level=level, is_lowest_category=lowest, expires_on=expires_on)


@pytest.mark.parametrize(("level", "risk", "matches"), MATRIX)
def test_it_matches_the_whole_c_by_r_matrix(level, risk, matches):
    decision = decide(ordinary(level), risk, TODAY)
    assert decision.outcome is (Outcome.MATCH if matches else Outcome.CONFIRMATION_REQUIRED)


@pytest.mark.parametrize("risk", RISK_LEVELS)
@pytest.mark.parametrize("level", [*CLIENT_LEVELS, ""])
def test_it_lets_professional_investors_have_everything(level, risk):
    client = ClientRisk(is_professional=True, level=level, is_lowest_category=False, expires_on=None)
    assert decide(client, risk, TODAY).outcome is Outcome.MATCH


@pytest.mark.parametrize("risk", RISK_LEVELS)
def test_it_refuses_the_lowest_category_anything_above_r1(risk):
    decision = decide(ordinary("C1", lowest=True), risk, TODAY)
    assert decision.outcome is (Outcome.MATCH if risk == "R1" else Outcome.REFUSED_LOWEST_CATEGORY)


def test_it_refuses_the_lowest_category_even_when_flagged_professional():
    client = ClientRisk(is_professional=True, level="C1", is_lowest_category=True, expires_on=VALID)
    assert decide(client, "R2", TODAY).outcome is Outcome.REFUSED_LOWEST_CATEGORY


@pytest.mark.parametrize(("expires_on", "outcome"), [
    (TODAY - timedelta(days=1), Outcome.REFUSED_NO_ASSESSMENT),
    (TODAY, Outcome.MATCH),  # valid through its expiry date
    (None, Outcome.REFUSED_NO_ASSESSMENT),
])
def test_it_refuses_ordinary_investors_with_an_expired_assessment(expires_on, outcome):
    assert decide(ordinary("C5", expires_on=expires_on), "R1", TODAY).outcome is outcome


def test_it_refuses_ordinary_investors_never_assessed():
    decision = decide(ordinary(""), "R1", TODAY)
    assert decision.outcome is Outcome.REFUSED_NO_ASSESSMENT
    assert decision.reasons == ("assessment_missing",)


@pytest.mark.parametrize(("level", "high"), [("C5", True), ("C4", True), ("C3", False)])
def test_it_flags_high_risk_products_to_ordinary_investors(level, high):
    decision = decide(ordinary(level), "R5" if high else "R3", TODAY)
    assert decision.high_risk_to_ordinary is high


def test_it_takes_high_risk_levels_from_the_policy():
    policy = MatchPolicy(high_risk_levels=frozenset({"R4", "R5"}))
    assert decide(ordinary("C4"), "R4", TODAY, policy).high_risk_to_ordinary
    assert not decide(ordinary("C4"), "R4", TODAY).high_risk_to_ordinary


def test_it_rejects_unknown_risk_levels():
    with pytest.raises(ValueError, match="R9"):
        decide(ordinary("C3"), "R9", TODAY)


@given(level=st.sampled_from([*CLIENT_LEVELS, ""]), professional=st.booleans(),
       expires=st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))),
       risk=st.sampled_from(RISK_LEVELS), high=st.sets(st.sampled_from(RISK_LEVELS)))
def test_it_never_matches_a_lowest_category_client_above_r1(level, professional, expires, risk, high):
    client = ClientRisk(is_professional=professional, level=level, is_lowest_category=True, expires_on=expires)
    decision = decide(client, risk, TODAY, MatchPolicy(high_risk_levels=frozenset(high)))
    if risk != "R1":
        assert decision.refused
        assert decision.outcome is not Outcome.CONFIRMATION_REQUIRED


def test_it_hashes_what_was_signed_canonically():
    a = signature_hash({"b": 1, "a": "签名"})
    assert a == signature_hash({"a": "签名", "b": 1})
    assert a != signature_hash({"a": "签名", "b": 2})
