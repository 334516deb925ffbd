"""The NPS figures as a workbook (core.spreadsheets): one sheet per dimension, the branch x period table, the
response rates and the experience officers' figures (apart). Titles in Chinese or English by the request."""

from brokerdesk.core.spreadsheets import Book, bilingual

TEXT = bilingual({
    "overview": ("概览", "Overview"), "trend": ("趋势", "Trend"), "branches": ("营业部", "Branches"),
    "branch_period": ("营业部×期间", "Branch x period"), "themes": ("主题", "Themes"),
    "channels": ("渠道", "Channels"), "segments": ("客户分群", "Segments"), "rates": ("回复率", "Response rates"),
    "officers": ("服务体验官", "Experience officers"),
    "key": ("项目", "Item"), "branch": ("营业部", "Branch"), "period": ("期间", "Period"),
    "responses": ("回复数", "Responses"), "promoters": ("推荐者", "Promoters"), "passives": ("被动者", "Passives"),
    "detractors": ("贬损者", "Detractors"), "nps": ("NPS", "NPS"), "low": ("95%置信下限", "95% CI low"),
    "high": ("95%置信上限", "95% CI high"), "small": ("样本较小", "Small sample"),
    "campaign": ("调查活动", "Campaign"), "invited": ("邀请数", "Invited"), "responded": ("回复数", "Responded"),
    "suppressed": ("未发送", "Not sent"), "rate": ("回复率%", "Response rate %"),
    "from": ("开始日期", "From"), "to": ("结束日期", "To"), "unit": ("周期", "Unit"),
    "all": ("全部（客户）", "All (clients)"), "all_officers": ("全部（服务体验官）", "All (experience officers)"),
    "yes": ("是", "yes"), "no": ("否", "no"),
})
FIGURE_COLUMNS = [("responses", 10), ("promoters", 10), ("passives", 10), ("detractors", 10), ("nps", 9),
                  ("low", 12), ("high", 12), ("small", 10)]


def _figure_cells(fig) -> list:
    return [fig.responses, fig.promoters, fig.passives, fig.detractors, fig.nps, fig.low, fig.high,
            fig.small_sample]


def _rows_sheet(book: Book, name: str, rows, total=None, total_key: str = "all") -> None:
    sheet = book.sheet(name, [("key", 36), *FIGURE_COLUMNS])
    for row in rows:
        sheet.row([row.label, *_figure_cells(row.figure)])
    if total is not None:
        sheet.row([book.text(total_key), *_figure_cells(total)], bold_first=True)


def nps_workbook(board, branch_period: list[dict], file) -> None:
    book = Book(file, TEXT)
    f = board.filters
    sheet = book.sheet("overview", [("key", 30), ("responses", 14)])
    sheet.row([book.text("from"), f.first_day.isoformat()])
    sheet.row([book.text("to"), f.last_day.isoformat()])
    sheet.row([book.text("unit"), f.unit])
    sheet.skip()
    _rows_sheet(book, "trend", board.trend, board.total)
    _rows_sheet(book, "branches", board.by_branch, board.total)
    table = book.sheet("branch_period", [("branch", 30), ("period", 12), *FIGURE_COLUMNS])
    for r in branch_period:
        table.row([r["branch"], r["period"], r["responses"], r["promoters"], r["passives"], r["detractors"],
                   r["nps"], r["ci_low"], r["ci_high"], r["small_sample"]])
    _rows_sheet(book, "themes", board.by_theme, board.total)
    _rows_sheet(book, "channels", board.by_channel, board.total)
    _rows_sheet(book, "segments", board.by_segment)
    rates = book.sheet("rates", [("campaign", 36), ("invited", 10), ("responded", 10), ("suppressed", 10),
                                 ("rate", 12)])
    for r in [*board.rates_by_campaign, board.rate]:
        rates.row([r.label, r.invited, r.responded, r.suppressed, r.rate])
    rates.skip()
    for r in board.rates_by_branch:
        rates.row([r.label, r.invited, r.responded, r.suppressed, r.rate])
    _rows_sheet(book, "officers", board.officers_by_theme, board.officers_total, "all_officers")
    book.close()
