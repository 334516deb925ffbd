"""The return-visit figures against hand-computed numbers (the data set is in report_data.py), and their scoping:
branch staff see their branch's rows only."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from brokerdesk.core.errors import ValidationFailed
from brokerdesk.visits.reports.figures import visit_figures
from brokerdesk.visits.reports.periods import parse_period
from brokerdesk.visits.tests.report_data import NOW, SH, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, users):
    return build(org, users)


def _march(actor):
    return visit_figures(actor, parse_period("2025-03", now=NOW), now=NOW)


def _year(actor):
    return visit_figures(actor, parse_period(year="2025", now=NOW), now=NOW)


def _counts(row) -> dict:
    return {name: getattr(row, name) for name in ("required", "done", "unreachable", "refused", "wrong_number", "open",
                                                  "overdue", "cancelled")}


# --- Periods -----------------------------------------------------------------------------------------------


def test_it_reads_a_month_a_year_and_defaults_to_this_year_to_date():
    march = parse_period("2025-03", now=NOW)
    assert (march.label, march.query, march.start, march.end) == (
        "2025-03", "month=2025-03", datetime(2025, 3, 1, tzinfo=SH), datetime(2025, 4, 1, tzinfo=SH))
    assert march.as_of == march.end and march.elapsed_months == 3 and not march.running
    default = parse_period(now=NOW)
    assert (default.label, default.month, default.as_of, default.running) == ("2025", None, NOW, True)
    assert default.elapsed_months == 3  # January to March are over on 10 April
    assert parse_period(year="2024", now=NOW).elapsed_months == 12
    assert parse_period(year="2026", now=NOW).elapsed_months == 0


@pytest.mark.parametrize(("month", "year"), [("2025-13", None), ("March", None), (None, "25"), (None, "1999")])
def test_it_refuses_a_period_it_cannot_read(month, year):
    with pytest.raises(ValidationFailed):
        parse_period(month, year, now=NOW)


# --- Coverage ----------------------------------------------------------------------------------------------


def test_it_counts_coverage_per_programme_branch_and_in_total(users, data):
    with translation.override("zh-hans"):
        figures = _march(users["supervisor"])
    assert figures.scope == "全部营业部"  # the translated "All branches"
    assert _counts(figures.total) == {"required": 7, "done": 3, "unreachable": 1, "refused": 1, "wrong_number": 0,
                                      "open": 2, "overdue": 1, "cancelled": 1}
    assert figures.total.rate == Decimal("0.4286") and figures.total.rate_percent == "42.9%"
    programmes = {row.key: row for row in figures.by_programme}
    assert _counts(programmes["new_account"]) == {"required": 4, "done": 2, "unreachable": 0, "refused": 1,
                                                  "wrong_number": 0, "open": 1, "overdue": 1, "cancelled": 0}
    assert programmes["new_account"].rate == Decimal("0.5")
    assert _counts(programmes["annual_sample"]) == {"required": 3, "done": 1, "unreachable": 1, "refused": 0,
                                                    "wrong_number": 0, "open": 1, "overdue": 0, "cancelled": 1}
    # Every active programme is listed, the ones without tasks with zeros (and no rate).
    assert programmes["complaint_callback"].required == 0 and programmes["complaint_callback"].rate is None
    assert [row.key for row in figures.by_programme][:2] == ["complaint_callback", "abnormal_activity"]  # priority
    branches = {row.key: row for row in figures.by_branch}
    assert list(branches) == ["BA01", "BB01"]
    assert _counts(branches["BA01"]) == {"required": 4, "done": 2, "unreachable": 0, "refused": 1, "wrong_number": 0,
                                         "open": 1, "overdue": 1, "cancelled": 1}
    assert _counts(branches["BB01"]) == {"required": 3, "done": 1, "unreachable": 1, "refused": 0, "wrong_number": 0,
                                         "open": 1, "overdue": 0, "cancelled": 0}


def test_it_counts_the_year_to_date_with_the_tasks_of_other_months(users, data):
    figures = visit_figures(users["supervisor"], parse_period(now=NOW), now=NOW)
    assert (figures.total.required, figures.total.done) == (9, 5)  # + T9 (February) and T10 (April)
    assert {row.key: row.done for row in figures.by_programme if row.done} == {"new_account": 3, "annual_sample": 2}


def test_it_shows_branch_staff_their_branch_only(users, data):
    a = _march(users["branch_a"])
    assert a.scope == str(users["branch_a"].branch)
    assert _counts(a.total) == {"required": 4, "done": 2, "unreachable": 0, "refused": 1, "wrong_number": 0,
                                "open": 1, "overdue": 1, "cancelled": 1}
    assert [row.key for row in a.by_branch] == ["BA01"]
    b = _march(users["branch_b"])
    assert [row.key for row in b.by_branch] == ["BB01"] and (b.total.required, b.total.done) == (3, 1)
    assert [row.branch_code for row in b.sample] == ["BB01"]
    assert [row.branch_code for row in b.findings_by_branch] == ["BB01"] and b.findings_total == 1


def test_it_counts_nothing_without_the_report_permission(users, data):
    figures = _march(users["agent"])
    assert figures.total.required == 0 and figures.sample == [] and figures.agents == []
    assert figures.findings_total == 0 and figures.finding_items is None


# --- The yearly sample -------------------------------------------------------------------------------------


def test_it_measures_the_sample_against_each_branchs_stratum_and_flags_the_branches_behind(users, data):
    figures = _march(users["supervisor"])
    rows = {row.branch_code: row for row in figures.sample}
    a, b = rows["BA01"], rows["BB01"]
    # By the end of March (3 months gone): A needs ceil(4 × 3/12) = 1 and has 1; B needs ceil(10 × 3/12) = 3 and
    # has none (T10 was completed in April; T11 belongs to 2024's sample; T5 is cancelled).
    assert (a.eligible, a.required, a.released, a.completed, a.expected, a.behind) == (40, 4, 1, 1, 1, False)
    assert (b.eligible, b.required, b.released, b.completed, b.expected, b.behind) == (95, 10, 3, 0, 3, True)
    assert a.progress == Decimal("0.25") and a.reached_ratio == Decimal("0.025") and a.target_ratio == Decimal("0.1")
    total = figures.sample_total
    assert (total.eligible, total.required, total.released, total.completed, total.expected, total.behind) == (
        135, 14, 4, 1, 4, True)
    assert total.progress == Decimal("0.0714") and total.reached_ratio == Decimal("0.0074")
    assert total.target_percent == "10.0%"


def test_it_counts_sample_completions_up_to_now_in_the_running_year(users, data):
    rows = {row.branch_code: row for row in _year(users["supervisor"]).sample}
    assert (rows["BB01"].completed, rows["BB01"].expected, rows["BB01"].behind) == (1, 3, True)
    assert (rows["BA01"].completed, rows["BA01"].behind) == (1, False)


# --- Agents ------------------------------------------------------------------------------------------------


def test_it_sums_up_each_agents_calls(users, data):
    agents = {row.agent_id: row for row in _march(users["supervisor"]).agents}
    agent = agents[users["agent"].pk]
    # Calls T1#1 T1#2 T2#1 T6#1 T7#1-3; finished by the agent: T1 (2 calls), T2 (1), T6 (1), T7 (3) → 7 / 4.
    assert (agent.calls, agent.tasks, agent.completed, agent.finished) == (7, 4, 2, 4)
    assert agent.rate == Decimal("0.5") and agent.avg_attempts == Decimal("1.75")
    assert agent.avg_call_seconds == 167 and agent.avg_call == "2:47"  # (60+300+120+600+3×30) / 7 = 167.1
    assert agent.findings == 2
    supervisor = agents[users["supervisor"].pk]
    assert (supervisor.calls, supervisor.tasks, supervisor.completed, supervisor.finished, supervisor.findings) == (
        1, 1, 1, 1, 1)
    assert supervisor.avg_attempts == Decimal("1.00") and supervisor.avg_call_seconds == 240
    assert list(agents) == [users["agent"].pk, users["supervisor"].pk]


def test_it_counts_only_the_branchs_calls_for_branch_staff(users, data):
    agents = {row.agent_id: row for row in _march(users["branch_a"]).agents}
    agent = agents[users["agent"].pk]
    assert (agent.calls, agent.tasks, agent.completed, agent.finished, agent.findings) == (3, 2, 1, 2, 1)
    assert agent.avg_attempts == Decimal("1.50") and agent.avg_call_seconds == 160
    assert agents[users["supervisor"].pk].calls == 1


# --- Findings and the chart --------------------------------------------------------------------------------


def test_it_counts_findings_by_kind_and_branch_and_lists_them_for_compliance(users, data):
    figures = _march(users["compliance"])
    kinds = [value for value, _label in figures.finding_kinds]
    by_branch = {row.branch_code: dict(zip(kinds, row.counts, strict=True)) for row in figures.findings_by_branch}
    assert by_branch["BA01"]["staff_traded"] == 1 and by_branch["BA01"]["promised_returns"] == 1
    assert by_branch["BB01"]["staff_traded"] == 1 and sum(by_branch["BB01"].values()) == 1
    totals = dict(zip(kinds, figures.findings_by_kind, strict=True))
    assert totals == {"staff_traded": 2, "discretionary_mandate": 0, "risk_not_understood": 0, "not_own_account": 0,
                      "promised_returns": 1, "other_misconduct": 0}
    assert figures.findings_total == 3
    items = figures.finding_items
    assert [i.finding_id for i in items] == [data["findings"][k].pk for k in ("F2", "F3", "F1")]  # newest first
    first = next(i for i in items if i.finding_id == data["findings"]["F1"].pk)
    assert first.ticket_id == data["tickets"]["TK-V1"].pk and first.ticket_number == "TK-V1"
    customer = data["customers"]["a1"]
    assert first.client == customer.name[0] + "*" * (len(customer.name) - 1) and first.client != customer.name
    assert next(i for i in items if i.finding_id == data["findings"]["F2"].pk).ticket_id is None


def test_it_lists_findings_only_for_those_who_may_view_them(users, data):
    figures = _march(users["branch_a"])  # the report permission, not visits.view_visitfinding
    assert figures.findings_total == 2 and figures.finding_items is None


def test_it_charts_completions_per_week_of_the_month_in_shanghai_time(users, data):
    chart = _march(users["supervisor"]).chart
    assert chart["unit"] == "week"
    assert chart["labels"] == ["2025-02-24", "2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31"]
    series = {s["name"]: s["data"] for s in chart["series"]}
    # T6 finished on Monday 10 March 00:30 in Shanghai (still Sunday in UTC): the week of 10 March.
    assert series == {"新开户回访": [0, 1, 1, 0, 0, 0], "存量客户年度抽样回访": [0, 0, 1, 0, 0, 0]}


def test_it_charts_completions_per_month_of_the_year_up_to_now(users, data):
    chart = _year(users["supervisor"]).chart
    assert chart["unit"] == "month" and chart["labels"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    series = {s["name"]: s["data"] for s in chart["series"]}
    assert series == {"新开户回访": [0, 1, 2, 0], "存量客户年度抽样回访": [0, 0, 1, 1]}
    assert len(visit_figures(users["supervisor"], parse_period(year="2024", now=NOW), now=NOW).chart["labels"]) == 12


def test_it_computes_the_figures_in_a_fixed_number_of_grouped_queries(users, data, django_assert_max_num_queries):
    actor = users["compliance"]
    actor.has_perm("visits.view_visit_reports")  # the permission cache, loaded once per request anyway
    with django_assert_max_num_queries(12):
        figures = _march(actor)
    assert figures.findings_total == 3 and len(figures.finding_items) == 3
