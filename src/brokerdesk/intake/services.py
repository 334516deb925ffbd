"""Loading core-system batches: `brokerdesk intake DIR`, the nightly job and the API call this.

One intake runs at a time (a lock file). A run validates the whole batch first; only a clean batch is
applied, in one transaction (apply.py). The batch history records every attempt, including rejected and
interrupted ones. The same batch twice changes nothing: its manifest fingerprint is already applied.
"""

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from brokerdesk.analytics.engine.lake import FACT_ENTITIES
from brokerdesk.core.audit import audit_record
from brokerdesk.core.lake import remove_unpublished
from brokerdesk.core.permissions import require_permission
from brokerdesk.intake.apply import ApplyContext, apply_batch
from brokerdesk.intake.contract import BACKFILL, MANIFEST
from brokerdesk.intake.models import BatchStatus, IntakeBatch
from brokerdesk.intake.validate import KnownKeys, validate_batch, write_error_report

Progress = Callable[[str], None]


@dataclass
class RunResult:
    batch: IntakeBatch

    @property
    def ok(self) -> bool:
        return self.batch.status in (BatchStatus.APPLIED, BatchStatus.UNCHANGED)


class IntakeBusy(Exception):
    """Another intake holds the lock."""


@contextmanager
def _intake_lock() -> Iterator[None]:
    settings.INTAKE_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.INTAKE_DIR / "intake.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IntakeBusy("another intake is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def batch_folders(path: Path) -> list[Path]:
    """One batch folder, or the batch folders inside a folder, in the order they must be applied."""
    if (path / MANIFEST).exists():
        return [path]

    def order(folder: Path) -> tuple[str, int]:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return (str(manifest.get("business_date", "")), 0 if manifest.get("kind") == BACKFILL else 1)

    return sorted((p for p in path.iterdir() if (p / MANIFEST).exists()), key=order)


def _recover(progress: Progress) -> None:
    """Called under the lock: attempts that were killed mid-way are marked, and their files removed."""
    stale = IntakeBatch.objects.filter(status__in=[BatchStatus.VALIDATING, BatchStatus.APPLYING])
    for batch in stale:
        progress(f"batch #{batch.pk} ({batch.business_date}) was interrupted; nothing of it was applied")
    stale.update(status=BatchStatus.FAILED, message="interrupted before it committed: nothing was applied",
                 finished_at=timezone.now())
    removed = remove_unpublished(list(FACT_ENTITIES))
    if removed:
        progress(f"removed {removed} unpublished lake folders left by an interrupted run")
    shutil.rmtree(settings.INTAKE_DIR / "staging", ignore_errors=True)


def _fingerprint(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def _export_keys(staging: Path) -> KnownKeys:
    """The keys already loaded, as Parquet files for validation's reference checks."""
    staging.mkdir(parents=True, exist_ok=True)

    def export(name: str, sql: str, columns: list[str]) -> Path:
        arrays: list[list] = [[] for _ in columns]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(200_000):
                for i, values in enumerate(zip(*rows, strict=True)):
                    arrays[i].extend(values)
        path = staging / f"known_{name}.parquet"
        pq.write_table(pa.table({c: pa.array(a, pa.string()) for c, a in zip(columns, arrays, strict=True)}), path)
        return path

    return KnownKeys(
        centers=export("centers", "SELECT code FROM org_contactcenter", ["center_code"]),
        branches=export("branches", "SELECT code FROM org_branch", ["branch_code"]),
        securities=export("securities", "SELECT market, security_code FROM customers_security",
                          ["market", "security_code"]),
        customers=export("customers", "SELECT customer_no, id_type, id_number FROM customers_customer",
                         ["customer_no", "id_type", "id_number"]),
    )


def _finish(batch: IntakeBatch, status: str, started: float, **fields) -> None:
    batch.status = status
    batch.finished_at = timezone.now()
    batch.duration_seconds = round(time.monotonic() - started, 3)
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()


def intake_run(*, actor, path: Path, progress: Progress = lambda m: None) -> list[RunResult]:
    """Load one batch folder or a folder of batches in order; stops at the first batch that fails."""
    require_permission(actor, "intake.run_intake", "intake.run", system_allowed=True)
    results = []
    with _intake_lock():
        _recover(progress)
        for folder in batch_folders(Path(path)):
            result = _run_one(actor, folder.resolve(), progress)
            results.append(result)
            if not result.ok:
                break
    return results


def _run_one(actor, folder: Path, progress: Progress) -> RunResult:
    started = time.monotonic()
    username = actor.get_username() if actor is not None else "system"
    fingerprint = _fingerprint(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    batch = IntakeBatch.objects.create(
        source=str(folder), fingerprint=fingerprint, status=BatchStatus.VALIDATING, started_at=timezone.now(),
        kind=str(manifest.get("kind", ""))[:10], started_by=username,
        business_date=_parse_date(manifest.get("business_date")),
    )
    if IntakeBatch.objects.filter(fingerprint=fingerprint, status=BatchStatus.APPLIED).exists():
        progress(f"{folder.name}: already applied; nothing to do")
        _finish(batch, BatchStatus.UNCHANGED, started, message="identical to a batch already applied")
        return RunResult(batch)

    staging = settings.INTAKE_DIR / "staging" / str(batch.pk)
    progress(f"{folder.name}: validating")
    validated = validate_batch(folder, staging, _export_keys(staging), progress=progress)
    if not validated.ok:
        report = write_error_report(validated, settings.INTAKE_DIR / "reports" / f"batch-{batch.pk}")
        with transaction.atomic():
            _finish(batch, BatchStatus.REJECTED, started, error_total=validated.error_total,
                    errors_sample=[_error_dict(e) for e in validated.errors[:50]], report_path=str(report),
                    row_counts=validated.row_counts, message=f"{validated.error_total} errors: nothing applied")
            audit_record(actor=actor, actor_username=username, action="intake.reject", object_type="intake_batch",
                         object_id=batch.pk, details={"folder": str(folder), "errors": validated.error_total})
        shutil.rmtree(staging, ignore_errors=True)
        progress(f"{folder.name}: REJECTED with {validated.error_total} errors; report: {report}")
        return RunResult(batch)

    batch.status = BatchStatus.APPLYING
    batch.row_counts = validated.row_counts
    batch.save(update_fields=["status", "row_counts"])
    context = ApplyContext(staging_dir=staging, manifest=validated.manifest, version=f"b{batch.pk}",
                           progress=progress)
    try:
        with transaction.atomic():
            progress(f"{folder.name}: applying")
            changes = apply_batch(context)
            _crash_test_pause("before_commit", progress)
            _finish(batch, BatchStatus.APPLIED, started, changes=changes,
                    message=f"applied in {time.monotonic() - started:.1f} s")
            audit_record(actor=actor, actor_username=username, action="intake.apply", object_type="intake_batch",
                         object_id=batch.pk, details={"folder": str(folder), "business_date": str(batch.business_date),
                                                      "kind": batch.kind, "changes": changes})
    except Exception as exc:
        _finish(batch, BatchStatus.FAILED, started, message=f"{type(exc).__name__}: {exc}"[:2000])
        remove_unpublished(list(FACT_ENTITIES))
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # After commit: the versions this batch replaced are no longer published.
    remove_unpublished(list(FACT_ENTITIES))
    shutil.rmtree(staging, ignore_errors=True)
    progress(f"{folder.name}: applied in {batch.duration_seconds:.1f} s")
    return RunResult(batch)


def _crash_test_pause(point: str, progress: Progress) -> None:
    """A failpoint for the crash tests: BROKERDESK_INTAKE_PAUSE_AT=before_commit:SECONDS holds the run at that
    point (everything written, nothing committed) so a test can SIGKILL it there. Unset in normal runs."""
    name, _, seconds = os.environ.get("BROKERDESK_INTAKE_PAUSE_AT", "").partition(":")
    if name == point:
        progress(f"pausing at {point} for the crash test")
        time.sleep(float(seconds or 60))


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _error_dict(error) -> dict:
    return {"file": error.file, "row": error.row, "field": error.field, "value": error.value, "reason": error.reason}
