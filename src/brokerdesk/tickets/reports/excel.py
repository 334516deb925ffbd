"""The reports as Excel workbooks, one sheet per section (core.spreadsheets: constant memory, so the open-items
sheet of a large company costs no more than a small one's; typed cells).

Sheet names and column titles are fixed pairs, Chinese when the request's language is Chinese: the monthly
report goes to head office and the annual summary to the local CSRC office as Chinese forms.
"""

from typing import NamedTuple

from brokerdesk.core.spreadsheets import Book, bilingual
from brokerdesk.tickets.reports.figures import (
    AnnualReport,
    BreakdownRow,
    MonthlyReport,
    PeriodFigures,
    escalation_item,
    escalations_in,
    open_item,
    open_items_as_of,
    open_items_at,
)

ROWS_PER_FETCH = 2000

# key: (Chinese, English)
TEXT = {
    "summary": ("概览", "Summary"), "by_category": ("分类", "By category"), "by_branch": ("营业部", "By branch"),
    "by_channel": ("渠道", "By channel"), "sla": ("SLA", "SLA"), "escalations": ("升级", "Escalations"),
    "satisfaction": ("满意度", "Satisfaction"), "open_items": ("未结", "Open items"),
    "by_month": ("月度", "By month"), "by_regulator": ("监管来源", "By regulator source"),
    "item": ("项目", "Item"), "value": ("数值", "Value"),
    "monthly_title": ("月度投诉报告", "Monthly complaint report"),
    "annual_title": ("年度投诉汇总（报送派出机构）", "Annual complaint summary (for the local CSRC office)"),
    "report": ("报告", "Report"), "period": ("期间", "Period"), "scope": ("范围", "Scope"),
    "generated_at": ("生成时间", "Generated at"), "tickets_of_kind": ("工单：", "Tickets: "),
    "tickets_total": ("工单合计", "Tickets in total"),
    "complaints_total": ("投诉合计（含监管转办）", "Complaints (incl. regulator referrals)"),
    "major_tickets": ("重大投诉", "Major complaints"), "escalation_count": ("升级次数", "Escalations"),
    "tickets_escalated": ("升级工单数", "Tickets escalated"),
    "rate_of": ("达标率：", "Compliance: "), "satisfied_rate": ("满意率", "Satisfied rate"),
    "unreachable": ("回访未接通", "Callbacks unreachable"), "awaiting": ("回访中", "Callbacks under way"),
    "open_count": ("月末未结", "Open at month end"),
    "code": ("代码", "Code"), "category": ("分类", "Category"), "branch": ("营业部", "Branch"),
    "channel": ("渠道", "Channel"), "source": ("转办来源", "Referred by"),
    "total": ("投诉合计", "Complaints in total"), "complaints": ("投诉", "Complaints"),
    "referrals": ("监管转办", "Regulator referrals"), "major": ("重大", "Major"),
    "resolved": ("已办结", "Resolved"),
    "clock": ("时限", "Clock"), "met": ("按时完成", "Met on time"), "breached": ("超时", "Breached"),
    "running": ("计时中", "Still running"), "rate": ("达标率", "Compliance rate"),
    "number": ("工单号", "Number"), "subject": ("主题", "Subject"), "escalated_at": ("升级时间", "Escalated at"),
    "reasons": ("原因", "Reasons"),
    "score": ("评分", "Score"), "label": ("评价", "Rating"), "count": ("数量", "Count"),
    "reached": ("回访接通", "Clients reached"), "satisfied": ("满意（4–5分）", "Satisfied (4–5)"),
    "kind": ("类型", "Kind"), "owner": ("首问负责人", "Owner"), "created_at": ("创建时间", "Created at"),
    "age_days": ("已历天数", "Age (days)"), "resolution_due": ("办结时限", "Resolution due"),
    "overdue": ("已超时", "Overdue"), "yes": ("是", "yes"), "no": ("否", "no"),
    "month": ("月份", "Month"), "tickets": ("工单", "Tickets"), "sla_met": ("办结按时", "Resolved on time"),
    "sla_breached": ("办结超时", "Resolution breached"), "sla_rate": ("办结达标率", "Resolution compliance"),
}


text = bilingual(TEXT)


class Column(NamedTuple):
    title: str  # a TEXT key
    width: int


BREAKDOWN = [Column("total", 12), Column("complaints", 10), Column("referrals", 12), Column("major", 8),
             Column("resolved", 10)]


def _breakdown(book: Book, name: str, key_columns: list[Column], rows: list[BreakdownRow], *, code: bool) -> None:
    sheet = book.sheet(name, key_columns + BREAKDOWN)
    for row in rows:
        head = [row.key, row.label] if code else [row.label]
        sheet.row([*head, row.total, row.complaints, row.referrals, row.major, row.resolved])


def _summary(book: Book, report: PeriodFigures, title: str, extra: list[tuple[str, object]]) -> None:
    sheet = book.sheet("summary", [Column("item", 34), Column("value", 22)])
    sheet.row([text("report"), text(title)], bold_first=True)
    sheet.row([text("period"), report.period.label], bold_first=True)
    sheet.row([text("scope"), report.scope], bold_first=True)
    sheet.row([text("generated_at"), report.generated_at], bold_first=True)
    sheet.skip()
    sheet.row([text("tickets_total"), report.tickets_total])
    for kind in report.by_kind:
        sheet.row([text("tickets_of_kind") + kind.label, kind.count])
    sheet.row([text("complaints_total"), report.complaints_total])
    sheet.row([text("major_tickets"), report.escalations.major_tickets])
    sheet.row([text("escalation_count"), report.escalations.escalations])
    sheet.row([text("tickets_escalated"), report.escalations.tickets_escalated])
    for clock in report.sla:
        sheet.row([text("rate_of") + clock.label, clock.rate])
    sheet.row([text("satisfied_rate"), report.satisfaction.satisfied_rate])
    sheet.row([text("unreachable"), report.satisfaction.unreachable])
    for key, value in extra:
        sheet.row([text(key), value])


def _sla(book: Book, report: PeriodFigures) -> None:
    sheet = book.sheet("sla", [Column("clock", 22), Column("met", 12), Column("breached", 10),
                               Column("running", 10), Column("rate", 12)])
    for clock in report.sla:
        sheet.row([clock.label, clock.met, clock.breached, clock.running, clock.rate])


def _escalations(book: Book, report: PeriodFigures, actor) -> None:
    sheet = book.sheet("escalations", [Column("number", 20), Column("subject", 40), Column("branch", 24),
                                       Column("escalated_at", 18), Column("reasons", 60)])
    for escalation in escalations_in(actor, report.period).iterator(chunk_size=ROWS_PER_FETCH):
        item = escalation_item(escalation)
        sheet.row([item.number, item.subject, item.branch, item.at, item.reasons])


def _satisfaction(book: Book, report: PeriodFigures) -> None:
    figures = report.satisfaction
    sheet = book.sheet("satisfaction", [Column("score", 22), Column("label", 16), Column("count", 10)])
    for score in figures.scores:
        sheet.row([score.score, score.label, score.count])
    sheet.skip()
    sheet.row([text("reached"), None, figures.reached])
    sheet.row([text("satisfied"), None, figures.satisfied])
    sheet.row([text("satisfied_rate"), None, figures.satisfied_rate])
    sheet.row([text("unreachable"), None, figures.unreachable])
    sheet.row([text("awaiting"), None, figures.awaiting])


def _open_items(book: Book, report: MonthlyReport, actor) -> None:
    sheet = book.sheet("open_items", [
        Column("number", 20), Column("subject", 40), Column("kind", 14), Column("branch", 24), Column("owner", 14),
        Column("created_at", 18), Column("age_days", 10), Column("resolution_due", 18), Column("overdue", 8)])
    as_of = open_items_as_of(report.period, report.generated_at)
    for ticket in open_items_at(actor, report.period).iterator(chunk_size=ROWS_PER_FETCH):
        item = open_item(ticket, as_of=as_of)
        sheet.row([item.number, item.subject, item.kind_label, item.branch, item.owner, item.created_at,
                   item.age_days, item.resolution_due, item.overdue])


def monthly_workbook(report: MonthlyReport, actor, file) -> None:
    """Write the monthly report into file (a binary file object): 概览 分类 营业部 渠道 SLA 升级 满意度 未结."""
    book = Book(file, text)
    _summary(book, report, "monthly_title", [("open_count", report.open_count)])
    _breakdown(book, "by_category", [Column("code", 20), Column("category", 24)], report.by_category, code=True)
    _breakdown(book, "by_branch", [Column("code", 12), Column("branch", 28)], report.by_branch, code=True)
    _breakdown(book, "by_channel", [Column("channel", 28)], report.by_channel, code=False)
    _sla(book, report)
    _escalations(book, report, actor)
    _satisfaction(book, report)
    _open_items(book, report, actor)
    book.close()


def annual_workbook(report: AnnualReport, actor, file) -> None:
    """Write the annual summary into file: 概览 月度 分类 监管来源 营业部 渠道 SLA 升级 满意度."""
    book = Book(file, text)
    _summary(book, report, "annual_title", [])
    months = book.sheet("by_month", [
        Column("month", 10), Column("tickets", 8), Column("total", 12), Column("referrals", 12), Column("major", 8),
        Column("resolved", 10), Column("escalation_count", 10), Column("sla_met", 12), Column("sla_breached", 12),
        Column("sla_rate", 12), Column("reached", 12), Column("satisfied", 14), Column("satisfied_rate", 10)])
    for m in report.by_month:
        months.row([f"{report.period.year}-{m.month:02d}", m.tickets, m.complaints, m.referrals, m.major,
                    m.resolved, m.escalations, m.sla_met, m.sla_breached, m.sla_rate, m.reached, m.satisfied,
                    m.satisfied_rate])
    _breakdown(book, "by_category", [Column("code", 20), Column("category", 24)], report.by_category, code=True)
    _breakdown(book, "by_regulator", [Column("code", 14), Column("source", 30)], report.by_regulator_source,
               code=True)
    _breakdown(book, "by_branch", [Column("code", 12), Column("branch", 28)], report.by_branch, code=True)
    _breakdown(book, "by_channel", [Column("channel", 28)], report.by_channel, code=False)
    _sla(book, report)
    _escalations(book, report, actor)
    _satisfaction(book, report)
    book.close()
