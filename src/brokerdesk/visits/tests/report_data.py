"""The figures' test data, written with the models so every field is exactly known (Shanghai time), and a small
reader for the Excel download.

Programmes: NA = the seed "new_account" (priority 3), AS = the seed "annual_sample" (priority 6, ratio 0.100).
Tasks (business date in March 2025 unless noted; calls by the agent unless noted, length in seconds):

    T1  NA  A  completed    calls #1 03-04 unreachable 60s, #2 03-05 completed 300s; finding staff_traded → TK-V1
    T2  NA  A  refused      call #1 03-06 refused 120s
    T3  NA  A  pending      due 03-20 (overdue on 04-10)
    T4  AS  A  completed    cycle 2025; call #1 by the supervisor 03-10 completed 240s; finding promised_returns
    T5  AS  A  cancelled    cycle 2025
    T6  NA  B  completed    call #1 finished Monday 03-10 00:30 (Sunday in UTC) 600s; finding staff_traded → TK-V2
    T7  AS  B  unreachable  cycle 2025; calls #1-#3 03-13..03-15 unreachable 30s each
    T8  AS  B  claimed      cycle 2025; due 04-30
    T9  NA  A  completed    generated 02-20, call 02-21 completed 180s
    T10 AS  B  completed    cycle 2025, generated 04-02, call 04-03 completed 200s
    T11 AS  A  completed    cycle 2024, generated 2024-12-10, completed 2024-12-11

Strata 2025 (AS): A eligible 40 required 4; B eligible 95 required 10.
"""

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from brokerdesk.tickets.models import Ticket
from brokerdesk.visits.models import (
    AnnualSampleStratum,
    Programme,
    ScriptQuestion,
    VisitAttempt,
    VisitFinding,
    VisitTask,
)
from tests.factories import make_customer

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 4, 10, 12, 0, tzinfo=SH)


def at(month, day, hour=10, minute=0, second=0, year=2025) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def _task(programme, customer, *, status, business_date, due_on=None, cycle=None, attempts=0, finished=None,
          assignee=None):
    return VisitTask.objects.create(
        programme=programme, customer=customer, cycle=cycle or f"c{customer.pk}", branch=customer.home_branch,
        status=status, business_date=business_date, due_on=due_on or business_date + timedelta(days=20),
        attempts=attempts, finished_at=finished, assignee=assignee,
        outcome=status if status in ("completed", "unreachable", "refused", "wrong_number") else "")


def _call(task, number, agent, started, seconds, outcome):
    return VisitAttempt.objects.create(task=task, agent=agent, number=number, started_at=started,
                                       ended_at=started + timedelta(seconds=seconds), outcome=outcome)


def build(org, users) -> dict:
    a, b = org["branch_a"], org["branch_b"]
    agent, supervisor = users["agent"], users["supervisor"]
    na = Programme.objects.get(code="new_account")
    sample = Programme.objects.get(code="annual_sample")
    customers = {name: make_customer(a if name.startswith("a") else b)
                 for name in ("a1", "a2", "a3", "a4", "a5", "a6", "a7", "b1", "b2", "b3", "b4")}
    c = customers
    t = {
        "T1": _task(na, c["a1"], status="completed", business_date=date(2025, 3, 3), attempts=2,
                    finished=at(3, 5, 10, 5)),
        "T2": _task(na, c["a2"], status="refused", business_date=date(2025, 3, 4), attempts=1,
                    finished=at(3, 6, 9, 2)),
        "T3": _task(na, c["a3"], status="pending", business_date=date(2025, 3, 5), due_on=date(2025, 3, 20)),
        "T4": _task(sample, c["a4"], status="completed", business_date=date(2025, 3, 3), cycle="2025", attempts=1,
                    finished=at(3, 10, 14, 4)),
        "T5": _task(sample, c["a5"], status="cancelled", business_date=date(2025, 3, 3), cycle="2025",
                    finished=at(3, 4)),
        "T6": _task(na, c["b1"], status="completed", business_date=date(2025, 3, 9), attempts=1,
                    finished=at(3, 10, 0, 30)),
        "T7": _task(sample, c["b2"], status="unreachable", business_date=date(2025, 3, 12), cycle="2025",
                    attempts=3, finished=at(3, 15, 10, 0, 30)),
        "T8": _task(sample, c["b3"], status="claimed", business_date=date(2025, 3, 20), cycle="2025",
                    due_on=date(2025, 4, 30), assignee=agent),
        "T9": _task(na, c["a6"], status="completed", business_date=date(2025, 2, 20), attempts=1,
                    finished=at(2, 21, 10, 3)),
        "T10": _task(sample, c["b4"], status="completed", business_date=date(2025, 4, 2), cycle="2025", attempts=1,
                     finished=at(4, 3, 10, 3, 20)),
        "T11": _task(sample, c["a7"], status="completed", business_date=date(2024, 12, 10), cycle="2024",
                     attempts=1, finished=at(12, 11, year=2024)),
    }
    _call(t["T1"], 1, agent, at(3, 4), 60, "unreachable")
    t1_done = _call(t["T1"], 2, agent, at(3, 5), 300, "completed")
    _call(t["T2"], 1, agent, at(3, 6, 9), 120, "refused")
    t4_done = _call(t["T4"], 1, supervisor, at(3, 10, 14), 240, "completed")
    t6_done = _call(t["T6"], 1, agent, at(3, 10, 0, 20), 600, "completed")
    for n, day in ((1, 13), (2, 14), (3, 15)):
        _call(t["T7"], n, agent, at(3, day), 30, "unreachable")
    _call(t["T9"], 1, agent, at(2, 21), 180, "completed")
    _call(t["T10"], 1, agent, at(4, 3, 10), 200, "completed")
    _call(t["T11"], 1, agent, at(12, 11, year=2024), 100, "completed")

    staff_traded = ScriptQuestion.objects.filter(programme=na, finding_kind="staff_traded").first()
    promised = ScriptQuestion.objects.filter(programme=sample, finding_kind="promised_returns").first()
    tickets = {number: Ticket.objects.create(number=number, kind="complaint", channel="phone", branch=branch,
                                             status="new", subject=f"回访发现 {number}", description="回访发现问题")
               for number, branch in (("TK-V1", a), ("TK-V2", b))}
    findings = {
        "F1": VisitFinding.objects.create(task=t["T1"], attempt=t1_done, kind="staff_traded", question=staff_traded,
                                          answer="yes", ticket=tickets["TK-V1"], created_at=at(3, 5, 10, 5)),
        "F2": VisitFinding.objects.create(task=t["T4"], attempt=t4_done, kind="promised_returns", question=promised,
                                          answer="yes", created_at=at(3, 10, 14, 4)),
        "F3": VisitFinding.objects.create(task=t["T6"], attempt=t6_done, kind="staff_traded", question=staff_traded,
                                          answer="yes", ticket=tickets["TK-V2"], created_at=at(3, 10, 0, 30)),
    }
    AnnualSampleStratum.objects.create(year=2025, programme=sample, branch=a, eligible=40, required=4,
                                       drawn_at=at(1, 2))
    AnnualSampleStratum.objects.create(year=2025, programme=sample, branch=b, eligible=95, required=10,
                                       drawn_at=at(1, 2))
    assert sample.sample_ratio == Decimal("0.100")
    return {"tasks": t, "customers": customers, "tickets": tickets, "findings": findings, "na": na,
            "sample": sample}


# --- Reading the workbook (the cells' values by sheet name) ------------------------------------------------

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _xml(content: bytes):
    return ElementTree.fromstring(content)  # noqa: S314 - the workbook our own code just wrote


def read_workbook(content: bytes) -> dict[str, list[list]]:
    """{sheet name: rows of cell values} — numbers as int or float, text as str, empty cells as None (rows padded
    to the sheet's width)."""
    book = zipfile.ZipFile(io.BytesIO(content))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = _xml(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]
    rels = {r.get("Id"): r.get("Target") for r in
            _xml(book.read("xl/_rels/workbook.xml.rels")).findall("rel:Relationship", NS)}
    sheets = {}
    for sheet in _xml(book.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[sheet.get(f"{{{NS['r']}}}id")]
        root = _xml(book.read("xl/" + target.lstrip("/").removeprefix("xl/")))
        rows = []
        for row in root.iter(f"{{{NS['m']}}}row"):
            values: list = []
            for cell in row.findall("m:c", NS):
                col = _column(cell.get("r"))
                values.extend([None] * (col + 1 - len(values)))
                kind, v = cell.get("t"), cell.find("m:v", NS)
                if kind == "inlineStr":
                    values[col] = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
                elif kind == "s":
                    values[col] = shared[int(v.text)]
                elif kind == "str":
                    values[col] = v.text
                elif v is not None:
                    number = float(v.text)
                    values[col] = int(number) if number.is_integer() and "." not in v.text else number
            rows.append(values)
        width = max((len(r) for r in rows), default=0)
        sheets[sheet.get("name")] = [r + [None] * (width - len(r)) for r in rows]
    return sheets
