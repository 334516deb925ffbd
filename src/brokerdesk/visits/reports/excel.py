"""The figures as an Excel workbook, one sheet per table of the page (core.spreadsheets, as the complaint
reports: constant memory, typed cells, Chinese titles for a Chinese request); client names are masked.
"""

from brokerdesk.core.spreadsheets import Book, bilingual
from brokerdesk.visits.reports.figures import (
    CoverageRow,
    VisitFigures,
    finding_item,
    finding_list,
    found_in,
    may_view_findings,
)

ROWS_PER_FETCH = 2000

# key: (Chinese, English)
TEXT = {
    "summary": ("概览", "Summary"), "by_programme": ("按回访计划", "By programme"),
    "by_branch": ("按营业部", "By branch"), "sample": ("年度抽样", "Annual sample"), "agents": ("坐席", "Agents"),
    "findings": ("发现问题", "Findings"), "finding_list": ("问题清单", "Finding list"),
    "completions": ("完成趋势", "Completions"),
    "item": ("项目", "Item"), "value": ("数值", "Value"), "title": ("回访统计", "Return-visit figures"),
    "report": ("报告", "Report"), "period": ("期间", "Period"), "scope": ("范围", "Scope"),
    "generated_at": ("生成时间", "Generated at"), "as_of": ("统计截至", "As of"),
    "code": ("代码", "Code"), "programme": ("回访计划", "Programme"), "branch": ("营业部", "Branch"),
    "required": ("应回访", "Required"), "done": ("已完成", "Done"), "rate": ("完成率", "Completion rate"),
    "unreachable": ("未接通", "Unreachable"), "refused": ("拒访", "Refused"),
    "wrong_number": ("号码错误", "Wrong number"),
    "open": ("进行中", "Open"), "overdue": ("已逾期", "Overdue"), "cancelled": ("已取消", "Cancelled"),
    "eligible": ("年末存量客户（剔除休眠、冻结）", "Eligible clients"), "released": ("已下发", "Released"),
    "completed": ("已完成", "Completed"), "progress": ("完成进度", "Progress"),
    "reached_ratio": ("已达比例", "Ratio reached"), "target_ratio": ("目标比例", "Target ratio"),
    "expected": ("按时间应完成", "Expected by now"), "behind": ("进度落后", "Behind schedule"),
    "agent": ("坐席", "Agent"), "calls": ("呼叫次数", "Calls"), "tasks": ("处理任务", "Tasks handled"),
    "finished": ("结束任务", "Tasks finished"), "avg_attempts": ("平均呼叫次数", "Average attempts"),
    "avg_call": ("平均通话时长（秒）", "Average call (seconds)"), "findings_count": ("发现问题", "Findings"),
    "total": ("合计", "Total"), "found_at": ("发现时间", "Found at"), "kind": ("问题类型", "Kind"),
    "client": ("客户", "Client"), "question": ("问题", "Question"), "answer": ("回答", "Answer"),
    "ticket": ("合规工单", "Compliance ticket"), "bucket": ("周期", "Period"),
    "yes": ("是", "yes"), "no": ("否", "no"),
}


text = bilingual(TEXT)


COVERAGE = [("required", 10), ("done", 10), ("rate", 10), ("unreachable", 10), ("refused", 8),
            ("wrong_number", 10), ("open", 8), ("overdue", 8), ("cancelled", 8)]


def _coverage_values(row: CoverageRow) -> list:
    return [row.required, row.done, row.rate, row.unreachable, row.refused, row.wrong_number, row.open,
            row.overdue, row.cancelled]


def _summary(book: Book, figures: VisitFigures) -> None:
    sheet = book.sheet("summary", [("item", 30), ("value", 22)])
    for key, value in [("report", text("title")), ("period", figures.period.label), ("scope", figures.scope),
                       ("generated_at", figures.generated_at), ("as_of", figures.period.as_of)]:
        sheet.row([text(key), value], bold_first=True)
    sheet.row([])
    total = figures.total
    for key, value in zip([key for key, _width in COVERAGE], _coverage_values(total), strict=True):
        sheet.row([text(key), value])
    sheet.row([text("findings_count"), figures.findings_total])


def _coverage(book: Book, name: str, rows: list[CoverageRow], key_title: str, total: CoverageRow | None) -> None:
    sheet = book.sheet(name, [("code", 18), (key_title, 30), *COVERAGE])
    for row in rows:
        sheet.row([row.key, row.label, *_coverage_values(row)])
    if total is not None:
        sheet.row(["", text("total"), *_coverage_values(total)], bold_first=True)


def _sample(book: Book, figures: VisitFigures) -> None:
    sheet = book.sheet("sample", [("programme", 24), ("code", 10), ("branch", 24), ("eligible", 14),
                                  ("target_ratio", 10), ("required", 10), ("released", 10), ("completed", 10),
                                  ("progress", 10), ("reached_ratio", 10), ("expected", 12), ("behind", 10)])
    rows = [*figures.sample, *([figures.sample_total] if figures.sample_total else [])]
    for r in rows:
        sheet.row([r.programme, r.branch_code, r.branch, r.eligible, r.target_ratio, r.required, r.released,
                   r.completed, r.progress, r.reached_ratio, r.expected, r.behind])


def _agents(book: Book, figures: VisitFigures) -> None:
    sheet = book.sheet("agents", [("agent", 18), ("calls", 10), ("tasks", 10), ("completed", 10), ("rate", 10),
                                  ("finished", 10), ("avg_attempts", 12), ("avg_call", 14),
                                  ("findings_count", 10)])
    for a in figures.agents:
        sheet.row([a.name, a.calls, a.tasks, a.completed, a.rate, a.finished,
                   float(a.avg_attempts) if a.avg_attempts is not None else None, a.avg_call_seconds, a.findings])


def _findings(book: Book, figures: VisitFigures) -> None:
    kinds = figures.finding_kinds
    sheet = book.sheet("findings", [("code", 10), ("branch", 24), *[("kind", 16, label) for _v, label in kinds],
                                    ("total", 10)])
    for row in figures.findings_by_branch:
        sheet.row([row.branch_code, row.branch, *row.counts, row.total])
    sheet.row(["", text("total"), *figures.findings_by_kind, figures.findings_total], bold_first=True)


def _finding_list(book: Book, figures: VisitFigures, actor) -> None:
    sheet = book.sheet("finding_list", [("found_at", 18), ("kind", 24), ("branch", 20), ("programme", 20),
                                        ("client", 12), ("agent", 14), ("question", 50), ("answer", 10),
                                        ("ticket", 20)])
    for finding in finding_list(found_in(actor, figures.period)).iterator(chunk_size=ROWS_PER_FETCH):
        item = finding_item(finding)
        sheet.row([item.at, item.kind_label, item.branch, item.programme, item.client, item.agent, item.question,
                   item.answer, item.ticket_number])


def _completions(book: Book, figures: VisitFigures) -> None:
    chart = figures.chart
    sheet = book.sheet("completions", [("bucket", 12), *[("programme", 16, s["name"]) for s in chart["series"]],
                                       ("total", 10)])
    for index, label in enumerate(chart["labels"]):
        counts = [s["data"][index] for s in chart["series"]]
        sheet.row([label, *counts, sum(counts)])


def figures_workbook(figures: VisitFigures, actor, file) -> None:
    """Write the figures into file (a binary file object): 概览 按回访计划 按营业部 年度抽样 坐席 发现问题
    [问题清单, for those who may view findings] 完成趋势."""
    book = Book(file, text)
    _summary(book, figures)
    _coverage(book, "by_programme", figures.by_programme, "programme", figures.total)
    _coverage(book, "by_branch", figures.by_branch, "branch", figures.total)
    _sample(book, figures)
    _agents(book, figures)
    _findings(book, figures)
    if may_view_findings(actor):
        _finding_list(book, figures, actor)
    _completions(book, figures)
    book.close()
