"""Validate a whole batch before anything is applied: every check as SQL in DuckDB, no loop over data rows.

    result = validate_batch(batch_dir, staging_dir, known)
    if not result.ok:
        report = write_error_report(result, report_dir)     # errors.csv + summary.txt

Order of work:
1. manifest.json (intake.manifest): format version, business date (ISO, a trading day), kind, start date of a
   backfill, encoding, customers mode, and per file: known entity allowed in this kind, a plain file name
   inside the folder, csv|parquet, rows, sha256; data files the manifest does not list.
2. Each file is staged (intake.staging): encoding (GBK transcoded, UTF-8 validated, a GBK file declared UTF-8
   named as such), header, truncated/ragged rows, value formats, into typed Parquet in file order.
   Meanwhile a thread computes each file's SHA-256; row counts and checksums are compared with the manifest.
3. Row rules, one aggregate scan per entity counting every rule at once (count_if per rule): required values,
   choices, named checks (contract.CHECKS: id_number by id_type with GB 11643 / GB 32100 check characters
   computed in SQL, mobile/phone by regexp with only foreign numbers judged by phonenumbers in bulk,
   non_negative/positive, trading_day against a calendar table made from core.calendar, in_batch for the
   date column of facts, not_after_batch).
4. Duplicate keys (a GROUP BY on hash(key); an exact GROUP BY only when that finds candidates) and references
   (ANTI JOIN against this batch's rows plus KnownKeys; a reference to an entity whose key has several columns
   uses all of them: trades.security_code means (market, security_code)).
Only rules that found something are listed, up to MAX_LISTED errors in all, shared fairly between rules; the
total and the count per (file, reason) are exact.
"""

# SQL here is assembled from the contract's names and literals quoted by sqlchecks.q, never from user input.
# ruff: noqa: S608

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from . import contract
from .errors import BatchError, batch_error
from .manifest import file_sha256, read_manifest
from .report import write_error_report
from .sqlchecks import (
    MOBILE_PATTERN,
    MOBILE_REASON,
    PHONE_REASON,
    id_number_reason,
    ident,
    international_phone_invalid,
    non_trading_days,
    phone_bad,
    phone_compact,
    phone_is_international,
    phone_is_mainland,
    q,
    region_codes,
    resident_id_reason,
    text_format,
    uscc_reason,
)
from .staging import Finding, Staged, clear_dir, single, stage_file

__all__ = ["MAX_LISTED", "BatchError", "KnownKeys", "ValidatedBatch", "validate_batch", "write_error_report"]

MAX_LISTED = 10_000
MEMORY_LIMIT = "4GB"
INTERNATIONAL_PHONE_LIMIT = 200_000  # distinct foreign numbers judged by phonenumbers; beyond: not listed
# Columns each KnownKeys Parquet file must have.
KNOWN_COLUMNS = {
    "centers": ("center_code",),
    "branches": ("branch_code",),
    "securities": ("market", "security_code"),
    "customers": ("customer_no",),
}


@dataclass(frozen=True)
class KnownKeys:
    """Keys already in the operational database, for references a delta batch does not repeat.

    Each is a Parquet file with the columns in KNOWN_COLUMNS (extra columns are ignored), or None for none.
    """

    centers: Path | None = None  # center_code
    branches: Path | None = None  # branch_code
    securities: Path | None = None  # market, security_code
    customers: Path | None = None  # customer_no; with id_type and id_number for the identity check


@dataclass
class ValidatedBatch:
    """The outcome of validate_batch.

    manifest:     the parsed manifest; when manifest.json is missing or unusable, a placeholder with
                  business_date "" and no files (the errors say why)
    staging_dir:  when ok, typed Parquet per entity present: <staging_dir>/<entity>.parquet with exactly the
                  contract's columns in contract order, in file order, empty text as NULL. Arrow types:
                  text string, int int64, decimal(p,s) decimal128(p,s), date date32, time time64[us]
                  (Parquet has no seconds unit for time), bool bool. When not ok, no entity files are left.
    row_counts:   data rows per entity as found in the files (header excluded)
    errors:       the first errors, at most MAX_LISTED, in file then row order
    error_total:  every error found (errors may list fewer)
    error_counts: (file, reason without row detail) -> number of errors, exact
    """

    manifest: contract.Manifest
    batch_dir: Path
    staging_dir: Path
    row_counts: dict[str, int]
    errors: list[BatchError]
    error_total: int
    error_counts: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_total == 0


def validate_batch(batch_dir: Path, staging_dir: Path, known: KnownKeys, *,
                   progress: Callable[[str], None] | None = None) -> ValidatedBatch:
    """Validate one batch folder completely and stage its files as typed Parquet (see the module docstring).

    Nothing is applied. Streams every file (DuckDB reads CSV and Parquet directly; memory_limit 4GB, spilling to
    <staging_dir>/_work). progress, when given, receives a short line per step.
    """
    say = progress or (lambda _message: None)
    batch_dir, staging_dir = Path(batch_dir), Path(staging_dir)
    say(f"reading {contract.MANIFEST}")
    manifest, manifest_errors = read_manifest(batch_dir)
    findings: list[Finding] = [single(error) for error in manifest_errors]
    row_counts: dict[str, int] = {}
    if manifest is None:
        placeholder = contract.Manifest(business_date="", kind="", files=())
        return _result(placeholder, batch_dir, staging_dir, row_counts, findings, [])

    staging_dir.mkdir(parents=True, exist_ok=True)
    for entity in contract.ENTITIES:
        (staging_dir / f"{entity.name}.parquet").unlink(missing_ok=True)
    work = staging_dir / "_work"
    clear_dir(work)
    work.mkdir()
    files = sorted(manifest.files, key=lambda f: contract.APPLY_ORDER.index(f.entity))
    con = duckdb.connect(config={
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(work / "duckdb"),
        "preserve_insertion_order": True,
        "threads": os.cpu_count() or 1,
    })
    con.execute("SET enable_progress_bar = false")
    try:
        staged: dict[str, Staged] = {}
        with ThreadPoolExecutor(max_workers=1) as pool:
            digests = {f.path: pool.submit(file_sha256, batch_dir / f.path) for f in files}
            for mfile in files:
                say(f"reading {mfile.path}")
                result = stage_file(con, manifest, mfile, batch_dir, staging_dir, work)
                staged[mfile.entity] = result
                findings.extend(result.findings)
                if result.rows is not None:
                    row_counts[mfile.entity] = result.rows
                    if mfile.rows >= 0 and result.rows != mfile.rows:
                        findings.append(single(batch_error(
                            mfile.path, None, "rows", result.rows,
                            f"row count differs from the manifest: manifest says {mfile.rows}, "
                            f"the file has {result.rows} data rows"), "row count differs from the manifest"))
            say("comparing checksums")
            for mfile in files:
                digest = digests[mfile.path].result()
                if mfile.sha256 and digest != mfile.sha256:
                    findings.append(single(batch_error(
                        mfile.path, None, "sha256", digest,
                        f"SHA-256 differs from the manifest: manifest says {mfile.sha256}, the file is {digest}"),
                        "SHA-256 differs from the manifest"))
        findings.extend(_Rules(con, manifest, staged, known, say).run())
        return _result(manifest, batch_dir, staging_dir, row_counts, findings, files)
    finally:
        con.close()
        clear_dir(work)


def _result(manifest, batch_dir, staging_dir, row_counts, findings: list[Finding], files) -> ValidatedBatch:
    findings = [f for f in findings if f.count > 0]
    order = {contract.MANIFEST: 0} | {f.path: i + 1 for i, f in enumerate(files)}
    errors: list[BatchError] = []
    for finding, quota in zip(findings, _quotas([f.count for f in findings], MAX_LISTED), strict=True):
        if quota:
            errors.extend(finding.fetch(quota))
    errors.sort(key=lambda e: (order.get(e.file, len(order)), e.row or 0, e.field))
    counts: dict[tuple[str, str], int] = {}
    for finding in findings:
        counts[(finding.file, finding.label)] = counts.get((finding.file, finding.label), 0) + finding.count
    total = sum(counts.values())
    if total:
        for entity in contract.ENTITIES:
            (Path(staging_dir) / f"{entity.name}.parquet").unlink(missing_ok=True)
    return ValidatedBatch(manifest=manifest, batch_dir=Path(batch_dir), staging_dir=Path(staging_dir),
                          row_counts=row_counts, errors=errors, error_total=total, error_counts=counts)


def _quotas(counts: list[int], cap: int) -> list[int]:
    """Share cap listed errors between rules: small rules are listed whole, big ones share the rest evenly."""
    quotas = [0] * len(counts)
    remaining = cap
    pending = sorted(range(len(counts)), key=lambda i: counts[i])
    for position, index in enumerate(pending):
        share = remaining // (len(pending) - position)
        quotas[index] = min(counts[index], share)
        remaining -= quotas[index]
    return quotas


def _region_known(column: str) -> str:
    return ident(f"__region_known_{column}")


@dataclass
class _RowRule:
    field: str
    label: str
    condition: str  # SQL over the entity's view: true for a bad row
    value: str  # SQL: the offending value
    reason: str = ""  # SQL text expression for the reason; default: the label


class _Rules:
    """Row rules, duplicate keys and references over the staged views."""

    def __init__(self, con, manifest: contract.Manifest, staged: dict[str, Staged], known: KnownKeys, say):
        self.con = con
        self.manifest = manifest
        self.staged = staged
        self.known = known
        self.say = say
        self.business_date = date.fromisoformat(manifest.business_date)
        self.start_date = date.fromisoformat(manifest.start_date) if manifest.start_date else self.business_date
        self._key_tables: dict[str, str | None] = {}

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        usable = {name: s for name, s in self.staged.items() if s.usable}
        self._prepare(usable)
        for name, staged in usable.items():
            entity = contract.ENTITY_BY_NAME[name]
            self.say(f"checking {staged.file}")
            findings.extend(self._row_rules(entity, staged))
            findings.extend(self._duplicates(entity, staged, entity.key, f"duplicate key ({', '.join(entity.key)})"))
            for columns in entity.unique:
                findings.extend(self._duplicates(entity, staged, columns, f"duplicate ({', '.join(columns)})"))
                findings.extend(self._taken(entity, staged, columns))
            findings.extend(self._references(entity, staged))
        return findings

    # --- lookup tables -------------------------------------------------------------------------------------

    def _prepare(self, usable: dict[str, Staged]) -> None:
        con = self.con
        con.register("cn_region_src", pa.table({"code": pa.array(region_codes(), pa.string())}))
        con.execute("CREATE OR REPLACE TEMP TABLE cn_region AS SELECT code FROM cn_region_src")
        # Calendar: every day between the earliest and latest date a trading_day rule will look at.
        first, last = self.start_date, self.business_date
        for name, staged in usable.items():
            for column in contract.ENTITY_BY_NAME[name].columns:
                if column.check == "trading_day":
                    low, high = con.execute(f"SELECT min({ident(column.name)}), max({ident(column.name)}) "
                                            f"FROM {staged.view}").fetchall()[0]
                    # (DuckDB gives BC dates and years past 9999 as text; in_batch rules report those.)
                    if isinstance(low, date) and isinstance(high, date):
                        first, last = min(first, low), max(last, high)
        first, last = max(first, date(1990, 1, 1)), min(last, date(2100, 12, 31))
        days = non_trading_days(first, last)
        con.register("non_trading_src", pa.table({
            "d": pa.array([d for d, _ in days], pa.date32()), "why": pa.array([w for _, w in days], pa.string()),
        }))
        con.execute("CREATE OR REPLACE TEMP TABLE non_trading AS SELECT d, why FROM non_trading_src")
        # Foreign phone numbers: the only values that go through phonenumbers, distinct and in bulk.
        numbers: set[str] = set()
        for name, staged in usable.items():
            for column in contract.ENTITY_BY_NAME[name].columns:
                if column.check == "phone":
                    compact = phone_compact(ident(column.name))
                    numbers.update(row[0] for row in con.execute(
                        f"SELECT DISTINCT {compact} FROM {staged.view} WHERE {ident(column.name)} IS NOT NULL "
                        f"AND NOT {phone_is_mainland(compact)} AND {phone_is_international(compact)} LIMIT ?",
                        [INTERNATIONAL_PHONE_LIMIT]).fetchall())
        bad = international_phone_invalid(sorted(numbers))
        con.register("bad_phone_src", pa.table({"number": pa.array(bad, pa.string())}))
        con.execute("CREATE OR REPLACE TEMP TABLE bad_phone AS SELECT number FROM bad_phone_src")

    # --- row rules -------------------------------------------------------------------------------------------

    def _column_rules(self, entity: contract.Entity, column: contract.Column, staged: Staged) -> list[_RowRule]:
        c = ident(column.name)
        bad = ident("__bad_" + column.name) if column.name in staged.bad_columns else ""
        rules: list[_RowRule] = []
        if bad:
            rules.append(_RowRule(column.name, text_format(column.type)[1], f"{bad} IS NOT NULL", bad))
        if column.required:
            missing = f"({c} IS NULL OR {c} = '')" if column.type == "text" else f"{c} IS NULL"
            if bad:
                missing = f"({missing} AND {bad} IS NULL)"
            rules.append(_RowRule(column.name, "required value is missing", missing, "''"))
        max_length = getattr(column, "max_length", 0)  # once the contract carries the database's lengths
        if max_length and column.type == "text":
            rules.append(_RowRule(column.name, f"longer than {max_length} characters",
                                  f"length({c}) > {int(max_length)}", c))
        if column.choices:
            listed = ", ".join(q(choice) for choice in column.choices)
            rules.append(_RowRule(column.name, f"not one of: {', '.join(column.choices)}",
                                  f"({c} IS NOT NULL AND {c} NOT IN ({listed}))", c))
        check = column.check
        bd, start = self.business_date.isoformat(), self.start_date.isoformat()
        if check == "non_negative":
            rules.append(_RowRule(column.name, "negative value: must be >= 0", f"{c} < 0", c))
        elif check in ("positive", "board_lot"):
            label = "must be > 0" if check == "positive" else "must be a positive whole number of shares"
            rules.append(_RowRule(column.name, label, f"{c} <= 0", c,
                                  f"CASE WHEN {c} < 0 THEN {q('negative value: ' + label)} "
                                  f"ELSE {q('zero: ' + label)} END"))
        elif check == "trading_day":
            rules.append(_RowRule(
                column.name, "not a trading day", f"{c} IN (SELECT d FROM non_trading)", c,
                f"'not a trading day: ' || strftime({c}, '%Y-%m-%d') || ' is ' "
                f"|| (SELECT why FROM non_trading n WHERE n.d = {c})"))
        elif check == "not_after_batch":
            rules.append(_RowRule(column.name, f"after the batch's business date {bd}", f"{c} > DATE '{bd}'", c))
        elif check == "mobile":
            rules.append(_RowRule(column.name, MOBILE_REASON,
                                  f"({c} IS NOT NULL AND NOT regexp_full_match({c}, '{MOBILE_PATTERN}'))", c))
        elif check == "phone":
            rules.append(_RowRule(column.name, PHONE_REASON, phone_bad(c, "bad_phone"), c))
        elif check in ("id_number", "resident_id", "uscc"):
            if check == "id_number":
                reason = id_number_reason(c, ident("id_type"), self.business_date, _region_known(column.name))
            elif check == "resident_id":
                reason = resident_id_reason(f"upper({c})", self.business_date, _region_known(column.name))
            else:
                reason = uscc_reason(f"upper({c})")
            rules.append(_RowRule(column.name, "identity document number is not valid",
                                  f"({c} IS NOT NULL AND ({reason}) IS NOT NULL)", c, reason))
        if check == "in_batch" or (entity.role == contract.FACT and column.name == entity.date_column):
            if self.manifest.kind == contract.DAILY:
                label = f"date outside this daily batch: facts must be dated {bd}"
                condition = f"{c} <> DATE '{bd}'"
            else:
                label = f"date outside this backfill: facts must be dated {start}..{bd}"
                condition = f"({c} < DATE '{start}' OR {c} > DATE '{bd}')"
            rules.append(_RowRule(column.name, label, condition, c))
        return rules

    def _row_rules(self, entity: contract.Entity, staged: Staged) -> list[Finding]:
        rules = [rule for column in entity.columns for rule in self._column_rules(entity, column, staged)]
        if not rules:
            return []
        source = staged.view
        identity = [c.name for c in entity.columns if c.check in ("id_number", "resident_id")]
        if identity:  # region codes by a hash join, not a subquery per row
            joins = " ".join(
                f"LEFT JOIN cn_region {ident('__r_' + name)} ON {ident('__r_' + name)}.code = "
                f"substr(upper(v.{ident(name)}), 1, 6)" for name in identity)
            known = ", ".join(f"{ident('__r_' + name)}.code IS NOT NULL AS {_region_known(name)}" for name in identity)
            source = f"{staged.view}_ids"
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {source} AS SELECT v.*, {known} FROM {staged.view} v {joins}")
        counts = self.con.execute(
            "SELECT " + ", ".join(f"count_if({rule.condition})" for rule in rules) + f" FROM {source}"
        ).fetchall()[0]
        findings = []
        for rule, count in zip(rules, counts, strict=True):
            if count:
                findings.extend(self._split_by_reason(staged.file, source, rule, count))
        return findings

    def _split_by_reason(self, file: str, source: str, rule: _RowRule, count: int) -> list[Finding]:
        """One finding per distinct reason of a rule whose reason varies (identity numbers, zero or negative)."""
        if not rule.reason or "CASE" not in rule.reason:
            return [Finding(file, rule.field, rule.label, count, self._fetcher(file, source, rule))]
        grouped = self.con.execute(
            f"SELECT {rule.reason} AS reason, count(*) FROM {source} WHERE {rule.condition} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        findings = []
        for reason, number in grouped:
            part = _RowRule(rule.field, reason, f"({rule.condition}) AND ({rule.reason}) = {q(reason)}", rule.value)
            findings.append(Finding(file, rule.field, reason, number, self._fetcher(file, source, part)))
        return findings

    def _fetcher(self, file: str, source: str, rule: _RowRule) -> Callable[[int], list[BatchError]]:
        def fetch(limit: int) -> list[BatchError]:
            rows = self.con.execute(
                f"SELECT __row, CAST({rule.value} AS VARCHAR), {rule.reason or q(rule.label)} FROM {source} "
                f"WHERE {rule.condition} ORDER BY __row LIMIT ?", [limit]).fetchall()
            return [batch_error(file, int(row), rule.field, value, reason) for row, value, reason in rows]

        return fetch

    # --- duplicate keys --------------------------------------------------------------------------------------

    def _duplicates(self, entity: contract.Entity, staged: Staged, columns: tuple[str, ...],
                    label: str) -> list[Finding]:
        key = [ident(name) for name in columns]
        present = " AND ".join(f"{ident(c)} IS NOT NULL" for c in columns if entity.column(c).required) or "true"
        candidates = self.con.execute(
            f"SELECT count(*) FROM (SELECT hash({', '.join(key)}) AS h FROM {staged.view} WHERE {present} "
            f"GROUP BY h HAVING count(*) > 1)").fetchall()[0][0]
        if not candidates:
            return []
        table = f"dup_{entity.name}_{'_'.join(columns)}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {', '.join(key)}, min(__row) AS first_row, "
            f"count(*) AS n FROM {staged.view} WHERE {present} GROUP BY ALL HAVING count(*) > 1")
        count = self.con.execute(f"SELECT coalesce(sum(n - 1), 0) FROM {table}").fetchall()[0][0]
        if not count:
            return []
        names = ", ".join(columns)
        same = "key" if columns == entity.key else "values"
        join = " AND ".join(f"v.{k} IS NOT DISTINCT FROM d.{k}" for k in key)
        value = " || ', ' || ".join(f"coalesce(CAST(v.{k} AS VARCHAR), '')" for k in key)

        def fetch(limit: int) -> list[BatchError]:
            rows = self.con.execute(
                f"SELECT v.__row, {value}, d.first_row FROM {staged.view} v JOIN {table} d ON {join} "
                f"WHERE v.__row > d.first_row ORDER BY v.__row LIMIT ?", [limit]).fetchall()
            return [batch_error(staged.file, int(row), names, text, f"{label}: same {same} as row {first}")
                    for row, text, first in rows]

        return [Finding(staged.file, names, label, int(count), fetch)]

    def _taken(self, entity: contract.Entity, staged: Staged, columns: tuple[str, ...]) -> list[Finding]:
        """Rows whose unique values already belong to a loaded row with another key.

        Also when this batch changes that row's values too: the database checks uniqueness row by row while
        the batch is merged, so a document number can move to another client only in a later batch."""
        known = getattr(self.known, entity.name, None) if entity.name in KNOWN_COLUMNS else None
        if known is None or not set(columns) | set(entity.key) <= self._parquet_columns(Path(known)):
            return []
        key = entity.key
        source = (
            f"{staged.view} v JOIN read_parquet({q(str(known))}) k ON "
            + " AND ".join(f"v.{ident(c)} = k.{ident(c)}" for c in columns)
            + " WHERE NOT (" + " AND ".join(f"v.{ident(c)} IS NOT DISTINCT FROM k.{ident(c)}" for c in key) + ")"
        )
        count = self.con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
        if not count:
            return []
        names = ", ".join(columns)
        label = f"({names}) already belongs to another loaded {entity.key[0]}"
        value = " || ', ' || ".join(f"CAST(v.{ident(c)} AS VARCHAR)" for c in columns)
        other = " || ', ' || ".join(f"CAST(k.{ident(c)} AS VARCHAR)" for c in key)

        def fetch(limit: int) -> list[BatchError]:
            rows = self.con.execute(f"SELECT v.__row, {value}, {other} FROM {source} ORDER BY v.__row LIMIT ?",
                                    [limit]).fetchall()
            return [batch_error(staged.file, int(row), names, text, f"({names}) already belongs to {owner}")
                    for row, text, owner in rows]

        return [Finding(staged.file, names, label, int(count), fetch)]

    # --- references ------------------------------------------------------------------------------------------

    def _references(self, entity: contract.Entity, staged: Staged) -> list[Finding]:
        findings = []
        for column in entity.columns:
            if not column.references:
                continue
            target_name, target_column = column.references.split(".")
            target = contract.ENTITY_BY_NAME[target_name]
            # A reference to one column of a composite key means the whole key when this entity carries the other
            # key columns under the same names (trades.security_code -> securities (market, security_code)).
            pairs = [(column.name, target_column)]
            if target_column in target.key and len(target.key) > 1:
                others = [k for k in target.key if k != target_column]
                if all(k in entity.column_names for k in others):
                    pairs = [(k, k) if k != target_column else (column.name, k) for k in target.key]
            keys = self._key_table(target, [t for _, t in pairs])
            if keys is None:
                continue
            join = " AND ".join(f"v.{ident(s)} = k.{ident(t)}" for s, t in pairs)
            present = " AND ".join(f"v.{ident(s)} IS NOT NULL" for s, _ in pairs)
            source = f"{staged.view} v ANTI JOIN {keys} k ON {join} WHERE {present}"
            count = self.con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
            if not count:
                continue
            what = column.name if len(pairs) == 1 else f"({', '.join(s for s, _ in pairs)})"
            target_file = self.staged[target_name].file if target_name in self.staged else f"{target_name} file"
            label = f"unknown {what}: not in this batch's {target_file} nor already loaded"
            value = " || ' ' || ".join(f"CAST(v.{ident(s)} AS VARCHAR)" for s, _ in pairs)

            def fetch(limit: int, source=source, value=value, label=label, field_=column.name) -> list[BatchError]:
                rows = self.con.execute(f"SELECT v.__row, {value} FROM {source} ORDER BY v.__row LIMIT ?",
                                        [limit]).fetchall()
                return [batch_error(staged.file, int(row), field_, text, label) for row, text in rows]

            findings.append(Finding(staged.file, column.name, label, count, fetch))
        return findings

    def _key_table(self, target: contract.Entity, columns: list[str]) -> str | None:
        """A table of the target's keys from this batch and from KnownKeys; None when they cannot be known
        (the target's file is in this batch but unreadable: its own errors say so)."""
        table = f"keys_{target.name}_{'_'.join(columns)}"
        if table in self._key_tables:
            return self._key_tables[table]
        staged = self.staged.get(target.name)
        if staged is not None and not staged.usable:
            self._key_tables[table] = None
            return None
        selects = []
        cols = ", ".join(ident(c) for c in columns)
        if staged is not None:
            selects.append(f"SELECT {cols} FROM {staged.view}")
        known = getattr(self.known, target.name, None) if target.name in KNOWN_COLUMNS else None
        if known is not None:
            missing = [c for c in columns if c not in self._parquet_columns(Path(known))]
            if missing:
                raise ValueError(f"KnownKeys.{target.name} ({known}) lacks column(s) {', '.join(missing)}")
            selects.append(f"SELECT {cols} FROM read_parquet({q(str(known))})")
        if not selects:
            types = ", ".join(f"NULL::VARCHAR AS {ident(c)}" for c in columns)
            selects.append(f"SELECT {types} WHERE false")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {' UNION '.join(selects)}")
        self._key_tables[table] = table
        return table

    def _parquet_columns(self, path: Path) -> set[str]:
        return {row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM read_parquet({q(str(path))})").fetchall()}
