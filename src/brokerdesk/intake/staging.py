"""Reading one batch file into typed Parquet with DuckDB: encoding, header, structure and value formats.

Happy path, one streaming pass per file (no rows in Python):

    read_csv(all VARCHAR, strict) / read_parquet  ->  strict format guard + CAST  ->  COPY <staging>/<entity>.parquet

The guard calls DuckDB's error() on the first value that is not exactly in the contract's form, so a clean
file is parsed, checked and written once. Rows keep file order (preserve_insertion_order), so Parquet's
file_row_number + 1 is the data-row number for every later check.

When that pass fails, the diagnose pass reads the file again leniently: structural problems (truncated or
ragged rows, bad quotes, invalid bytes) go to a DuckDB rejects table with their line numbers, values that do
not fit their type become NULL with the raw text kept beside them (__bad_<column>), and the result is written
to the work folder for the same row checks. Rows rejected by the reader shift the ordinals of the rows after
them; an ASOF join over the rejected line numbers maps ordinals back to data-row numbers.

GBK files are transcoded to UTF-8 in the work folder first (DuckDB's CSV reader knows only UTF-8, UTF-16 and
Latin-1 without the encodings extension, which an offline install cannot load): streamed in 16 MB chunks,
pure-ASCII chunks copied as they are; an all-ASCII file (trades: codes and numbers) is read as it is.
"""

# SQL here is assembled from the contract's names and literals quoted by sqlchecks.q, never from user input.
# ruff: noqa: S608

import codecs
import csv
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import contract
from .errors import BatchError, batch_error
from .sqlchecks import duck_type, ident, parquet_type_ok, q, text_format

CHUNK = 16 << 20
CSV_BUFFER_SIZE: int | None = None  # DuckDB's read_csv buffer_size; tests make it small to force parallel scans
SNIFF = 4 << 20
# Snappy without dictionaries: the cheapest to write (the writer is the slowest stage of a clean pass); staging
# is temporary, and apply rewrites the data in its own layout.
COPY_OPTIONS = "FORMAT parquet, COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 0"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass
class Finding:
    """A kind of problem in one file: how many rows have it, and how to list the first ones."""

    file: str
    field: str
    label: str  # the reason without row-specific detail: what the summary counts
    count: int
    fetch: Callable[[int], list[BatchError]]


def single(error: BatchError, label: str = "") -> Finding:
    return Finding(error.file, error.field, label or error.reason, 1, lambda limit: [error][:limit])


@dataclass
class Staged:
    """One batch file after staging."""

    entity: str
    file: str
    format: str
    findings: list[Finding] = field(default_factory=list)
    rows: int | None = None  # data rows in the file (None when it could not be read through)
    view: str = ""  # DuckDB view: __row, the contract columns, and __bad_<column> for bad_columns
    bad_columns: tuple[str, ...] = ()  # columns whose unreadable raw text is kept as __bad_<column>
    clean: bool = False  # staged as <staging>/<entity>.parquet with exactly the contract's columns

    @property
    def usable(self) -> bool:
        """Row-level checks can run on the view."""
        return bool(self.view)


def _file_error(staged: Staged, field_: str, value: object, reason: str, label: str = "") -> None:
    staged.findings.append(single(batch_error(staged.file, None, field_, value, reason), label))


# --- encodings ---------------------------------------------------------------------------------------------

def sniff_encoding(path: Path) -> str:
    """utf-8 when the first 4 MB are valid UTF-8, else gbk when they are valid GB18030 (GBK's superset)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF)
    for name, codec in (("utf-8", "utf-8"), ("gbk", "gb18030")):
        try:
            codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
            return name
        except UnicodeDecodeError:
            continue
    return "utf-8"


def is_ascii(path: Path) -> bool:
    """True when every byte is ASCII (then GBK and UTF-8 agree and no transcoding is needed); stops at the first
    chunk that is not."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if not chunk.isascii():
                return False
    return True


def transcode_gbk(source: Path, target: Path) -> BatchError | None:
    """Stream a GBK file into UTF-8 at target. Returns the first problem (its row), or None.

    Decoded as GB18030, the superset core systems actually write when they say GBK (rare characters in
    names). A file declared GBK that is really UTF-8 Chinese text is refused rather than turned into mojibake.
    """
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    newlines = 0
    checked_utf8 = False
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            pending = decoder.getstate()[0]
            if not pending and chunk.isascii():
                dst.write(chunk)
                newlines += chunk.count(b"\n")
                continue
            if not checked_utf8:
                checked_utf8 = True
                try:
                    text = codecs.getincrementaldecoder("utf-8")("strict").decode(chunk, final=False)
                except UnicodeDecodeError:
                    text = ""
                if _CJK.search(text):
                    row = newlines + chunk[: _first_non_ascii(chunk)].count(b"\n")
                    return batch_error(source.name, row or None, "", _line_at(chunk, _first_non_ascii(chunk), "utf-8"),
                                       "declared GBK, but the bytes are UTF-8 Chinese text: declare "
                                       "\"encoding\": \"utf-8\" in the manifest")
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                position = max(0, exc.start - len(pending))
                row = newlines + chunk[:position].count(b"\n")
                bad = exc.object[exc.start: exc.start + 2].hex(" ").upper()
                return batch_error(source.name, row or None, "", _line_at(chunk, position, "gb18030"),
                                   f"bytes are not valid GBK (0x{bad} at byte {src.tell() - len(chunk) + position})")
            dst.write(text.encode("utf-8"))
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return batch_error(source.name, newlines or None, "", "", "file ends inside a GBK character (truncated)")
    return None


def _first_non_ascii(chunk: bytes) -> int:
    match = _NON_ASCII.search(chunk)
    return match.start() if match else 0


def _line_at(chunk: bytes, position: int, codec: str) -> str:
    start = chunk.rfind(b"\n", 0, position) + 1
    end = chunk.find(b"\n", position)
    return chunk[start: end if end >= 0 else len(chunk)].decode(codec, "replace").rstrip("\r")


def _line_bytes(path: Path, offset: int) -> bytes:
    """The line starting at offset; DuckDB's line_byte_position may count from 1, so either offset - 1 or offset
    is the start: the one at the file start or just after a newline."""
    base = max(0, offset - 2)
    with open(path, "rb") as handle:
        handle.seek(base)
        data = handle.read((1 << 20) + 2)
    for start in (offset - 1, offset):
        if start >= 0 and (start == 0 or data[start - base - 1: start - base] == b"\n"):
            return data[start - base:].split(b"\n", 1)[0].rstrip(b"\r")
    return data[offset - base:].split(b"\n", 1)[0].rstrip(b"\r")


def encoding_reason(line: bytes) -> str:
    """Why a line declared UTF-8 is refused, naming GBK when the bytes are GBK text."""
    try:
        text = line.decode("gb18030")
    except UnicodeDecodeError:
        return "bytes are not valid UTF-8"
    if _CJK.search(text):
        return "bytes are not valid UTF-8: the file looks GBK-encoded; declare \"encoding\": \"gbk\" in the manifest"
    return "bytes are not valid UTF-8"


# --- the header ----------------------------------------------------------------------------------------------

def check_header(staged: Staged, source: Path, entity: contract.Entity, original: Path, encoding: str) -> bool:
    """The first line must name the contract's columns, in order. Reports and returns False otherwise."""
    with open(source, "rb") as handle:
        first = handle.readline(1 << 20)
    if not first:
        _file_error(staged, "", "", "file is empty: no header line")
        return False
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        reason = encoding_reason(_line_bytes(original, 0)) if encoding == "utf-8" else "bytes are not valid UTF-8"
        _file_error(staged, "", first[:200].decode("gb18030", "replace").rstrip("\r\n"), f"header line: {reason}")
        return False
    found = next(csv.reader([line]), [])
    expected = entity.column_names
    if found == expected:
        return True
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    twice = sorted({c for c in found if found.count(c) > 1})
    if missing:
        _file_error(staged, ", ".join(missing), line, f"missing column(s): {', '.join(missing)}",
                    "missing column(s)")
    if extra:
        _file_error(staged, ", ".join(extra), line, f"unknown column(s): {', '.join(extra)}", "unknown column(s)")
    if twice:
        _file_error(staged, ", ".join(twice), line, f"column(s) named twice: {', '.join(twice)}",
                    "column(s) named twice")
    if not (missing or extra or twice):
        _file_error(staged, "", line, f"columns are out of order: expected {','.join(expected)}",
                    "columns are out of order")
    return False


# --- CSV -----------------------------------------------------------------------------------------------------

def _read_csv(path: Path, entity: contract.Entity, rejects: str = "") -> str:
    columns = "{" + ", ".join(f"{q(c.name)}: 'VARCHAR'" for c in entity.columns) + "}"
    options = (f"columns = {columns}, header = true, auto_detect = false, delim = ',', quote = '\"', "
               f"escape = '\"', strict_mode = true, null_padding = false, encoding = 'utf-8'")
    if CSV_BUFFER_SIZE:
        options += f", buffer_size = {int(CSV_BUFFER_SIZE)}"
    if rejects:
        options += f", store_rejects = true, rejects_table = {q(rejects)}, rejects_scan = {q(rejects + '_scan')}"
    return f"read_csv({q(str(path))}, {options})"


def _strict_cast(column: contract.Column) -> str:
    name = ident(column.name)
    if column.type == "text":
        return f"{name} AS {name}"
    pattern, _ = text_format(column.type)
    message = q(f"{column.name}: bad value")
    return (f"CAST(CASE WHEN {name} IS NULL OR regexp_full_match({name}, {q(pattern)}) THEN {name} "
            f"ELSE error({message}) END AS {duck_type(column.type)}) AS {name}")


def _lenient_cast(column: contract.Column) -> str:
    name = ident(column.name)
    if column.type == "text":
        return f"{name} AS {name}"
    pattern, _ = text_format(column.type)
    typed = f"TRY_CAST(CASE WHEN regexp_full_match({name}, {q(pattern)}) THEN {name} END AS {duck_type(column.type)})"
    return (f"{typed} AS {name}, CASE WHEN {name} IS NOT NULL AND {typed} IS NULL THEN {name} END "
            f"AS {ident('__bad_' + column.name)}")


STRUCTURE_REASONS = {
    "MISSING COLUMNS": "truncated row: too few fields",
    "TOO MANY COLUMNS": "too many fields",
    "UNQUOTED VALUE": "badly quoted value (a quote inside an unquoted value, or an unterminated quote)",
    "LINE SIZE OVER MAXIMUM": "row is longer than the CSV reader's maximum line size",
    "INVALID STATE": "malformed CSV row",
    "CAST": "value does not fit its column",
}


def stage_csv(con: duckdb.DuckDBPyConnection, staged: Staged, source: Path, original: Path, encoding: str,
              entity: contract.Entity, target: Path, work: Path, tag: str) -> None:
    """Stage one CSV file (already UTF-8 at source) into target; on any problem, diagnose into work."""
    casts = ", ".join(_strict_cast(c) for c in entity.columns)
    try:
        con.execute(f"COPY (SELECT {casts} FROM {_read_csv(source, entity)}) TO {q(str(target))} ({COPY_OPTIONS})")
    except duckdb.Error as exc:
        target.unlink(missing_ok=True)
        _diagnose_csv(con, staged, source, original, encoding, entity, work, tag, exc)
        return
    staged.rows = con.execute(f"SELECT count(*) FROM read_parquet({q(str(target))})").fetchall()[0][0]
    staged.view = _view(con, tag, target, entity, ())
    staged.clean = True


def _diagnose_csv(con, staged: Staged, source: Path, original: Path, encoding: str, entity: contract.Entity,
                  work: Path, tag: str, first_error: Exception) -> None:
    rejects = f"rejects_{tag}"
    diagnose = work / f"{tag}.diagnose.parquet"
    casts = ", ".join(_lenient_cast(c) for c in entity.columns)
    try:
        con.execute(f"COPY (SELECT {casts} FROM {_read_csv(source, entity, rejects)}) "
                    f"TO {q(str(diagnose))} ({COPY_OPTIONS})")
    except duckdb.Error as exc:
        _file_error(staged, "", "", f"the file cannot be read as CSV: {_first_line(exc)}", "unreadable CSV")
        return
    accepted = con.execute(f"SELECT count(*) FROM read_parquet({q(str(diagnose))})").fetchall()[0][0]
    # One row per rejected line: an invalid-bytes problem outranks a structural one on the same line.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {rejects}_lines AS
        SELECT line - 1 AS data_row,
               arg_min(error_type::VARCHAR, CASE WHEN error_type = 'INVALID ENCODING' THEN 0 ELSE 1 END) AS kind,
               min(line_byte_position) AS line_offset,
               any_value(csv_line) AS csv_line,
               arg_min(error_message, CASE WHEN error_type = 'INVALID ENCODING' THEN 0 ELSE 1 END) AS message
        FROM {rejects} GROUP BY line
    """)
    staged.rows = accepted + con.execute(f"SELECT count(*) FROM {rejects}_lines").fetchall()[0][0]
    kinds = dict(con.execute(f"SELECT kind, count(*) FROM {rejects}_lines GROUP BY kind").fetchall())
    if not kinds:
        typed = [c for c in entity.columns if c.type != "text"]
        counts = con.execute(
            "SELECT " + ", ".join(f"count({ident('__bad_' + c.name)})" for c in typed)
            + f" FROM read_parquet({q(str(diagnose))})"
        ).fetchall()[0] if typed else ()
        bad_values = [c for c, n in zip(typed, counts, strict=True) if n]
        if not bad_values:
            raise first_error  # not a data problem (disk full, out of memory...): let it surface
    if "INVALID ENCODING" in kinds:
        first = con.execute(f"SELECT data_row, line_offset FROM {rejects}_lines WHERE kind = 'INVALID ENCODING' "
                            f"ORDER BY data_row LIMIT 1").fetchall()[0]
        if encoding == "utf-8":
            line = _line_bytes(original, first[1])
            reason, value = encoding_reason(line), line.decode("gb18030", "replace")
        else:  # transcoded from GBK: cannot happen, but say so plainly
            reason, value = "bytes are not valid UTF-8", ""
        total = kinds["INVALID ENCODING"]
        more = f" ({total} rows have invalid bytes; the first is shown)" if total > 1 else ""
        error = batch_error(staged.file, int(first[0]), "", value, reason + more)
        staged.findings.append(single(error, reason))  # one error for the file, however many rows
        return  # value checks on a mis-encoded file would only repeat the problem
    for kind, total in sorted(kinds.items()):
        staged.findings.append(_structure_finding(con, staged.file, rejects, kind, total, len(entity.columns)))
    if kinds:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {rejects}_map AS
            SELECT data_row - i AS g, max(i) AS i
            FROM (SELECT data_row, row_number() OVER (ORDER BY data_row) AS i FROM {rejects}_lines)
            GROUP BY ALL
        """)
    staged.bad_columns = tuple(c.name for c in entity.columns if c.type != "text")
    staged.view = _view(con, tag, diagnose, entity, staged.bad_columns, row_map=f"{rejects}_map" if kinds else "")


def _structure_finding(con, file: str, rejects: str, kind: str, total: int, expected: int) -> Finding:
    label = STRUCTURE_REASONS.get(kind, "malformed CSV row")

    def fetch(limit: int) -> list[BatchError]:
        rows = con.execute(
            f"SELECT data_row, csv_line, message FROM {rejects}_lines WHERE kind = ? ORDER BY data_row LIMIT ?",
            [kind, limit],
        ).fetchall()
        errors = []
        for data_row, line, message in rows:
            found = re.search(r"Found: (\d+)", message or "")
            detail = f": expected {expected} fields, found {found.group(1)}" if found else ""
            errors.append(batch_error(file, int(data_row), "", (line or "").rstrip("\r\n"), label + detail))
        return errors

    return Finding(file, "", label, total, fetch)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- Parquet -------------------------------------------------------------------------------------------------

def stage_parquet(con: duckdb.DuckDBPyConnection, staged: Staged, source: Path, entity: contract.Entity,
                  target: Path, work: Path, tag: str) -> None:
    """Stage one Parquet file: columns by name (any order), types that carry the contract's without loss."""
    scan = f"read_parquet({q(str(source))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        staged.rows = con.execute(f"SELECT count(*) FROM {scan}").fetchall()[0][0]
    except duckdb.Error as exc:
        _file_error(staged, "", "", f"not a readable Parquet file: {_first_line(exc)}", "not a readable Parquet file")
        return
    found = {row[0]: row[1] for row in described}
    expected = entity.column_names
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing:
        _file_error(staged, ", ".join(missing), "", f"missing column(s): {', '.join(missing)}", "missing column(s)")
    if extra:
        _file_error(staged, ", ".join(extra), "", f"unknown column(s): {', '.join(extra)}", "unknown column(s)")
    wrong = [c for c in entity.columns if c.name in found and not parquet_type_ok(c.type, found[c.name])]
    for column in wrong:
        _file_error(staged, column.name, found[column.name],
                    f"column {column.name} has Parquet type {found[column.name]}; the contract says {column.type} "
                    f"({duck_type(column.type)})", "wrong column type")
    if missing or extra or wrong:
        return

    def cast(column: contract.Column) -> str:
        name = ident(column.name)
        if column.type == "text":
            return f"NULLIF({name}, '') AS {name}"
        # (The CASE keeps the Parquet field nullable, as from CSV: DuckDB marks a plain CAST of a column
        # without nulls "required".)
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE CAST({name} AS {duck_type(column.type)}) END AS {name}"

    select = ", ".join(cast(c) for c in entity.columns)
    try:
        con.execute(f"COPY (SELECT {select} FROM {scan}) TO {q(str(target))} ({COPY_OPTIONS})")
    except duckdb.Error:
        target.unlink(missing_ok=True)
        diagnose = work / f"{tag}.diagnose.parquet"
        typed = [c for c in entity.columns if c.type != "text"]

        def lenient(column: contract.Column) -> str:
            name = ident(column.name)
            if column.type == "text":
                return cast(column)
            try_cast = f"TRY_CAST({name} AS {duck_type(column.type)})"
            return (f"{try_cast} AS {name}, CASE WHEN {name} IS NOT NULL AND {try_cast} IS NULL "
                    f"THEN CAST({name} AS VARCHAR) END AS {ident('__bad_' + column.name)}")

        try:
            con.execute(f"COPY (SELECT {', '.join(lenient(c) for c in entity.columns)} FROM {scan}) "
                        f"TO {q(str(diagnose))} ({COPY_OPTIONS})")
        except duckdb.Error as exc:
            _file_error(staged, "", "", f"the Parquet file cannot be read through: {_first_line(exc)}",
                        "unreadable Parquet file")
            return
        staged.bad_columns = tuple(c.name for c in typed)
        staged.view = _view(con, tag, diagnose, entity, staged.bad_columns)
        return
    staged.view = _view(con, tag, target, entity, ())
    staged.clean = True


# --- views ---------------------------------------------------------------------------------------------------

def _view(con, tag: str, path: Path, entity: contract.Entity, bad_columns: tuple[str, ...], row_map: str = "") -> str:
    """A view with __row (the data-row number), the contract's columns, and __bad_<c> for bad_columns."""
    name = f"v_{tag}"
    columns = ", ".join(f"d.{ident(c.name)}" for c in entity.columns)
    bad = "".join(f", d.{ident('__bad_' + c)}" for c in bad_columns)
    scan = f"read_parquet({q(str(path))}, file_row_number = true) d"
    if row_map:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT d.file_row_number + 1 + coalesce(m.i, 0) AS __row, "
                    f"{columns}{bad} FROM {scan} ASOF LEFT JOIN {row_map} m ON d.file_row_number + 1 > m.g")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT d.file_row_number + 1 AS __row, {columns}{bad} "
                    f"FROM {scan}")
    return name


# --- one file ------------------------------------------------------------------------------------------------

def stage_file(con: duckdb.DuckDBPyConnection, manifest: contract.Manifest, mfile: contract.ManifestFile,
               batch_dir: Path, staging_dir: Path, work: Path) -> Staged:
    """Stage one manifest file into <staging_dir>/<entity>.parquet (see the module docstring)."""
    entity = contract.ENTITY_BY_NAME[mfile.entity]
    staged = Staged(entity=mfile.entity, file=mfile.path, format=mfile.format)
    original = batch_dir / mfile.path
    target = staging_dir / f"{mfile.entity}.parquet"
    tag = mfile.entity
    if mfile.format == "parquet":
        stage_parquet(con, staged, original, entity, target, work, tag)
        return staged
    encoding = manifest.encoding or sniff_encoding(original)
    source = original
    if encoding == "gbk" and not is_ascii(original):  # codes and numbers only (trades): nothing to transcode
        source = work / f"{tag}.utf8.csv"
        problem = transcode_gbk(original, source)
        if problem is not None:
            staged.findings.append(single(batch_error(mfile.path, problem.row, problem.field, problem.value,
                                                      problem.reason), problem.reason.split(" (")[0]))
            return staged
    if not check_header(staged, source, entity, original, encoding):
        return staged
    stage_csv(con, staged, source, original, encoding, entity, target, work, tag)
    return staged


def clear_dir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
