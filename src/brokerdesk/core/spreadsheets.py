"""Report workbooks (XlsxWriter) whose cells are typed by value, shared by the apps' Excel exports.

Constant-memory mode: each row goes to a temporary file as it is written, so a long list costs no more memory
than a short one; the workbook is assembled in a temporary file the response streams. Numbers are numbers
(int with thousands, float with two places), Decimal is a rate shown as a percentage, datetimes are Excel dates
in Shanghai time, booleans yes/no. Sheet names and column titles come from the report's own bilingual table:
Chinese when the request's language is Chinese (reports go to head office and regulators as Chinese forms).
"""

import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import xlsxwriter
from django.utils import timezone
from django.utils.translation import get_language

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHANGHAI = ZoneInfo("Asia/Shanghai")

Text = Callable[[str], str]


def bilingual(table: dict[str, tuple[str, str]]) -> Text:
    """text(key) for a {key: (Chinese, English)} table, in the active language (Chinese by default)."""

    def text(key: str) -> str:
        zh, en = table[key]
        return zh if (get_language() or "zh-hans").startswith("zh") else en

    return text


class Book:
    """A workbook; `text` names its sheets, column titles and yes/no (keys "yes" and "no")."""

    def __init__(self, file, text: Text):
        self.text = text
        self.workbook = xlsxwriter.Workbook(file, {"constant_memory": True, "remove_timezone": True,
                                                   "tmpdir": tempfile.gettempdir()})
        self.header = self.workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "bottom": 1,
                                                "text_wrap": True, "valign": "top"})
        self.formats = {"int": self.workbook.add_format({"num_format": "#,##0"}),
                        "float": self.workbook.add_format({"num_format": "0.00"}),
                        "percent": self.workbook.add_format({"num_format": "0.0%"}),
                        "moment": self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
                        "bold": self.workbook.add_format({"bold": True})}

    def sheet(self, name: str, columns: Sequence[tuple]) -> "Sheet":
        """name: a text key; columns: (text key, width) or (text key, width, literal title)."""
        worksheet = self.workbook.add_worksheet(self.text(name))
        for index, (key, width, *literal) in enumerate(columns):
            worksheet.set_column(index, index, width)
            worksheet.write_string(0, index, literal[0] if literal else self.text(key), self.header)
        worksheet.freeze_panes(1, 0)
        return Sheet(self, worksheet)

    def close(self) -> None:
        self.workbook.close()


class Sheet:
    def __init__(self, book: Book, worksheet):
        self.book, self.worksheet, self.next_row = book, worksheet, 1

    def row(self, values: Iterable, *, bold_first: bool = False) -> None:
        for col, value in enumerate(values):
            self.cell(col, value, bold=bold_first and col == 0)
        self.next_row += 1

    def skip(self) -> None:
        self.next_row += 1

    def cell(self, col: int, value, *, bold: bool = False) -> None:
        ws, row, formats = self.worksheet, self.next_row, self.book.formats
        if value is None or value == "":
            return
        if isinstance(value, bool):
            ws.write_string(row, col, self.book.text("yes" if value else "no"))
        elif isinstance(value, int):
            ws.write_number(row, col, value, formats["int"])
        elif isinstance(value, float):
            ws.write_number(row, col, value, formats["float"])
        elif isinstance(value, Decimal):
            ws.write_number(row, col, float(value), formats["percent"])
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, timezone.localtime(value, SHANGHAI).replace(tzinfo=None), formats["moment"])
        else:
            ws.write_string(row, col, str(value), formats["bold"] if bold else None)
