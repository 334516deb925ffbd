"""surveys.analytics on hand-made responses: NPS per branch and month (Shanghai time), other dimensions, scoping,
experience officers apart, response rates, verbatim keywords."""

from datetime import date

import pytest

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.segmentation.models import Segment
from brokerdesk.surveys import analytics
from brokerdesk.surveys.tests.nps_support import at, invite, put_in_segment, respond, survey_setup  # noqa: F401

JAN_FEB = analytics.filters_for(date(2026, 1, 1), date(2026, 2, 28), "month")


@pytest.fixture
def answers(org, survey_setup):  # noqa: F811
    a, b = org["branch_a"], org["branch_b"]
    s = survey_setup
    # Branch A, January: 10, 9 (promoters), 8 (passive), 3 (detractor) -> (2 - 1) / 4 = 25.00
    for score, day in ((10, 3), (9, 10), (8, 15), (3, 20)):
        respond(s, a, score, at(2026, 1, day, 10))
    # Branch A, February: 6, 6 (detractors), 10 (promoter) -> (1 - 2) / 3 = -33.33.
    # 2026-02-01 01:00 in Shanghai is 2026-01-31 17:00 UTC: it belongs to February.
    respond(s, a, 6, at(2026, 2, 1, 1, 0))
    respond(s, a, 6, at(2026, 2, 14, 9))
    respond(s, a, 10, at(2026, 2, 28, 23, 59))
    # Branch B, January: four 9s and a 0 -> (4 - 1) / 5 = 60.00
    for score in (9, 9, 9, 9, 0):
        respond(s, b, score, at(2026, 1, 5, 11))
    # Outside the range (31 Dec 2025, 23:59 Shanghai) and an experience officer in A in January: not counted.
    respond(s, a, 0, at(2025, 12, 31, 23, 59))
    respond(s, a, 0, at(2026, 1, 12, 10), officer=True, theme=s["trading"], comment="交易系统登录很慢")
    return s


def _table(actor, filters=JAN_FEB):
    return {(r["branch"].split(" (")[0], r["period"]): (r["responses"], r["nps"])
            for r in analytics.branch_month_table(actor, filters)}


def test_it_computes_nps_by_branch_and_month_in_shanghai_time(users, answers):
    assert _table(users["reviewer"]) == {
        ("深圳A营业部", "2026-01"): (4, 25.0),
        ("深圳A营业部", "2026-02"): (3, -33.33),
        ("上海B营业部", "2026-01"): (5, 60.0),
    }


def test_it_gives_the_interval_with_each_figure(users, answers):
    rows = {r.label: r.figure for r in analytics.nps_by(users["reviewer"], JAN_FEB, "branch")}
    a = rows["深圳A营业部 (BA01)"]
    # 7 responses in A: 3 promoters, 1 passive, 3 detractors -> NPS 0; small sample (adjusted variance)
    assert (a.promoters, a.passives, a.detractors, a.nps) == (3, 1, 3, 0.0)
    assert a.small_sample and a.low < 0 < a.high


def test_it_gives_every_period_of_the_range_in_order(users, answers):
    trend = analytics.nps_by(users["reviewer"], analytics.filters_for(date(2025, 12, 1), date(2026, 3, 31)),
                             "period")
    assert [(r.label, r.figure.responses, None if r.figure.nps is None else round(r.figure.nps, 2))
            for r in trend] == [("2025-12", 1, -100.0), ("2026-01", 9, 44.44), ("2026-02", 3, -33.33),
                                ("2026-03", 0, None)]


def test_it_buckets_by_iso_week_and_by_day(users, answers):
    weeks = analytics.nps_by(users["reviewer"], analytics.filters_for(date(2026, 1, 26), date(2026, 2, 8), "week"),
                             "period")
    # Monday 26 Jan - Sunday 1 Feb holds the 01:00 answer of 1 Feb; 2-8 Feb nothing.
    assert [(r.label, r.figure.responses) for r in weeks] == [("2026-W05", 1), ("2026-W06", 0)]
    days = analytics.nps_by(users["reviewer"], analytics.filters_for(date(2026, 1, 31), date(2026, 2, 1), "day"),
                            "period")
    assert [(r.label, r.figure.responses) for r in days] == [("2026-01-31", 0), ("2026-02-01", 1)]


def test_it_groups_by_theme_channel_and_current_segment(users, answers, org, survey_setup):  # noqa: F811
    client = __import__("tests.factories", fromlist=["make_customer"]).make_customer(org["branch_a"])
    vip = Segment.objects.create(dimension="tag", code="nps_vip", label_zh="NPS贵宾")
    put_in_segment(client, vip)
    respond(survey_setup, org["branch_a"], 10, at(2026, 1, 20), theme=survey_setup["trading"], channel="email",
            customer=client)
    reviewer = users["reviewer"]
    themes = {r.label: r.figure.responses for r in analytics.nps_by(reviewer, JAN_FEB, "theme")}
    assert themes == {"总体": 12, "交易系统": 1}  # the officer's trading answer is not there
    channels = {r.key: r.figure.responses for r in analytics.nps_by(reviewer, JAN_FEB, "channel")}
    assert channels == {"sms": 12, "email": 1}
    segments = analytics.nps_by(reviewer, JAN_FEB, "segment")
    assert [(r.key, r.figure.responses, r.figure.nps) for r in segments] == [(vip.pk, 1, 100.0)]
    only_vip = analytics.filters_for(date(2026, 1, 1), date(2026, 2, 28), segment_id=vip.pk)
    assert analytics.nps_total(reviewer, only_vip).responses == 1


def test_it_keeps_experience_officers_apart(users, answers):
    clients = analytics.nps_total(users["reviewer"], JAN_FEB)
    officers = analytics.nps_total(users["reviewer"], JAN_FEB, officers=True)
    assert clients.responses == 12 and officers.responses == 1 and officers.nps == -100.0
    # 12 clients: promoters 10,9,10 + 9,9,9,9 = 7; passive 8 = 1; detractors 3,6,6,0 = 4 -> (7 - 4) / 12 = 25
    assert clients.nps == pytest.approx(25.0)
    assert [g.comments for g in analytics.verbatims(users["reviewer"], JAN_FEB)] == [0, 0, 0]
    officer_words = analytics.verbatims(users["reviewer"], JAN_FEB, officers=True)[0]
    assert officer_words.comments == 1 and "交易系统" in [k.term for k in officer_words.keywords]


def test_it_shows_branch_staff_their_branch_only(users, answers):
    assert set(_table(users["branch_a"])) == {("深圳A营业部", "2026-01"), ("深圳A营业部", "2026-02")}
    assert set(_table(users["branch_b"])) == {("上海B营业部", "2026-01")}
    assert analytics.nps_total(users["branch_b"], JAN_FEB).responses == 5


def test_it_hides_another_branch_like_a_missing_one(users, answers, org):
    params = {"from": "2026-01-01", "to": "2026-02-28", "branch": str(org["branch_a"].pk)}
    assert analytics.parse_filters(users["branch_a"], params).branch_id == org["branch_a"].pk
    with pytest.raises(NotFound):
        analytics.parse_filters(users["branch_b"], params)
    with pytest.raises(NotFound):
        analytics.parse_filters(users["reviewer"], {**params, "branch": "999999"})


def test_it_refuses_staff_without_view_nps(users, answers):
    for who in ("agent", "manager_a"):
        with pytest.raises(PermissionDenied):
            analytics.nps_total(users[who], JAN_FEB)


def test_it_reports_every_bad_filter_at_once(users):
    with pytest.raises(ValidationFailed) as error:
        analytics.parse_filters(users["reviewer"], {"from": "2026-13-01", "unit": "year", "channel": "fax",
                                                    "branch": "x"})
    assert set(error.value.details) == {"from", "unit", "channel", "branch"}
    with pytest.raises(ValidationFailed) as error:
        analytics.parse_filters(users["reviewer"], {"from": "2020-01-01", "to": "2026-01-01", "unit": "day"})
    assert "unit" in error.value.details
    with pytest.raises(ValidationFailed):
        analytics.parse_filters(users["reviewer"], {"from": "2026-02-01", "to": "2026-01-01"})


def test_it_computes_response_rates_per_campaign_and_branch(users, org, survey_setup):  # noqa: F811
    a, b = org["branch_a"], org["branch_b"]
    when = at(2026, 1, 10)
    for status in ("responded", "responded", "sent", "opened", "expired", "suppressed", "pending"):
        invite(survey_setup, a, status, created_at=when)
    for status in ("responded", "sent"):
        invite(survey_setup, b, status, created_at=when)
    invite(survey_setup, b, "responded", created_at=at(2025, 6, 1))  # before the period
    by_branch = {r.key: (r.invited, r.responded, r.suppressed, r.rate)
                 for r in analytics.response_rates(users["reviewer"], JAN_FEB, "branch")}
    # A: invited = responded 2 + sent + opened + expired = 5; 2/5 = 40 %; B: 1/2 = 50 %
    assert by_branch == {a.pk: (5, 2, 1, 40.0), b.pk: (2, 1, 0, 50.0)}
    by_campaign = analytics.response_rates(users["reviewer"], JAN_FEB, "campaign")
    assert [(r.invited, r.responded) for r in by_campaign] == [(7, 3)]
    assert [(r.key, r.invited) for r in analytics.response_rates(users["branch_b"], JAN_FEB, "branch")] == [(b.pk, 2)]


def test_it_groups_comments_by_keyword_with_masked_examples(users, org, survey_setup):  # noqa: F811
    from tests.factories import make_customer

    client = make_customer(org["branch_a"], name="王小明")
    comments = [
        (2, "交易系统经常卡顿，下单很慢"), (3, "交易系统卡顿，客服电话打不通"), (5, "手续费太高了，交易系统也卡顿"),
        (6, "客服电话一直打不通 13812345678"), (8, "还可以，手续费有点高"), (10, "客户经理很专业，融资融券讲解清楚"),
        (9, "客户经理服务热情"),
    ]
    for score, text in comments:
        respond(survey_setup, org["branch_a"], score, at(2026, 1, 15), comment=text, customer=client)
    groups = {g.group: g for g in analytics.verbatims(users["reviewer"], JAN_FEB)}
    detractors = groups["detractor"]
    assert detractors.comments == 4
    top = {k.term: k.count for k in detractors.keywords}
    assert top["交易系统"] == 3 and top["卡顿"] == 3 and top["客服"] == 2 and top["电话"] == 2
    assert "的" not in top and "了" not in top and "很" not in top
    example = next(k for k in detractors.keywords if k.term == "电话").examples[0]
    assert example.client == "王**"
    assert "13812345678" not in example.comment
    promoters = {k.term for k in groups["promoter"].keywords}
    assert "客户经理" in promoters
    assert "融资融券" in promoters and "融资" not in promoters  # the whole word, not its search-mode parts
    assert {k.term for k in groups["passive"].keywords} >= {"手续费"}


def test_it_keeps_the_daily_counts_equal_to_a_recount_of_the_responses(survey_setup, org):  # noqa: F811
    from brokerdesk.surveys.models import NpsDaily, NpsMonthly
    from brokerdesk.surveys.nps_daily import nps_daily_rebuild

    for score, day in ((10, 1), (9, 1), (3, 1), (7, 2), (0, 2)):
        respond(survey_setup, org["branch_a"], score, at(2026, 3, day, 23, 30))  # 23:30 Shanghai: still that day
    respond(survey_setup, None, 8, at(2026, 3, 2, 9))
    columns = ("day", "branch_key", "promoters", "passives", "detractors")
    kept = sorted(NpsDaily.objects.values_list(*columns))
    kept_months = sorted(NpsMonthly.objects.values_list(*columns))
    assert nps_daily_rebuild() == len(kept)
    assert sorted(NpsDaily.objects.values_list(*columns)) == kept
    assert sorted(NpsMonthly.objects.values_list(*columns)) == kept_months
    assert (kept[0][0].day, kept[0][2:]) == (1, (2, 0, 1))
    assert kept_months[1][2:] == (2, 1, 2)  # branch A's March: 10, 9 / 7 / 3, 0


def test_it_reads_the_same_nps_from_the_monthly_and_the_daily_counts(users, answers):
    whole = analytics.nps_by(users["reviewer"], JAN_FEB, "branch")  # whole months: the monthly counts
    by_day = analytics.filters_for(date(2026, 1, 1), date(2026, 2, 28), "day")
    daily = analytics.nps_by(users["reviewer"], by_day, "branch")  # the same range read day by day
    assert [(r.key, r.figure.nps) for r in whole] == [(r.key, r.figure.nps) for r in daily]
