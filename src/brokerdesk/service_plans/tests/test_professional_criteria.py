"""Professional-investor criteria (Art. 8 and Art. 11), pure: exact thresholds, bases against client kinds, and the
thresholds a brokerage sets in PROFESSIONAL_INVESTOR_CRITERIA."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from brokerdesk.service_plans.scoring import ProfessionalCriteria, ProfessionalFacts, professional_evaluate
from brokerdesk.service_plans.services.professional import professional_criteria

D = Decimal


def person(basis="person_assets", **figures) -> ProfessionalFacts:
    return ProfessionalFacts(customer_kind="person", basis=basis, **figures)


def test_it_meets_the_individual_asset_test_at_exactly_five_million_and_not_a_cent_below():
    at = professional_evaluate(person(financial_assets=D("5000000.00"), experience_years=D("2")))
    below = professional_evaluate(person(financial_assets=D("4999999.99"), experience_years=D("2")))
    assert at.met and at.reasons == ("financial_assets_met", "experience_met")
    assert not below.met and below.reasons == ("financial_assets_below", "experience_met")


def test_it_needs_two_full_years_of_experience_or_a_professional_background():
    short = person(financial_assets=D("8000000"), experience_years=D("1.9"))
    assert not professional_evaluate(short).met
    assert professional_evaluate(person(financial_assets=D("8000000"), experience_years=D("2.0"))).met
    with_background = ProfessionalFacts(**{**short.__dict__, "professional_background": True})
    result = professional_evaluate(with_background)
    assert result.met and result.reasons == ("financial_assets_met", "experience_below", "professional_background")


def test_it_meets_the_income_test_at_exactly_five_hundred_thousand():
    assert professional_evaluate(person("person_income", average_income_3y=D("500000.00"),
                                        experience_years=D("2"))).met
    assert not professional_evaluate(person("person_income", average_income_3y=D("499999.99"),
                                            experience_years=D("5"))).met


def test_it_treats_financial_institutions_and_their_products_as_professional_automatically():
    for kind in ("institution", "product"):
        result = professional_evaluate(ProfessionalFacts(customer_kind=kind, basis="institution"))
        assert result.met and result.reasons == ("financial_institution",)


def test_it_refuses_a_basis_that_does_not_fit_the_client_kind():
    assert professional_evaluate(ProfessionalFacts(customer_kind="person", basis="institution")).reasons == (
        "basis_not_for_client_kind",)
    assert not professional_evaluate(ProfessionalFacts(customer_kind="corporate", basis="person_assets",
                                                       financial_assets=D("9e9"), experience_years=D(9))).met


def test_it_needs_every_entity_threshold():
    ok = {"net_assets": D("20000000"), "financial_assets": D("10000000"), "experience_years": D("2")}
    assert professional_evaluate(ProfessionalFacts(customer_kind="corporate", basis="entity", **ok)).met
    for name, lower in (("net_assets", D("19999999.99")), ("financial_assets", D("9999999.99")),
                        ("experience_years", D("1.9"))):
        facts = ProfessionalFacts(customer_kind="corporate", basis="entity", **(ok | {name: lower}))
        assert not professional_evaluate(facts).met, name


def test_it_upgrades_an_individual_on_request_with_either_figure_and_one_year():
    assert professional_evaluate(person("person_on_request", financial_assets=D("3000000"),
                                        experience_years=D("1"))).met
    assert professional_evaluate(person("person_on_request", average_income_3y=D("300000"),
                                        experience_years=D("1"))).met
    assert not professional_evaluate(person("person_on_request", financial_assets=D("2999999.99"),
                                            average_income_3y=D("299999.99"), experience_years=D("3"))).met
    result = professional_evaluate(person("person_on_request", financial_assets=D("3000000"),
                                          experience_years=D("0.9")))
    assert not result.met and "experience_below" in result.reasons
    assert professional_evaluate(person("person_on_request", experience_years=D("1"))).reasons == (
        "wealth_missing", "experience_met")


def test_it_reads_tightened_thresholds_from_settings(settings):
    settings.PROFESSIONAL_INVESTOR_CRITERIA = {"person_financial_assets": "6000000", "person_experience_years": 3}
    criteria = professional_criteria()
    assert criteria.person_financial_assets == D("6000000") and criteria.person_experience_years == D("3")
    assert criteria.person_average_income == ProfessionalCriteria().person_average_income
    assert not professional_evaluate(person(financial_assets=D("5500000"), experience_years=D("3")), criteria).met
    settings.PROFESSIONAL_INVESTOR_CRITERIA = {"person_financial_asets": 1}
    with pytest.raises(ImproperlyConfigured, match="person_financial_asets"):
        professional_criteria()


def test_it_uses_the_regulation_defaults_without_a_setting(settings):
    if hasattr(settings, "PROFESSIONAL_INVESTOR_CRITERIA"):
        del settings.PROFESSIONAL_INVESTOR_CRITERIA
    assert professional_criteria() == ProfessionalCriteria()
