"""A client answers a survey on a phone: the tokenised link, a detractor's 3 with a comment, the thank-you; the
closed loop puts a ticket in the client's branch's queue; the link cannot be used again. A reviewer's NPS
dashboard draws the trend chart from the page's figures."""

import pytest
from playwright.sync_api import expect

from brokerdesk.surveys.tests.nps_support import at, respond, survey_setup  # noqa: F401
from tests.browser.conftest import sign_in_on

pytestmark = pytest.mark.browser
WIDTH = 390


def test_it_takes_a_detractors_answers_on_a_phone_and_opens_a_ticket_at_the_branch(open_page, users, org,
                                                                                    customer_a):
    from brokerdesk.surveys import tokens
    from brokerdesk.surveys.models import Response
    from brokerdesk.surveys.tests.support import invitation_of, make_campaign
    from brokerdesk.tickets.models import Ticket

    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]], channels=["web"])
    invitation = invitation_of(campaign, customer_a)
    url = f"/surveys/r/{tokens.token_for(invitation)}/"
    phone = open_page(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                      device_scale_factor=3)

    assert phone.goto(url).status == 200
    form = phone.get_by_test_id("survey-form")
    expect(form).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH, "the page scrolls sideways"
    followup = phone.get_by_test_id("question-2")
    expect(followup).to_be_hidden()  # shown by the script only for 0-6
    score = form.locator("label.tap:has(input[name=q1][value='3'])")
    box = score.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, f"the score is too small to tap: {box}"
    score.tap()
    expect(followup).to_be_visible()
    followup.locator("label:has(input[value='服务态度'])").tap()
    form.locator("textarea[name=q3]").fill("营业部电话总是打不通")
    form.get_by_test_id("survey-submit").tap()
    expect(phone.get_by_test_id("survey-thanks")).to_be_visible()

    response = Response.objects.get()
    assert (response.nps_score, response.nps_group, response.comment) == (3, "detractor", "营业部电话总是打不通")
    ticket = Ticket.objects.get(pk=response.ticket_id)
    assert ticket.branch == org["branch_a"] and ticket.customer == customer_a and ticket.kind == "complaint"

    again = phone.goto(url)
    assert again.status == 410
    expect(phone.get_by_test_id("survey-link-invalid")).to_be_visible()
    expect(phone.get_by_test_id("survey-form")).to_have_count(0)

    desk = open_page()
    sign_in_on(desk, users["branch_a"])
    desk.goto("/tickets/?status=open")
    expect(desk.locator("body")).to_contain_text(ticket.number)


def test_the_nps_dashboard_draws_the_trend_with_its_interval(page, users, org, survey_setup):  # noqa: F811
    # January: 10, 9, 7, 2 -> (2 - 1) / 4 = 25.00; February: 0, 0, 10 -> (1 - 2) / 3 = -33.33.
    for score in (10, 9, 7, 2):
        respond(survey_setup, org["branch_a"], score, at(2026, 1, 8, 10))
    for score in (0, 0, 10):
        respond(survey_setup, org["branch_b"], score, at(2026, 2, 9, 10))
    sign_in_on(page, users["reviewer"])

    page.goto("/surveys/nps/?from=2026-01-01&to=2026-02-28")
    chart = page.locator("[data-nps-chart]")
    expect(chart.locator("canvas")).to_have_count(1)  # ECharts drew it (the script hides the box without data)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150, box

    drawn = chart.evaluate("""el => {
        const option = echarts.getInstanceByDom(el).getOption();
        const series = Object.fromEntries(option.series.map(s => [s.name, s.data]));
        return {labels: option.xAxis[0].data, series: series, legend: option.legend[0].data};
    }""")
    assert drawn["labels"] == ["2026-01", "2026-02"]
    assert drawn["series"]["NPS"] == [25, -33.33]
    responses_name, interval_name = drawn["legend"][2], drawn["legend"][1]
    assert drawn["series"][responses_name] == [4, 3]
    low, band = drawn["series"]["low"], drawn["series"][interval_name]
    for nps, bottom, width in zip(drawn["series"]["NPS"], low, band, strict=True):
        assert bottom <= nps <= bottom + width  # the band holds the point
