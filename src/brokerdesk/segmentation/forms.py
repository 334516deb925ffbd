"""The rule-set editor: rows posted as rule-<key>-<field>, ordered by their position numbers.

Rows have a key, not an index, so a row added in the browser (htmx fetches a blank row with a fresh key) needs
no counter. The service numbers the rules 1..n in the order it is given and reports problems by that number;
attach_problems puts each problem back on its row, with the offending line split around the offending
character so the page can draw a caret under it.
"""

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brokerdesk.segmentation.services import RuleInput

FIELDS = ("position", "dimension", "code", "label_zh", "label_en", "expression", "description")
# Columns of the database that the service does not check the length of (a longer value would fail to save).
MAX_LENGTHS = {"code": 64, "label_zh": 60, "label_en": 60}
NAME_MAX_LENGTH = 120
MAX_ROWS = 300
POSITION_STEP = 10  # rules are shown as 10, 20, 30, ... so that 15 puts a rule between the first two
FIELD_LABELS = {
    "dimension": gettext_lazy("Dimension"), "code": gettext_lazy("Code"), "label_zh": gettext_lazy("Chinese name"),
    "label_en": gettext_lazy("English name"), "expression": gettext_lazy("Rule"),
}
_ROW_KEY = re.compile(r"^rule-([A-Za-z0-9]{1,16})-dimension$")


def clean_text(value: str) -> str:
    """What a textarea posts, as stored: Unix line ends and no NUL (PostgreSQL cannot store it)."""
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class RuleRow:
    key: str
    position: str = ""
    dimension: str = ""
    code: str = ""
    label_zh: str = ""
    label_en: str = ""
    expression: str = ""
    description: str = ""
    remove: bool = False
    problems: list[dict] = field(default_factory=list)

    def as_input(self) -> RuleInput:
        return RuleInput(dimension=self.dimension, code=self.code, expression=self.expression,
                         label_zh=self.label_zh, label_en=self.label_en, description=self.description)

    @property
    def expression_lines(self) -> int:
        return max(2, self.expression.count("\n") + 2)


def rows_from_rule_set(rule_set) -> list[RuleRow]:
    return [RuleRow(key=str(n), position=str(n * POSITION_STEP), dimension=r.dimension, code=r.code,
                    label_zh=r.label_zh, label_en=r.label_en, expression=r.expression, description=r.description)
            for n, r in enumerate(rule_set.rules.order_by("position"), start=1)]


def new_row() -> RuleRow:
    return RuleRow(key="n" + secrets.token_hex(4))


def rows_from_post(data) -> list[RuleRow]:
    """The posted rows, ordered by position number (rows without a valid number go last, in posted order)."""
    keys: list[str] = []
    for name in data:
        match = _ROW_KEY.match(name)
        if match and match.group(1) not in keys:
            keys.append(match.group(1))
    rows = []
    for key in keys[:MAX_ROWS]:
        values = {f: clean_text(data.get(f"rule-{key}-{f}", "")) for f in FIELDS}
        for name in ("position", "dimension", "code", "label_zh", "label_en"):
            values[name] = values[name].strip()
        rows.append(RuleRow(key=key, remove=bool(data.get(f"rule-{key}-remove")), **values))

    def order(item: tuple[int, RuleRow]) -> tuple[float, int]:
        index, row = item
        try:
            return float(row.position), index
        except ValueError:
            return float("inf"), index

    return [row for _, row in sorted(enumerate(rows), key=order)]


def kept(rows: list[RuleRow]) -> list[RuleRow]:
    """The rows that are saved (not marked for removal), in order: the service's rules 1..n."""
    return [row for row in rows if not row.remove]


def length_problems(rows: list[RuleRow]) -> list[dict]:
    """Problems in the service's shape for values longer than their database column."""
    problems = []
    for number, row in enumerate(kept(rows), start=1):
        for name, limit in MAX_LENGTHS.items():
            if len(getattr(row, name)) > limit:
                problems.append({"rule": number, "segment": row.code, "field": name,
                                 "message": _("At most %(limit)d characters.") % {"limit": limit}})
    return problems


def attach_problems(rows: list[RuleRow], problems: list[dict]) -> list[dict]:
    """Put each problem on the row it names; returns the problems that name no row."""
    saved = kept(rows)
    unplaced = []
    for problem in problems:
        number = problem.get("rule")
        if isinstance(number, int) and 1 <= number <= len(saved):
            row = saved[number - 1]
            shown = problem | {"field_label": FIELD_LABELS.get(problem.get("field"), "")}
            row.problems.append((shown | pointer(row.expression, problem)) if problem.get("line") else shown)
        else:
            unplaced.append(problem)
    return unplaced


def pointer(text: str, problem: dict) -> dict:
    """The offending line split around the offending character, and the padding that puts a caret under it.

    Wide (CJK) characters before the caret are padded with an ideographic space so the caret stays aligned in
    a monospace font; tabs stay tabs."""
    lines = text.split("\n")
    line_number = max(1, min(int(problem.get("line") or 1), len(lines)))
    line = lines[line_number - 1]
    column = max(0, int(problem.get("column") or 1) - 1)
    before, char, after = line[:column], line[column:column + 1], line[column + 1:]
    pad = "".join("\t" if c == "\t" else "\u3000" if unicodedata.east_asian_width(c) in "WF" else " " for c in before)
    return {"before": before, "char": char, "after": after, "pad": pad}
