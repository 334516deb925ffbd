"""Batch folders: one file per entity (Parquet or CSV) and manifest.json with each file's rows and SHA-256.

Every file is written by its own thread from a small queue, so the simulation keeps drawing the next day
while earlier days are being encoded and compressed (pyarrow releases the GIL), and memory stays bounded:
a full queue makes the producer wait. Output is byte-for-byte reproducible: fixed writer options, fixed
row-group boundaries, no timestamps, files listed in contract order.
"""

import contextlib
import hashlib
import io
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from brokerdesk.intake.contract import (
    APPLY_ORDER,
    BACKFILL,
    ENTITY_BY_NAME,
    FORMAT_VERSION,
    MANIFEST,
)

from . import columns as col

FORMATS = ("parquet", "csv")
ENCODINGS = ("utf-8", "gbk")
ROW_GROUP_ROWS = 1_048_576  # rows per Parquet row group (the last one of a file may be smaller)
QUEUE_DEPTH = 3  # tables waiting per file before the producer blocks
PARQUET_OPTIONS = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 1,
    "write_statistics": True,
    "store_schema": False,  # plain Parquet types only: no Arrow-specific metadata
    "store_decimal_as_integer": True,  # decimal(p<=18) as INT64 with a DECIMAL logical type
    "data_page_version": "1.0",
}
# Dictionary encoding pays off only for columns with few distinct values.
DICTIONARY_COLUMNS = {"date", "market", "board", "risk_level", "side", "security_code", "direction", "currency",
                      "bank", "kind", "client_class", "id_type", "status", "investor_category", "branch_code",
                      "account_type", "permission", "action", "province", "city", "center_code", "parent_code",
                      "assessed_on", "changed_on", "opened_on", "closed_on", "lowest_category", "active"}


@dataclass(frozen=True)
class WrittenFile:
    entity: str
    path: str
    format: str
    rows: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)  # hashlib releases the GIL on large chunks
    return digest.hexdigest()


class EntityFile:
    """One entity's file, written in order from the tables handed to write()."""

    def __init__(self, folder: Path, entity: str, fmt: str, encoding: str):
        self.entity = ENTITY_BY_NAME[entity]
        self.format = fmt
        self.encoding = encoding
        self.name = f"{entity}.{fmt}"
        self.schema = col.schema(self.entity)
        self.path = folder / self.name
        self.rows = 0
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        if fmt == "parquet":
            names = set(self.entity.column_names)
            # Arrow writes the file itself (no Python file object: no GIL taken per page).
            self.writer = pq.ParquetWriter(str(self.path), self.schema,
                                           use_dictionary=sorted(names & DICTIONARY_COLUMNS), **PARQUET_OPTIONS)
        else:
            self.sink = open(self.path, "wb")  # noqa: SIM115 (closed in close())
            self.header_written = False
            self._csv_schema = pa.schema([
                pa.field(f.name, pa.time32("s") if pa.types.is_time(f.type) else f.type, f.nullable)
                for f in self.schema])

    def write(self, table: pa.Table) -> None:
        if table.schema != self.schema:
            raise ValueError(f"{self.entity.name}: table schema does not match the contract")
        self.rows += table.num_rows
        if self.format == "csv":
            self._write_csv(table)
            return
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            buffered = pa.concat_tables(self.pending)
            full = (self.pending_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
            self.writer.write_table(buffered.slice(0, full), row_group_size=ROW_GROUP_ROWS)
            rest = buffered.slice(full)
            self.pending = [rest] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def _write_csv(self, table: pa.Table) -> None:
        table = table.cast(self._csv_schema)  # times as HH:MM:SS
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(include_header=not self.header_written, eol="\r\n",
                                     quoting_style="needed", quoting_header="none", batch_size=65536)
        if table.num_rows or not self.header_written:
            pacsv.write_csv(table, buffer, options)
        self.header_written = True
        data = buffer.getvalue()
        if self.encoding != "utf-8":
            data = data.decode("utf-8").encode(self.encoding)
        self.sink.write(data)

    def close(self) -> WrittenFile:
        if self.format == "parquet":
            if self.pending_rows:
                self.writer.write_table(pa.concat_tables(self.pending), row_group_size=ROW_GROUP_ROWS)
            self.pending = []
            self.writer.close()
        else:
            if not self.header_written:
                self._write_csv(self.schema.empty_table())
            self.sink.close()
        return WrittenFile(entity=self.entity.name, path=self.name, format=self.format, rows=self.rows,
                           sha256=sha256_of(self.path))


class _Worker(threading.Thread):
    """Writes one entity file from a bounded queue (None closes it)."""

    def __init__(self, file: EntityFile):
        super().__init__(name=f"write-{file.entity.name}", daemon=True)
        self.file = file
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.result: WrittenFile | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        while True:
            table = self.queue.get()
            try:
                if self.error is None:
                    if table is None:
                        self.result = self.file.close()
                    else:
                        self.file.write(table() if callable(table) else table)
            except BaseException as exc:  # reported to the producer on the next put or on close
                self.error = exc
            if table is None:
                return

    def put(self, table: pa.Table | Callable[[], pa.Table] | None) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(table)


class BatchWriter:
    """A batch folder being written: write(entity, table) any number of times, then close()."""

    def __init__(self, folder: Path, *, kind: str, business_date: str, start_date: str = "", fmt: str = "parquet",
                 encoding: str = "utf-8", extra: dict | None = None, omit_empty: bool = False):
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}")
        if fmt == "parquet" and encoding != "utf-8":
            raise ValueError("Parquet text is always UTF-8: --encoding applies to CSV only")
        self.folder = Path(folder)
        self.kind = kind
        self.business_date = business_date
        self.start_date = start_date
        self.format = fmt
        self.encoding = encoding
        self.extra = extra or {}
        self.omit_empty = omit_empty
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in APPLY_ORDER:  # a previous run's files would not match the new manifest
            for ext in FORMATS:
                (self.folder / f"{name}.{ext}").unlink(missing_ok=True)
        (self.folder / MANIFEST).unlink(missing_ok=True)
        self.workers: dict[str, _Worker] = {}

    def write(self, entity: str, table: pa.Table | Callable[[], pa.Table]) -> None:
        """Queue a table, or a function that builds it (then built in the file's thread)."""
        worker = self.workers.get(entity)
        if worker is None:
            worker = self.workers[entity] = _Worker(EntityFile(self.folder, entity, self.format, self.encoding))
            worker.start()
        worker.put(table)

    def close(self) -> list[WrittenFile]:
        for worker in self.workers.values():
            worker.put(None)
        written = []
        for name in APPLY_ORDER:
            worker = self.workers.get(name)
            if worker is None:
                continue
            worker.join()
            if worker.error is not None:
                raise worker.error
            assert worker.result is not None
            if self.omit_empty and worker.result.rows == 0:
                (self.folder / worker.result.path).unlink()
                continue
            written.append(worker.result)
        self._write_manifest(written)
        return written

    def abort(self) -> None:
        for worker in self.workers.values():
            if worker.is_alive():
                with contextlib.suppress(queue.Full):
                    worker.queue.put_nowait(None)

    def _write_manifest(self, files: list[WrittenFile]) -> None:
        manifest = {
            "format_version": FORMAT_VERSION,
            "business_date": self.business_date,
            "kind": self.kind,
            **({"start_date": self.start_date} if self.kind == BACKFILL else {}),
            "encoding": self.encoding,
            "customers_mode": "full" if self.kind == BACKFILL else "delta",
            "files": [
                {"entity": f.entity, "path": f.path, "format": f.format, "rows": f.rows, "sha256": f.sha256}
                for f in files
            ],
            "extra": self.extra,
        }
        temporary = self.folder / f"{MANIFEST}.tmp"
        temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        temporary.replace(self.folder / MANIFEST)  # the manifest appears last: the batch is complete
