"""docs/data-formats.md, generated from the intake contract (intake/contract.py).

    python -m brokerdesk.synth.generator.docs --write docs/data-formats.md

A test fails when the file is not up to date with the contract.
"""

import argparse
import json
import sys
from pathlib import Path

from brokerdesk.intake.contract import (
    APPLY_ORDER,
    BACKFILL,
    CHECKS,
    DAILY,
    ENTITIES,
    FACT,
    FORMAT_VERSION,
    MANIFEST,
    MASTER,
    REFERENCE,
    Column,
    Entity,
    Manifest,
    ManifestFile,
)

ROLE_TEXT = {
    REFERENCE: "reference data: rows are upserted by key",
    MASTER: "client master data: rows are upserted by key",
    FACT: "dated facts: each date present replaces that date's partition in the lake",
}
TYPE_ROWS = (
    ("text", "as is (quoted when needed)", "BYTE_ARRAY, STRING", "string"),
    ("int", "digits, optional leading minus", "INT64", "int64"),
    ("decimal(p,s)", "plain decimal with exactly s digits after the point: `1234.50`", "INT64, DECIMAL(p,s)",
     "decimal128(p,s)"),
    ("date", "`YYYY-MM-DD`", "INT32, DATE", "date32"),
    ("time", "`HH:MM:SS`", "INT32, TIME(MILLIS), whole seconds", "time32[ms]"),
    ("bool", "`true` / `false`", "BOOLEAN", "bool"),
)

EXAMPLE = Manifest(
    business_date="2026-11-20",
    kind=DAILY,
    encoding="utf-8",
    customers_mode="delta",
    files=(
        ManifestFile("customers", "customers.parquet", "parquet", 3038, "5d41402abc4b2a76b9719d911017c592" * 2),
        ManifestFile("trades", "trades.parquet", "parquet", 386045, "7d793037a0760186574b0282f2f435e7" * 2),
    ),
)


def _manifest_example() -> str:
    data = {
        "format_version": EXAMPLE.format_version,
        "business_date": EXAMPLE.business_date,
        "kind": EXAMPLE.kind,
        "encoding": EXAMPLE.encoding,
        "customers_mode": EXAMPLE.customers_mode,
        "files": [{"entity": f.entity, "path": f.path, "format": f.format, "rows": f.rows, "sha256": f.sha256}
                  for f in EXAMPLE.files],
    }
    return json.dumps(data, indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _allowed(column: Column) -> str:
    parts = []
    if column.choices:
        parts.append(", ".join(f"`{c}`" for c in column.choices))
    if column.check:
        parts.append(f"{column.check}: {CHECKS[column.check]}")
    return "; ".join(parts)


def _length(column: Column) -> str:
    return f", at most {column.max_length} characters" if column.max_length else ""


def _entity_section(entity: Entity) -> list[str]:
    lines = [f"### {entity.name}", "", entity.description, ""]
    lines.append(f"- Role: {ROLE_TEXT[entity.role]}.")
    lines.append(f"- Key: {', '.join(f'`{k}`' for k in entity.key)} (unique within the file).")
    for columns in entity.unique:
        lines.append(f"- Also unique: {', '.join(f'`{c}`' for c in columns)}, within the file and against the rows "
                     f"already loaded (another {entity.key[0]} may not hold the same values).")
    if entity.date_column:
        lines.append(f"- Business date column: `{entity.date_column}`.")
    lines.append(f"- Batch kinds: {', '.join(entity.kinds)}.")
    lines.append("")
    lines.append("| # | column | type | required | allowed values / check | references | description |")
    lines.append("|---|---|---|---|---|---|---|")
    for number, column in enumerate(entity.columns, start=1):
        lines.append(
            f"| {number} | `{column.name}` | {column.type}{_length(column)} | {'yes' if column.required else 'no'} | "
            f"{_cell(_allowed(column))} | {f'`{column.references}`' if column.references else ''} | "
            f"{_cell(column.description)} |"
        )
    lines.append("")
    return lines


def render() -> str:
    manifest_fields = [
        ("format_version", "int", f"version of this format, currently {FORMAT_VERSION}"),
        ("business_date", "date", "the batch's business date (an exchange trading day)"),
        ("kind", "text", f"`{DAILY}` or `{BACKFILL}`"),
        ("start_date", "date", f"{BACKFILL} only: the first date covered"),
        ("encoding", "text", "text encoding of the CSV files: `utf-8` or `gbk` (Parquet text is always UTF-8)"),
        ("customers_mode", "text", "`full`: the customers file lists every client (backfill); `delta`: only new "
                                   "and changed clients (daily)"),
        ("files", "list", "one entry per file: `entity`, `path` (relative to the folder), `format` (`csv` or "
                          "`parquet`), `rows` (data rows, header excluded), `sha256` (hex digest of the file's "
                          "bytes)"),
        ("extra", "object", "optional, free-form (the synthetic generator records its options here)"),
    ]
    lines = [
        "# Data formats: the nightly intake batch",
        "",
        "<!-- Generated from src/brokerdesk/intake/contract.py by "
        "`python -m brokerdesk.synth.generator.docs --write docs/data-formats.md`. Do not edit by hand. -->",
        "",
        "This is the contract between the core trading system and brokerdesk: what the core system sends "
        "every night, and what intake checks before anything is loaded. `brokerdesk synth` writes batches in "
        "exactly this format (see the end of this page).",
        "",
        "## Batches",
        "",
        "A batch is one folder for one business date, containing `manifest.json` and one file per entity:",
        "",
        "```",
        "2026-11-20-daily/",
        f"  {MANIFEST}            business date, kind, encoding; for every file its rows and SHA-256",
        "  customers.parquet        one file per entity present, named <entity>.parquet or <entity>.csv",
        "  trades.parquet",
        "  ...",
        "```",
        "",
        "- **Business dates** are exchange trading days: no weekends, no public holidays, and no make-up "
        "working Saturdays (调休) either - those are working days but not trading days.",
        f"- **Kinds.** A `{BACKFILL}` is the first batch of an installation: all reference and master data (every "
        "client), a year of trades and fund transfers (`start_date` to `business_date`), the asset snapshots of "
        "the last 20 trading days plus the last 12 month-ends, and the latest positions. A `"
        f"{DAILY}` batch carries one business date: that day's facts (asset snapshots of every client with a "
        "non-zero balance, positions, trades, transfers) and the master data that changed (new clients with "
        "their accounts, changed clients as full rows, new risk assessments and permission changes). A daily "
        "batch may omit entities with no rows, and usually omits reference data that did not change.",
        "- **The manifest is written last**: a folder without `manifest.json` is incomplete. Intake checks every "
        "listed file's row count and SHA-256 before reading it.",
        f"- **Apply order**: {', '.join(f'`{name}`' for name in APPLY_ORDER)} (what rows point at comes first).",
        "",
        "### manifest.json",
        "",
        "| field | type | meaning |",
        "|---|---|---|",
        *[f"| `{name}` | {type_} | {_cell(text)} |" for name, type_, text in manifest_fields],
        "",
        "Example (a daily batch; the hashes are made up):",
        "",
        "```json",
        _manifest_example(),
        "```",
        "",
        "## File formats",
        "",
        "**CSV** (RFC 4180): a header row with the column names in the order below; comma separator; CRLF line "
        "ends; text values in double quotes when they contain a comma, quote or line break (a quote inside is "
        "doubled; brokerdesk's writer quotes every text value); an empty unquoted field is a null. The encoding "
        "is the manifest's: `utf-8` (no byte-order mark) or `gbk` (GB 2312/GBK, for older core systems).",
        "",
        "**Parquet**: one file per entity, columns named and ordered as below, any compression (brokerdesk's "
        "writer uses zstd), text always UTF-8.",
        "",
        "| contract type | CSV text | Parquet physical, logical type | Arrow type read |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in TYPE_ROWS],
        "",
        "Parquet has no seconds-resolution time type: times are TIME(MILLIS) holding whole seconds. Decimals "
        "of precision up to 18 are INT64 with a DECIMAL logical type (FIXED_LEN_BYTE_ARRAY is accepted too). "
        "Required columns must not be null (in Parquet they may be declared REQUIRED).",
        "",
        "## Checks",
        "",
        "Beyond its type and allowed values, a column may name a check:",
        "",
        "| check | rule |",
        "|---|---|",
        *[f"| `{name}` | {_cell(rule)} |" for name, rule in CHECKS.items()],
        "",
        "A `references` column must match a row of the referenced entity, in the same batch or already loaded.",
        "",
        "## Entities",
        "",
    ]
    for entity in ENTITIES:
        lines.extend(_entity_section(entity))
    lines.extend([
        "## Sample batches",
        "",
        "`brokerdesk synth --customers N --days D --out DIR --seed S [--format parquet|csv] [--encoding utf-8|gbk] "
        "[--end-date YYYY-MM-DD]` writes a synthetic brokerage in this format: `DIR/<business date>-backfill` "
        "(D trading days up to the last trading day on or before the end date, 2026-11-19 by default) and "
        "`DIR/<next trading day>-daily`. The same options give byte-identical files.",
        "",
    ])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render docs/data-formats.md from the intake contract.")
    parser.add_argument("--write", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
