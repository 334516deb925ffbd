"""The error report of a refused batch: errors.csv for a spreadsheet, summary.txt for a person."""

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validate import ValidatedBatch

FIRST_ERRORS = 50


def write_error_report(result: "ValidatedBatch", report_dir: Path) -> Path:
    """Write errors.csv and summary.txt into report_dir (created if needed) and return report_dir.

    errors.csv: file,row,field,value,reason; UTF-8 with a byte-order mark so Excel shows Chinese correctly;
    row is empty for file-level errors. It lists result.errors (at most MAX_LISTED); summary.txt gives the
    exact totals per file and reason, and the first errors.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    with open(report_dir / "errors.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "field", "value", "reason"])
        for error in result.errors:
            writer.writerow([error.file, "" if error.row is None else error.row, error.field, error.value,
                             error.reason])
    manifest = result.manifest
    lines = [
        f"Batch: {result.batch_dir}",
        f"Business date: {manifest.business_date or '(unknown)'}    kind: {manifest.kind or '(unknown)'}"
        + (f"    start date: {manifest.start_date}" if manifest.start_date else ""),
        "Result: " + ("valid" if result.ok else f"REFUSED: {result.error_total} error(s); nothing was applied"),
        "",
    ]
    if result.row_counts:
        lines.append("Rows read:")
        lines.extend(f"  {entity}: {rows}" for entity, rows in result.row_counts.items())
        lines.append("")
    if result.error_counts:
        lines.append("Errors per file and reason:")
        for (file, reason), count in sorted(result.error_counts.items(), key=lambda item: (item[0][0], -item[1])):
            lines.append(f"  {file}: {count} x {reason}")
        lines.append("")
    if result.errors:
        shown = len(result.errors)
        more = f" (errors.csv lists {shown} of {result.error_total})" if shown < result.error_total else ""
        lines.append(f"First errors{more}:")
        for error in result.errors[:FIRST_ERRORS]:
            where = error.file + (f" row {error.row}" if error.row is not None else "")
            field = f" {error.field}" if error.field else ""
            value = f" = {error.value!r}" if error.value else ""
            lines.append(f"  {where}{field}{value}: {error.reason}")
    (report_dir / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report_dir
