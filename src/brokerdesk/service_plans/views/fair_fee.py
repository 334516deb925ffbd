"""The fair-fee report pages (同等客户同等收费): the summary by branch, a branch's deviating clients, and the Excel
export of either. A month that cannot be read is shown on the page (400); a branch outside the viewer's scope is
a 404 like a missing one. The export is audited."""

import tempfile
from decimal import Decimal

import xlsxwriter
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, ValidationFailed
from brokerdesk.service_plans.selectors import fair_fee as selectors

PERMISSION = selectors.PERMISSION
NAV = "fair_fee"
PAGE_SIZE = 50
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _month_choices(period: selectors.FairFeePeriod | None) -> list[str]:
    months = selectors.trade_months()
    if period and period.label not in months:
        months = sorted([*months, period.label], reverse=True)
    return months


def _period_error(request, template: str, error: ValidationFailed, extra: dict | None = None):
    return render(request, template, {"error": error.message, "month": request.GET.get("month", "")[:20],
                                      "months": _month_choices(None), "nav_active": NAV, **(extra or {})},
                  status=400)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def summary(request):
    """?month=YYYY-MM (default: the last full calendar month with trades)."""
    template = "service_plans/fair_fee/summary.html"
    try:
        period = selectors.parse_period(request.GET.get("month"))
    except ValidationFailed as error:
        return _period_error(request, template, error)
    report = selectors.fair_fee_summary(request.user, period)
    return render(request, template, {"report": report, "month": period.label, "months": _month_choices(period),
                                      "nav_active": NAV})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def branch_detail(request, branch_id: int):
    """One branch's deviating clients: ?month=, &sort=deviation|deviation_asc|amount|customer,
    &only=above|below|agreed, &page=."""
    template = "service_plans/fair_fee/branch.html"
    try:
        branch = selectors.branch_get_for_actor(request.user, branch_id)
    except NotFound:
        raise Http404() from None
    sort, only = request.GET.get("sort", "deviation"), request.GET.get("only", "")
    try:
        period = selectors.parse_period(request.GET.get("month"))
        report = selectors.fair_fee_branch(request.user, branch.pk, period, sort=sort, only=only)
    except NotFound:
        raise Http404() from None
    except ValidationFailed as error:
        return _period_error(request, template, error, {"branch": branch})
    page = Paginator(report.deviations, PAGE_SIZE).get_page(_page_number(request))
    rows = selectors.client_rows(list(page.object_list), selectors.labels())
    query = request.GET.copy()
    query.pop("page", None)
    base = request.GET.copy()
    for key in ("page", "sort"):
        base.pop(key, None)
    return render(request, template, {
        "report": report, "branch": branch, "page": page, "rows": rows, "month": period.label,
        "months": _month_choices(period), "sort": sort, "only": only, "query": query.urlencode(),
        "sort_query": base.urlencode(), "sorts": selectors.SORTS, "nav_active": NAV})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def export_xlsx(request):
    """?month=YYYY-MM[&branch=<id>]: the whole report, or one branch, as an Excel workbook."""
    branch_id = request.GET.get("branch") or None
    try:
        period = selectors.parse_period(request.GET.get("month"))
        branch = selectors.branch_get_for_actor(request.user, branch_id) if branch_id else None
    except NotFound:
        raise Http404() from None
    except ValidationFailed as error:
        return _period_error(request, "service_plans/fair_fee/summary.html", error)
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    try:
        with selectors.fair_fee_export(request.user, period, branch.pk if branch else None) as export:
            rows = write_workbook(export, file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    filename = f"fair-fee-{period.label}-{f'branch-{branch.code}' if branch else 'all'}.xlsx"
    total = export.total
    audit_record(actor=request.user, action="service_plans.fair_fee_export", object_type="fair_fee_report",
                 object_id=period.label,
                 details={"period": period.label, "scope": export.scope, "branch": branch.code if branch else "",
                          "filename": filename, "clients_listed": rows, "below": total.below if total else 0,
                          "above": total.above if total else 0, "agreed_outside": total.agreed_outside if total else 0})
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


# --- The workbook ---------------------------------------------------------------------------------------------

# key: (Chinese, English). Fixed pairs: the report goes to compliance as a Chinese form.
TEXT = {
    "summary": ("概览", "Summary"), "by_branch": ("营业部", "By branch"),
    "clients_sheet": ("偏离客户", "Deviating clients"),
    "title": ("同等客户同等收费检查", "Fair-fee report"), "item": ("项目", "Item"), "value": ("数值", "Value"),
    "report": ("报告", "Report"), "period": ("期间", "Period"), "scope": ("范围", "Scope"),
    "generated_at": ("生成时间", "Generated at"), "complete": ("完整月份", "Complete month"),
    "unmatched": ("交易中未知客户数", "Traded client numbers unknown to the CRM"),
    "code": ("营业部代码", "Branch code"), "branch": ("营业部", "Branch"), "clients": ("客户数", "Clients"),
    "traded": ("有交易客户", "Clients traded"), "no_trades": ("无交易客户", "Clients without trades"),
    "without_tier": ("无资产等级（有交易）", "Traded, without a tier"),
    "no_schedule": ("无佣金标准（未评估）", "No schedule (not assessed)"), "within": ("标准内", "Within band"),
    "below": ("低于标准", "Below band"), "above": ("高于标准", "Above band"),
    "agreed_outside": ("约定费率超出标准", "Agreed rate outside band"), "amount": ("成交金额", "Traded amount"),
    "commission": ("佣金", "Commission"), "overcharge": ("多收金额（相对标准费率）", "Overcharged vs standard (CNY)"),
    "undercharge": ("少收金额（相对标准费率）", "Undercharged vs standard (CNY)"),
    "customer_no": ("客户号", "Client number"), "name": ("客户姓名", "Name"), "package": ("服务套餐", "Package"),
    "subscribed": ("签约套餐", "Subscribed"), "tier": ("资产等级", "Tier"),
    "band_tier": ("适用标准等级", "Schedule tier"),
    "standard": ("标准费率‰", "Standard ‰"), "min": ("最低费率‰", "Lowest ‰"), "max": ("最高费率‰", "Highest ‰"),
    "trades": ("成交笔数", "Trades"), "effective": ("实际费率‰", "Effective ‰"),
    "vs_standard": ("与标准差‰", "vs standard ‰"), "vs_standard_cny": ("与标准差（元）", "vs standard (CNY)"),
    "agreed": ("约定费率‰", "Agreed ‰"), "status": ("实际费率判定", "Effective rate"),
    "agreed_status": ("约定费率判定", "Agreed rate"), "deviation": ("超出标准区间‰", "Outside band ‰"),
    "any_tier": ("不限", "any"), "yes": ("是", "yes"), "no": ("否", "no"), "none": ("—", "—"),
    "total": ("合计", "Total"),
}


def text(key: str) -> str:
    zh, en = TEXT[key]
    return zh if (get_language() or "zh-hans").startswith("zh") else en


class _Sheet:
    def __init__(self, book: "_Book", name: str, columns: list[tuple[str, int, str]]):
        self.book, self.row_index = book, 1
        self.formats = [book.formats[kind] for _, _, kind in columns]
        self.ws = book.workbook.add_worksheet(text(name))
        for i, (_title, width, _kind) in enumerate(columns):
            self.ws.set_column(i, i, width)
        self.ws.write_row(0, 0, [text(title) for title, _, _ in columns], book.formats["header"])
        self.ws.freeze_panes(1, 0)

    def row(self, values: list) -> None:
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            fmt = self.formats[col] if col < len(self.formats) else None
            if isinstance(value, bool):
                self.ws.write_string(self.row_index, col, text("yes" if value else "no"))
            elif isinstance(value, int | Decimal):
                self.ws.write_number(self.row_index, col, float(value), fmt)
            else:
                self.ws.write_string(self.row_index, col, str(value), fmt)
        self.row_index += 1


class _Book:
    def __init__(self, file):
        self.workbook = xlsxwriter.Workbook(file, {"constant_memory": True, "remove_timezone": True,
                                                   "tmpdir": tempfile.gettempdir()})
        add = self.workbook.add_format
        self.formats = {
            "header": add({"bold": True, "bg_color": "#E8EEF5", "bottom": 1, "text_wrap": True, "valign": "top"}),
            "text": None, "bold": add({"bold": True}), "int": add({"num_format": "#,##0"}),
            "money": add({"num_format": "#,##0.00"}), "rate": add({"num_format": "0.0000"}),
            "rate6": add({"num_format": "0.000000"}),
        }


BRANCH_COLUMNS = [("code", 12, "text"), ("branch", 26, "text"), ("clients", 10, "int"), ("traded", 10, "int"),
                  ("no_trades", 10, "int"), ("without_tier", 12, "int"), ("no_schedule", 12, "int"),
                  ("within", 10, "int"), ("below", 10, "int"), ("above", 10, "int"), ("agreed_outside", 12, "int"),
                  ("amount", 18, "money"), ("commission", 14, "money"), ("overcharge", 16, "money"),
                  ("undercharge", 16, "money")]
CLIENT_COLUMNS = [("code", 12, "text"), ("branch", 22, "text"), ("customer_no", 14, "text"), ("name", 12, "text"),
                  ("package", 14, "text"), ("subscribed", 8, "text"), ("tier", 10, "text"), ("band_tier", 10, "text"),
                  ("standard", 10, "rate"), ("min", 10, "rate"), ("max", 10, "rate"), ("trades", 8, "int"),
                  ("amount", 16, "money"), ("commission", 12, "money"), ("effective", 12, "rate6"),
                  ("vs_standard", 12, "rate6"), ("vs_standard_cny", 14, "money"), ("agreed", 10, "rate"),
                  ("status", 12, "text"), ("agreed_status", 12, "text"), ("deviation", 14, "rate6")]


def _status(value: str) -> str:
    return text(value) if value in ("below", "above", "within") else text("none") if value in ("none", "") else (
        text("no_trades") if value == "no_trades" else text("no_schedule"))


def _branch_figures(totals) -> list:
    return [totals.clients, totals.traded, totals.no_trades, totals.without_tier, totals.no_schedule, totals.within,
            totals.below, totals.above, totals.agreed_outside, totals.amount, totals.commission, totals.overcharge,
            totals.undercharge]


def write_workbook(export: selectors.FairFeeExport, file) -> int:
    """Write 概览 营业部 偏离客户 into file (a binary file object); returns the number of clients listed."""
    book = _Book(file)
    summary = _Sheet(book, "summary", [("item", 34, "bold"), ("value", 28, "text")])
    summary.row([text("report"), text("title")])
    summary.row([text("period"), export.period.label])
    summary.row([text("complete"), export.period.complete])
    summary.row([text("scope"), export.scope])
    generated = timezone.localtime(timezone.now(), selectors.SHANGHAI)
    summary.row([text("generated_at"), generated.strftime("%Y-%m-%d %H:%M")])
    if export.total:
        for key, value in zip([c[0] for c in BRANCH_COLUMNS[2:]], _branch_figures(export.total), strict=True):
            summary.row([text(key), value])
    if export.unmatched_clients is not None:
        summary.row([text("unmatched"), export.unmatched_clients])
    branches = _Sheet(book, "by_branch", BRANCH_COLUMNS)
    for line in export.branches:
        branches.row([line.branch.code, line.branch.name, *_branch_figures(line.totals)])
    if export.total and len(export.branches) > 1:
        branches.row(["", text("total"), *_branch_figures(export.total)])
    clients = _Sheet(book, "clients_sheet", CLIENT_COLUMNS)
    by_pk = {line.branch.pk: line.branch for line in export.branches}
    listed = 0
    for row in export.rows:
        branch = by_pk.get(row.branch_id)
        clients.row([branch.code if branch else "", branch.name if branch else "", row.customer_no, row.name,
                     row.package, row.subscribed, row.tier, row.band_tier or text("any_tier"), row.standard_rate,
                     row.min_rate, row.max_rate, row.trades, row.amount, row.commission, row.effective_rate,
                     row.rate_vs_standard, row.amount_vs_standard, row.agreed_rate, _status(row.status),
                     _status(row.agreed_status), row.deviation])
        listed += 1
    book.workbook.close()
    return listed


urlpatterns = [
    path("fair-fee/", summary, name="fair_fee"),
    path("fair-fee/branch/<int:branch_id>/", branch_detail, name="fair_fee_branch"),
    path("fair-fee/export.xlsx", export_xlsx, name="fair_fee_export"),
]
