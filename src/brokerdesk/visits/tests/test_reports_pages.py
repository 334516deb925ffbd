"""The figures page, its Excel download (same numbers, masked clients, audited) and the programme catalogue:
permissions, scoping and bad periods."""

import re

import pytest
from django.urls import reverse

from brokerdesk.core.models import AuditEvent
from brokerdesk.visits.models import Programme
from brokerdesk.visits.tests.report_data import build, read_workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data(org, users):
    return build(org, users)


def _testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def test_it_shows_the_months_figures(users, data, login):
    response = login(users["supervisor"]).get("/visits/reports/?month=2025-03")
    assert response.status_code == 200
    html = response.content.decode()
    assert (_testid(html, "required-total"), _testid(html, "done-total"), _testid(html, "rate-total")) == (
        "7", "3", "42.9%")
    assert _testid(html, "findings-total") == "3"
    assert 'data-programme="new_account"' in html and 'data-branch="BB01"' in html
    assert re.search(r'<tr data-branch="BB01" class="behind" data-behind="1">', html)
    assert not re.search(r'<tr data-branch="BA01"[^>]*data-behind', html)
    assert 'id="visit-completions"' in html and "brokerdesk/visit_reports.js" in html
    assert f'href="{reverse("tickets:detail", args=[data["tickets"]["TK-V1"].pk])}"' in html
    assert data["customers"]["a1"].name not in html  # masked in the finding list
    assert 'href="/visits/reports.xlsx?month=2025-03"' in html
    # CSP: no inline script, only the chart's JSON data.
    assert not re.search(r"<script(?![^>]*(src=|application/json))", html)


def test_it_defaults_to_this_year_to_date(users, data, login):
    response = login(users["supervisor"]).get("/visits/reports/")
    assert response.status_code == 200
    assert response.context["figures"].period.month is None
    assert "reports.xlsx?year=" in response.content.decode()


def test_it_shows_branch_staff_their_branch_without_the_finding_list(users, data, login):
    html = login(users["branch_b"]).get("/visits/reports/?month=2025-03").content.decode()
    assert _testid(html, "required-total") == "3" and _testid(html, "done-total") == "1"
    assert 'data-branch="BB01"' in html and 'data-branch="BA01"' not in html
    assert 'data-testid="finding-list"' not in html and "TK-V2" not in html


@pytest.mark.parametrize("query", ["month=2025-13", "month=March", "year=25"])
def test_it_shows_a_period_it_cannot_read_on_the_page(users, login, query):
    for url in ("/visits/reports/", "/visits/reports.xlsx"):
        response = login(users["supervisor"]).get(f"{url}?{query}")
        assert response.status_code == 400
        assert 'data-testid="report-error"' in response.content.decode()


@pytest.mark.parametrize("url", ["/visits/reports/", "/visits/reports.xlsx"])
@pytest.mark.parametrize("role", ["agent", "manager_a", "admin"])
def test_it_refuses_the_figures_without_the_permission(users, login, url, role):
    assert login(users[role]).get(url).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client):
    for url in ("/visits/reports/", "/visits/reports.xlsx", "/visits/programmes/"):
        response = client.get(url, secure=True)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- The workbook ------------------------------------------------------------------------------------------


def _download(client, query: str):
    response = client.get(f"/visits/reports.xlsx?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX and response["Cache-Control"] == "private, no-store"
    return response, read_workbook(b"".join(response.streaming_content))


def test_it_exports_the_same_figures_as_excel(users, data, login):
    response, book = _download(login(users["compliance"]), "month=2025-03")
    assert 'filename="return-visits-2025-03.xlsx"' in response["Content-Disposition"]
    assert list(book) == ["概览", "按回访计划", "按营业部", "年度抽样", "坐席", "发现问题", "问题清单", "完成趋势"]
    programmes = {row[0]: row for row in book["按回访计划"][1:]}
    # code, name, required, done, rate, unreachable, refused, wrong number, open, (overdue,) cancelled
    assert programmes["new_account"][2:5] == [4, 2, 0.5] and programmes["new_account"][6] == 1
    assert programmes["annual_sample"][2:4] == [3, 1] and programmes["annual_sample"][5] == 1
    assert programmes["annual_sample"][10] == 1
    assert book["按回访计划"][-1][1] == "合计" and book["按回访计划"][-1][2:4] == [7, 3]
    branches = {row[0]: row[2:4] for row in book["按营业部"][1:] if row[0]}
    assert branches == {"BA01": [4, 2], "BB01": [3, 1]}
    sample = {row[1]: row for row in book["年度抽样"][1:]}
    assert sample["BB01"][3:8] == [95, 0.1, 10, 3, 0] and sample["BB01"][10:12] == [3, "是"]
    assert sample["BA01"][11] == "否" and sample[None][2] == "合计" and sample[None][5] == 14
    agents = {row[0]: row for row in book["坐席"][1:]}
    assert agents["t_agent"][1:9] == [7, 4, 2, 0.5, 4, 1.75, 167, 2]
    findings = {row[0]: row for row in book["发现问题"][1:]}
    assert findings["BA01"][-1] == 2 and findings["BB01"][-1] == 1 and findings[None][-1] == 3
    listed = book["问题清单"][1:]
    assert len(listed) == 3 and {row[8] for row in listed} == {"TK-V1", "TK-V2", None}
    names = {row[4] for row in listed}
    assert data["customers"]["a1"].name not in names and data["customers"]["a1"].name[0] + "*" in "".join(names)
    trend = book["完成趋势"]
    assert trend[0] == ["周期", "新开户回访", "存量客户年度抽样回访", "合计"]
    assert trend[3] == ["2025-03-10", 1, 1, 2]
    event = AuditEvent.objects.get(action="visits.report_export")
    assert event.actor_id == users["compliance"].pk and event.object_id == "2025-03"
    assert event.details["required"] == 7 and event.details["done"] == 3 and event.details["findings"] == 3
    assert event.details["finding_list"] is True


def test_it_exports_branch_staff_their_branch_without_the_finding_list(users, data, login):
    _response, book = _download(login(users["branch_a"]), "month=2025-03")
    assert "问题清单" not in book
    assert {row[0] for row in book["按营业部"][1:] if row[0]} == {"BA01"}
    assert book["按回访计划"][-1][2:4] == [4, 2]
    assert AuditEvent.objects.get(action="visits.report_export").details["finding_list"] is False


def test_it_writes_english_headers_for_an_english_reader(users, data, login, settings):
    client = login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response, book = _download(client, "year=2025")
    assert 'filename="return-visits-2025.xlsx"' in response["Content-Disposition"]
    assert list(book)[:3] == ["Summary", "By programme", "By branch"] and "Finding list" in book


# --- The programme catalogue -------------------------------------------------------------------------------


def test_it_describes_every_programme_in_words(users, login):
    html = login(users["reviewer"]).get("/visits/programmes/").content.decode()
    for programme in Programme.objects.all():
        assert f'data-code="{programme.code}"' in html and programme.name in html
    section = html.split('data-code="new_account"')[1].split("</section>")[0]
    assert "30" in _testid(section, "targeting")
    assert "2、24、48" in _testid(section, "attempts")
    assert section.count('data-testid="finding-trigger"') == 4  # own account, risks, staff traded, promised
    elderly = html.split('data-code="elderly_clients"')[1].split("</section>")[0]
    assert "age &gt;= 65" in elderly
    sample = html.split('data-code="annual_sample"')[1].split("</section>")[0]
    assert "10.0%" in _testid(sample, "targeting")
    abnormal = html.split('data-code="abnormal_activity"')[1].split("</section>")[0]
    assert "异动" in _testid(abnormal, "targeting") or "abnormal_activity" in _testid(abnormal, "targeting")
    assert "/admin/visits/programme/" not in html  # reviewers cannot reach the admin


def test_it_links_administrators_to_the_admin_and_marks_inactive_programmes(users, login):
    Programme.objects.filter(code="r5_holders").update(is_active=False)
    html = login(users["admin"]).get("/visits/programmes/").content.decode()
    assert "/admin/visits/programme/" in html
    assert 'data-testid="inactive"' in html.split('data-code="r5_holders"')[1].split("</section>")[0]


@pytest.mark.parametrize("role", ["agent", "branch_a", "manager_a"])
def test_it_refuses_the_catalogue_without_the_permission(users, login, role):
    assert login(users[role]).get("/visits/programmes/").status_code == 403
