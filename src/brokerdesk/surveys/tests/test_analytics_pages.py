"""The NPS pages (dashboard, verbatims, Excel) and /api/v1/surveys: permission, scoping (404 for another branch),
figures, masking, the token scope."""

import json

import pytest

from brokerdesk.core.models import AuditEvent
from brokerdesk.surveys.tests.nps_support import at, respond, survey_setup  # noqa: F401
from brokerdesk.visits.tests.report_data import read_workbook

JAN = "from=2026-01-01&to=2026-01-31"


@pytest.fixture
def answers(org, survey_setup):  # noqa: F811
    from tests.factories import make_customer

    client = make_customer(org["branch_a"], name="李四海")
    # A: 10, 9, 7, 2 -> (2 - 1) / 4 = 25.00; B: 0, 0 -> -100; an officer's 10 in A, not counted.
    for score, comment in ((10, "客户经理很专业"), (9, ""), (7, ""), (2, "交易系统卡顿，电话 13912345678 打不通")):
        respond(survey_setup, org["branch_a"], score, at(2026, 1, 8, 10), comment=comment, customer=client)
    for _ in range(2):
        respond(survey_setup, org["branch_b"], 0, at(2026, 1, 9, 10), comment="开户流程太复杂")
    respond(survey_setup, org["branch_a"], 10, at(2026, 1, 9, 10), officer=True, comment="营业部环境整洁")
    return survey_setup


def test_it_shows_the_dashboard_with_nps_interval_and_chart_data(login, users, answers):
    response = login(users["reviewer"]).get(f"/surveys/nps/?{JAN}")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="nps-total">-16.67<' in page  # (2 - 3) / 6 clients
    assert 'data-testid="officers-responses">1<' in page
    assert "surveys/nps.js" in page and 'id="nps-trend-data"' in page
    chart = json.loads(page.split('id="nps-trend-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0])
    assert chart["labels"] == ["2026-01"] and chart["nps"] == [-16.67] and chart["responses"] == [6]
    assert "<script>" not in page.replace('<script src=', '')  # no inline script (CSP)


def test_it_shows_branch_staff_their_branch_and_404s_another(login, users, answers, org):
    client = login(users["branch_a"])
    page = client.get(f"/surveys/nps/?{JAN}").content.decode()
    assert 'data-testid="nps-total">25.00<' in page and "上海B营业部" not in page
    assert client.get(f"/surveys/nps/?{JAN}&branch={org['branch_a'].pk}").status_code == 200
    other = org["branch_b"].pk
    for url in (f"/surveys/nps/?{JAN}&branch={other}", f"/surveys/nps/verbatims/?branch={other}",
                f"/surveys/nps/export.xlsx?branch={other}", "/surveys/nps/?segment=987654"):
        assert client.get(url).status_code == 404, url


def test_it_refuses_staff_without_view_nps(login, users, answers):
    for url in ("/surveys/nps/", "/surveys/nps/verbatims/", "/surveys/nps/export.xlsx"):
        assert login(users["agent"]).get(url).status_code == 403
    from django.test import Client

    assert Client().get("/surveys/nps/").status_code == 302  # to the login page


def test_it_shows_a_bad_filter_on_the_page(login, users):
    response = login(users["reviewer"]).get("/surveys/nps/?from=2026-99-01&unit=decade")
    assert response.status_code == 400
    assert 'data-testid="nps-error"' in response.content.decode()


def test_it_groups_verbatims_with_masked_names_and_numbers(login, users, answers):
    page = login(users["reviewer"]).get(f"/surveys/nps/verbatims/?{JAN}").content.decode()
    assert 'data-keyword="交易系统"' in page and 'data-keyword="开户"' in page
    assert "李**" in page and "李四海" not in page
    assert "13912345678" not in page
    assert "营业部环境整洁" not in page  # the officer's comment is on the officers' page only
    officers = login(users["reviewer"]).get(f"/surveys/nps/verbatims/?{JAN}&officers=1").content.decode()
    assert "营业部环境整洁" in officers


def test_it_exports_the_figures_to_excel_and_audits_it(login, users, answers):
    response = login(users["reviewer"]).get(f"/surveys/nps/export.xlsx?{JAN}")
    assert response.status_code == 200
    book = read_workbook(b"".join(response.streaming_content))
    assert len(book) == 9
    rows = list(book.values())[3][1:]  # the branch x period sheet, below its titles
    assert sorted((r[0], r[1], r[2], r[6]) for r in rows) == [("上海B营业部 (BB01)", "2026-01", 2, -100),
                                                             ("深圳A营业部 (BA01)", "2026-01", 4, 25)]
    assert AuditEvent.objects.filter(action="surveys.nps_export", actor_id=users["reviewer"].pk).count() == 1


# --- API -------------------------------------------------------------------------------------------------


def test_it_serves_nps_by_branch_over_the_api(token_client, users, answers, org):
    api = token_client(users["reviewer"], ["surveys:read"])
    body = api.get(f"/api/v1/surveys/nps?by=branch&{JAN}").json()
    assert body["total"]["responses"] == 6
    rows = {r["key"]: (r["responses"], r["nps"]) for r in body["rows"]}
    assert rows == {org["branch_a"].pk: (4, 25.0), org["branch_b"].pk: (2, -100.0)}
    assert all(r["ci_low"] <= r["nps"] <= r["ci_high"] for r in body["rows"])
    officers = api.get(f"/api/v1/surveys/nps?by=theme&officers=true&{JAN}").json()
    assert officers["total"]["responses"] == 1 and officers["total"]["nps"] == 100.0
    trend = api.get(f"/api/v1/surveys/nps?by=period&unit=week&{JAN}").json()
    assert [r["label"] for r in trend["rows"]][:2] == ["2026-W01", "2026-W02"]
    table = api.get(f"/api/v1/surveys/nps/branch-period?{JAN}").json()
    assert {(r["branch_id"], r["period"], r["nps"]) for r in table["rows"]} == {
        (org["branch_a"].pk, "2026-01", 25.0), (org["branch_b"].pk, "2026-01", -100.0)}


def test_it_requires_the_surveys_read_scope(token_client, users, answers):
    response = token_client(users["reviewer"], ["customers:read"]).get(f"/api/v1/surveys/nps?{JAN}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert token_client(users["agent"], ["surveys:read"]).get(f"/api/v1/surveys/nps?{JAN}").status_code == 403


def test_it_scopes_the_api_to_the_branch_and_404s_another(token_client, users, answers, org):
    api = token_client(users["branch_b"], ["surveys:read"])
    body = api.get(f"/api/v1/surveys/nps?by=branch&{JAN}").json()
    assert [r["key"] for r in body["rows"]] == [org["branch_b"].pk]
    for path in ("nps", "nps/branch-period", "response-rates", "verbatims", "responses"):
        response = api.get(f"/api/v1/surveys/{path}?branch={org['branch_a'].pk}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    bad = api.get("/api/v1/surveys/nps?by=colour")
    assert bad.status_code == 422 and "by" in bad.json()["error"]["details"]


def test_it_pages_the_responses_masked(token_client, users, answers):
    api = token_client(users["reviewer"], ["surveys:read"])
    first = api.get(f"/api/v1/surveys/responses?{JAN}&page_size=4").json()
    second = api.get(f"/api/v1/surveys/responses?{JAN}&page_size=4&page=2").json()
    assert first["count"] == 6 and len(first["items"]) == 4 and len(second["items"]) == 2
    items = first["items"] + second["items"]
    assert not any(i["is_experience_officer"] for i in items)
    named = [i for i in items if i["customer_id"]]
    assert named and all(i["customer_name"] == "李**" for i in named)
    assert not any("13912345678" in i["comment"] for i in items)


def test_it_serves_response_rates_and_verbatims(token_client, users, answers):
    api = token_client(users["reviewer"], ["surveys:read"])
    rates = api.get(f"/api/v1/surveys/response-rates?by=branch&{JAN}").json()
    assert rates["total"] == {"key": "", "label": rates["total"]["label"], "invited": 0, "responded": 0,
                              "suppressed": 0, "rate": None}
    words = api.get(f"/api/v1/surveys/verbatims?{JAN}").json()
    detractors = next(g for g in words["groups"] if g["group"] == "detractor")
    assert detractors["comments"] == 3
    assert {k["term"] for k in detractors["keywords"]} >= {"交易系统", "开户", "流程"}
