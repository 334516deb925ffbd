"""Complaint reports and archiving: hand-computed figures on a small data set, scoping, the Excel file, bad
periods, permissions, and the retention command.

The data set (created_at in Shanghai time; tickets are written with the ORM so every field is exactly known):

    T1 complaint   fees              phone     A  closed, satisfaction 5   first response met, resolution met
    T2 complaint   fees              email     A  closed, satisfaction 2   resolution breached
    T3 complaint   service_attitude  phone     B  closed, unreachable      resolution met after its due time
    T4 referral    fees (12386)      regulator B  in progress, major       resolution running, escalated 11-05
    T5 consultation —                web       A  resolved (satisfaction 4, not a callback kind)
    T6 complaint   service_attitude  wechat    A  new                      first response running
    T7 complaint   fees              phone     A  created 10-31 23:30, new, resolution breached, escalated 10-31
                                                  and again 11-02
    T8 complaint   fees              web       B  created 12-01 00:10 (30 November 16:10 UTC), new
"""

import hashlib
import io
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone

from brokerdesk.core.models import AuditEvent
from brokerdesk.org.models import Staff
from brokerdesk.tickets.models import Attachment, Escalation, SlaTimer, Ticket, TicketCategory
from brokerdesk.tickets.reports.figures import annual_report_figures, monthly_report_figures
from brokerdesk.tickets.reports.periods import parse_month

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def _at(month, day, hour=10, minute=0, year=2025):
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def _ticket(number, *, created, kind="complaint", category=None, channel="phone", branch=None, status="new",
            **fields):
    ticket = Ticket.objects.create(number=number, kind=kind, category=category, channel=channel, branch=branch,
                                   status=status, subject=f"主题 {number}", description="内容", **fields)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created)  # auto_now_add: set the time afterwards
    ticket.created_at = created
    return ticket


def _timer(ticket, kind, state, *, due, stopped=None, breached=None):
    return SlaTimer.objects.create(ticket=ticket, kind=kind, state=state, started_at=ticket.created_at, due_at=due,
                                   stopped_at=stopped, breached_at=breached)


@pytest.fixture
def data(org):
    fees = TicketCategory.objects.get(code="fees")
    attitude = TicketCategory.objects.get(code="service_attitude")
    a, b = org["branch_a"], org["branch_b"]
    t = {
        "T1": _ticket("TK1", created=_at(11, 3), category=fees, branch=a, status="closed", satisfaction=5,
                      resolved_at=_at(11, 3, 15), closed_at=_at(11, 4)),
        "T2": _ticket("TK2", created=_at(11, 10), category=fees, channel="email", branch=a, status="closed",
                      satisfaction=2, resolved_at=_at(11, 12), closed_at=_at(11, 13)),
        "T3": _ticket("TK3", created=_at(11, 11), category=attitude, branch=b, status="closed",
                      resolved_at=_at(11, 14), closed_at=_at(11, 15)),
        "T4": _ticket("TK4", created=_at(11, 5), kind="regulator_referral", category=fees, channel="regulator",
                      branch=b, status="in_progress", is_major=True, regulator_source="12386",
                      resolution_due=_at(11, 12)),
        "T5": _ticket("TK5", created=_at(11, 20), kind="consultation", channel="web", branch=a, status="resolved",
                      satisfaction=4, resolved_at=_at(11, 20, 11)),
        "T6": _ticket("TK6", created=_at(11, 28), category=attitude, channel="wechat", branch=a),
        "T7": _ticket("TK7", created=_at(10, 31, 23, 30), category=fees, branch=a),
        "T8": _ticket("TK8", created=_at(12, 1, 0, 10), category=fees, channel="web", branch=b),
    }
    _timer(t["T1"], "first_response", "met", due=_at(11, 3, 11), stopped=_at(11, 3, 10, 30))
    _timer(t["T1"], "resolution", "met", due=_at(11, 3, 17), stopped=_at(11, 3, 15))
    _timer(t["T2"], "resolution", "breached", due=_at(11, 10, 17), breached=_at(11, 10, 17))
    _timer(t["T3"], "resolution", "met", due=_at(11, 11, 17), stopped=_at(11, 14))  # late, sweep missed it
    _timer(t["T4"], "resolution", "running", due=_at(11, 12))
    _timer(t["T6"], "first_response", "running", due=_at(11, 28, 11))
    _timer(t["T7"], "resolution", "breached", due=_at(11, 1, 17), breached=_at(11, 1, 17))
    Escalation.objects.create(ticket=t["T4"], at=_at(11, 5, 10, 5),
                              reasons=[{"name": "监管转办", "detail": "regulator referral"}])
    Escalation.objects.create(ticket=t["T7"], at=_at(10, 31, 23, 40), reasons=[])
    Escalation.objects.create(ticket=t["T7"], at=_at(11, 2), reasons=[{"name": "律师或诉讼", "detail": "律师"}])
    return t


NOW = _at(12, 15)  # the report is made in December: November is over


def _rows(rows):
    return {row.key: (row.total, row.complaints, row.referrals, row.major, row.resolved) for row in rows}


def test_it_computes_the_monthly_figures_by_hand(users, data):
    report = monthly_report_figures(users["supervisor"], 2025, 11, now=NOW)
    assert {k.kind: k.count for k in report.by_kind} == {
        "consultation": 1, "complaint": 4, "suggestion": 0, "service_request": 0, "regulator_referral": 1,
        "visit_finding": 0}
    assert (report.tickets_total, report.complaints_total) == (6, 5)
    categories = _rows(report.by_category)
    assert categories["fees"] == (3, 2, 1, 1, 2)
    assert categories["service_attitude"] == (2, 2, 0, 0, 1)
    assert categories["other"] == (0, 0, 0, 0, 0)  # every active category is listed
    assert _rows(report.by_branch) == {"BA01": (3, 3, 0, 0, 2), "BB01": (2, 1, 1, 1, 1)}
    channels = {row.key: row.total for row in report.by_channel}
    assert channels == {"phone": 2, "branch": 0, "web": 0, "email": 1, "wechat": 1, "web_chat": 0, "api": 0,
                        "regulator": 1, "return_visit": 0}
    sla = {row.kind: (row.met, row.breached, row.running, row.rate) for row in report.sla}
    assert sla == {"first_response": (1, 0, 1, Decimal("1.0000")), "resolution": (1, 2, 1, Decimal("0.3333"))}
    assert report.resolution_sla.rate_percent == "33.3%"
    assert (report.escalations.escalations, report.escalations.tickets_escalated,
            report.escalations.major_tickets) == (2, 2, 1)
    assert [e.number for e in report.escalations.items] == ["TK4", "TK7"]
    assert report.escalations.items[0].reasons == "监管转办: regulator referral"
    satisfaction = report.satisfaction
    assert {s.score: s.count for s in satisfaction.scores} == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert (satisfaction.reached, satisfaction.satisfied, satisfaction.satisfied_rate) == (2, 1, Decimal("0.5000"))
    assert (satisfaction.unreachable, satisfaction.awaiting) == (1, 0)
    assert report.open_count == 3
    assert [(i.number, i.age_days, i.branch) for i in report.open_items] == [
        ("TK7", 30, "深圳A营业部"), ("TK4", 25, "上海B营业部"), ("TK6", 2, "深圳A营业部")]
    assert report.open_items[1].overdue and not report.open_items[2].overdue


def test_it_counts_the_month_in_shanghai_time(users, data):
    """TK8 was created at 00:10 on 1 December in Shanghai, still 30 November in UTC: December's, not November's."""
    november = monthly_report_figures(users["supervisor"], 2025, 11, now=NOW)
    december = monthly_report_figures(users["supervisor"], 2025, 12, now=NOW)
    assert "TK8" not in [i.number for i in november.open_items]
    assert (december.tickets_total, december.complaints_total) == (1, 1)
    october = monthly_report_figures(users["supervisor"], 2025, 10, now=NOW)
    assert october.tickets_total == 1 and october.escalations.escalations == 1


def test_it_gives_a_branch_only_its_own_branch(users, data):
    report = monthly_report_figures(users["branch_a"], 2025, 11, now=NOW)
    assert (report.tickets_total, report.complaints_total) == (4, 3)
    assert report.scope == "深圳A营业部"
    assert [row.key for row in report.by_branch] == ["BA01"]
    assert _rows(report.by_category)["fees"] == (2, 2, 0, 0, 2)
    assert {row.kind: (row.met, row.breached) for row in report.sla}["resolution"] == (1, 1)
    assert (report.escalations.escalations, report.escalations.major_tickets) == (1, 0)
    assert [i.number for i in report.open_items] == ["TK7", "TK6"]
    assert monthly_report_figures(users["branch_b"], 2025, 11, now=NOW).complaints_total == 2


def test_it_computes_the_annual_summary(users, data):
    report = annual_report_figures(users["compliance"], 2025, now=NOW)
    assert (report.tickets_total, report.complaints_total) == (8, 7)
    assert len(report.by_month) == 12
    months = {m.month: (m.tickets, m.complaints, m.referrals, m.major, m.escalations, m.sla_met, m.sla_breached)
              for m in report.by_month}
    assert months[10] == (1, 1, 0, 0, 1, 0, 1)
    assert months[11] == (6, 5, 1, 1, 2, 1, 2)
    assert months[12] == (1, 1, 0, 0, 0, 0, 0)
    assert months[1] == (0, 0, 0, 0, 0, 0, 0)
    assert report.by_month[10].satisfied_rate == Decimal("0.5000")
    assert _rows(report.by_category)["fees"] == (5, 4, 1, 1, 2)
    sources = _rows(report.by_regulator_source)
    assert sources["12386"] == (1, 0, 1, 1, 0) and sources["sse"] == (0, 0, 0, 0, 0) and "" not in sources


def test_it_shows_the_monthly_page_with_the_chart_data(users, data, login):
    response = login(users["supervisor"]).get("/tickets/reports/monthly/?month=2025-11")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="complaints-by-category"' in page and "ticket_reports.js" in page
    assert 'data-testid="complaints-total">5<' in page
    assert "TK6" in page and "TK8" not in page
    assert response.context["report"].open_count == 3
    annual = login(users["supervisor"]).get("/tickets/reports/annual/?year=2025")
    assert annual.status_code == 200 and 'data-testid="complaints-total">7<' in annual.content.decode()


def test_it_scopes_the_page_to_the_branch(users, data, login):
    user = users["branch_a"]
    user.user_permissions.add(Permission.objects.get(codename="view_ticket_reports"))
    page = login(Staff.objects.get(pk=user.pk)).get("/tickets/reports/monthly/?month=2025-11").content.decode()
    assert 'data-testid="complaints-total">3<' in page
    assert "上海B营业部" not in page and "TK4" not in page


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1-1", "1999-12", "２０２６-11"])
def test_it_explains_a_bad_month_on_the_page(users, login, month):
    response = login(users["supervisor"]).get("/tickets/reports/monthly/", {"month": month})
    assert response.status_code == 400
    assert 'data-testid="report-error"' in response.content.decode()
    assert login(users["supervisor"]).get("/tickets/reports/monthly.xlsx", {"month": month}).status_code == 400


def test_it_explains_a_bad_year_on_the_page(users, login):
    response = login(users["supervisor"]).get("/tickets/reports/annual/", {"year": "20x6"})
    assert response.status_code == 400 and 'data-testid="report-error"' in response.content.decode()


def test_it_defaults_to_the_current_month():
    period = parse_month("", now=_at(3, 31, 23, 59))
    assert (period.year, period.month) == (2025, 3)


@pytest.mark.parametrize("url", ["/tickets/reports/monthly/", "/tickets/reports/monthly.xlsx",
                                 "/tickets/reports/annual/", "/tickets/reports/annual.xlsx"])
def test_it_refuses_the_reports_without_the_permission(users, login, url):
    assert login(users["agent"]).get(url).status_code == 403
    assert login(users["manager_a"]).get(url).status_code == 403


def _xlsx(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_it_exports_the_monthly_report_as_excel(users, data, login):
    response = login(users["supervisor"]).get("/tickets/reports/monthly.xlsx?month=2025-11")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="complaints-2025-11.xlsx"' in response["Content-Disposition"]
    book = _xlsx(response)
    workbook = book.read("xl/workbook.xml").decode()
    for name in ("概览", "分类", "营业部", "渠道", "SLA", "升级", "满意度", "未结"):
        assert f'name="{name}"' in workbook
    summary = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>6</v>" in summary and "<v>5</v>" in summary and "月度投诉报告" in summary
    assert "<cols>" in summary  # column widths
    open_items = book.read("xl/worksheets/sheet8.xml").decode()
    assert "TK7" in open_items and "TK8" not in open_items and "<v>30</v>" in open_items
    event = AuditEvent.objects.get(action="tickets.report_export")
    assert event.actor_id == users["supervisor"].pk
    assert event.details["period"] == "2025-11" and event.details["complaints"] == 5


def test_it_writes_english_headers_for_an_english_reader(users, data, login, settings):
    client = login(users["supervisor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the product's language switch, not Accept-Language
    response = client.get("/tickets/reports/annual.xlsx?year=2025")
    assert response.status_code == 200
    assert 'filename="complaints-annual-2025.xlsx"' in response["Content-Disposition"]
    workbook = _xlsx(response).read("xl/workbook.xml").decode()
    for name in ("Summary", "By month", "By category", "By regulator source", "Satisfaction"):
        assert f'name="{name}"' in workbook


# --- Archiving ------------------------------------------------------------------------------------------


def _blob(settings, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    path = settings.ATTACHMENT_DIR / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return sha


def _attach(ticket, sha, name):
    return Attachment.objects.create(ticket=ticket, filename=name, content_type="text/plain", size=1, sha256=sha,
                                     uploaded_at=timezone.now())


def test_it_archives_only_closed_tickets_past_retention_and_keeps_shared_files(
        org, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    settings.TICKET_RETENTION_YEARS = 3
    now = timezone.now()
    old_closed = _ticket("TK-OLD", created=now - timedelta(days=5 * 365), status="closed",
                         closed_at=now - timedelta(days=4 * 365))
    old_open = _ticket("TK-OPEN", created=now - timedelta(days=6 * 365), status="in_progress",
                       closed_at=now - timedelta(days=5 * 365))  # not closed: never deleted, whatever its dates
    recent = _ticket("TK-NEW", created=now - timedelta(days=800), status="closed",
                     closed_at=now - timedelta(days=2 * 365))
    shared, own = _blob(settings, b"shared recording"), _blob(settings, b"own letter")
    _attach(old_closed, shared, "call.mp3")
    _attach(old_closed, own, "letter.txt")
    _attach(recent, shared, "call.mp3")

    out = io.StringIO()
    call_command("tickets_archive", "--dry-run", stdout=out)
    assert "TK-OLD" in out.getvalue() and "TK-OPEN" not in out.getvalue() and "TK-NEW" not in out.getvalue()
    assert Ticket.objects.count() == 3 and not AuditEvent.objects.filter(action="tickets.archive").exists()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tickets_archive", stdout=out)
    assert set(Ticket.objects.values_list("number", flat=True)) == {"TK-OPEN", "TK-NEW"}
    assert Attachment.objects.filter(ticket=old_closed.pk).count() == 0
    assert (settings.ATTACHMENT_DIR / shared[:2] / shared).exists()
    assert not (settings.ATTACHMENT_DIR / own[:2] / own).exists()
    event = AuditEvent.objects.get(action="tickets.archive")
    assert event.details["count"] == 1 and event.details["numbers"] == ["TK-OLD"]
    assert old_open.pk and Ticket.objects.filter(pk=old_open.pk, status="in_progress").exists()


def test_it_keeps_everything_inside_the_retention_period(org, settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    settings.TICKET_RETENTION_YEARS = 5
    now = timezone.now()
    _ticket("TK-4Y", created=now - timedelta(days=5 * 365), status="closed", closed_at=now - timedelta(days=4 * 365))
    call_command("tickets_archive", stdout=io.StringIO())
    assert Ticket.objects.filter(number="TK-4Y").exists()
    assert not AuditEvent.objects.filter(action="tickets.archive").exists()


def test_it_computes_the_figures_in_a_fixed_number_of_queries(users, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        monthly_report_figures(users["supervisor"], 2025, 11, now=NOW)
    with django_assert_max_num_queries(17):
        annual_report_figures(users["supervisor"], 2025, now=NOW)
