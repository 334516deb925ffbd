"""A segmentation run: `brokerdesk segment`, the nightly job and the "run now" button call segmentation_run.

Steps: compute features and memberships in DuckDB over the lake (stepping from the previous run's aggregates
when it can) while the clients are read from the database, diff them against the previous run's snapshot, and
write back the changes and the run's counts in one transaction, its files complete before the commit.
Segment-change events are announced after the commit, through the job queue. One run at a time (a lock file);
a run killed half-way leaves the database as it was, and the next run marks it failed and tidies its files.
"""

import fcntl
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features.state import FeatureState
from brokerdesk.analytics.engine.rules import CompiledRuleSet, Dimension, Rule, RuleSet, compile_rule_set
from brokerdesk.analytics.engine.segmentation import SegmentationResult, segment_clients
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict
from brokerdesk.core.lake import lake_root
from brokerdesk.core.models import LakePartition
from brokerdesk.core.permissions import require_permission
from brokerdesk.segmentation.choices import RuleSetStatus, RunStatus, RunTrigger
from brokerdesk.segmentation.models import RuleSet as RuleSetModel
from brokerdesk.segmentation.models import Segment, SegmentRun
from brokerdesk.segmentation.sources import customers_table, feature_sources
from brokerdesk.segmentation.writeback import (
    SEGMENT_SCHEMA,
    close_left,
    diff_memberships,
    open_entered,
    write_snapshot,
)

Progress = Callable[[str], None]
RUNS_DIR = "segmentation"  # under the lake: run=<id>/members.parquet and features.parquet


class SegmentationBusy(Conflict):
    code = "segmentation_busy"
    default_message = _("A segmentation run is already in progress.")


class NothingToSegment(Conflict):
    code = "nothing_to_segment"


def engine_rule_set(rule_set: RuleSetModel) -> RuleSet:
    """The stored rules in the engine's terms, in dimension order and rule order."""
    order = {d: i for i, d in enumerate(Dimension)}
    rules = sorted(rule_set.rules.all(), key=lambda r: (order[Dimension(r.dimension)], r.position))
    return RuleSet(name=rule_set.name, rules=tuple(
        Rule(Dimension(r.dimension), r.code, r.expression, r.label_zh, r.description) for r in rules))


def published_rule_set() -> RuleSetModel:
    rule_set = RuleSetModel.objects.filter(status=RuleSetStatus.PUBLISHED).first()
    if rule_set is None:
        raise NothingToSegment(_("No rule set is published."))
    return rule_set


def latest_business_date() -> date | None:
    """The newest date the intake has loaded asset snapshots for: the date a nightly run segments."""
    return (LakePartition.objects.filter(entity="asset_snapshots").order_by("-date")
            .values_list("date", flat=True).first())


def last_successful_run() -> SegmentRun | None:
    return SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-pk").first()


def run_dir(run: SegmentRun) -> Path:
    return lake_root() / RUNS_DIR / f"run={run.pk}"


@contextmanager
def _run_lock() -> Iterator[None]:
    lock_dir = lake_root() / RUNS_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "segment.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SegmentationBusy() from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _recover() -> None:
    """Under the lock: runs killed mid-way are marked failed; run folders other than the latest successful
    run's (snapshots of older runs, files of interrupted ones) are removed."""
    SegmentRun.objects.filter(status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(),
        message="interrupted before it committed: nothing of it was written")
    keep = last_successful_run()
    for folder in (lake_root() / RUNS_DIR).glob("run=*"):
        if keep is None or folder != run_dir(keep):
            shutil.rmtree(folder, ignore_errors=True)


def segmentation_run(
    *,
    actor,
    business_date: date | None = None,
    trigger: str = RunTrigger.COMMAND,
    progress: Progress = lambda m: None,
) -> SegmentRun:
    """Run the published rules for a business date (default: the latest loaded) and write back the changes."""
    require_permission(actor, "segmentation.run_segmentation", "segmentation.run", system_allowed=True)
    with _run_lock():
        _recover()
        rule_set = published_rule_set()
        business_date = business_date or latest_business_date()
        if business_date is None:
            raise NothingToSegment(_("Nothing has been loaded yet: run the intake first."))
        previous = last_successful_run()
        if previous is not None and business_date < previous.business_date:
            raise NothingToSegment(
                _("Segments are already computed for %(later)s; a run cannot go back to %(date)s.")
                % {"later": previous.business_date, "date": business_date})
        run = SegmentRun.objects.create(business_date=business_date, rule_set=rule_set, trigger=trigger,
                                        started_by=actor.get_username() if actor else "", started_at=timezone.now())
        started = time.monotonic()
        try:
            _execute(run, rule_set, previous, progress)
        except BaseException as error:
            SegmentRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, finished_at=timezone.now(), message=str(error)[:2000],
                duration_seconds=round(time.monotonic() - started, 3))
            shutil.rmtree(run_dir(run), ignore_errors=True)
            raise
        run.refresh_from_db()
        return run


class _Stopwatch:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.started = self.last = time.monotonic()
        self.timings: dict[str, float] = {}

    def lap(self, step: str, detail: str = "") -> None:
        now = time.monotonic()
        self.timings[step] = round(now - self.last, 3)
        self.last = now
        self.progress(f"{now - self.started:7.1f}s  {step}{': ' + detail if detail else ''}")

    @property
    def total(self) -> float:
        return round(time.monotonic() - self.started, 3)


def _execute(run: SegmentRun, rule_set: RuleSetModel, previous: SegmentRun | None, progress: Progress) -> None:
    clock = _Stopwatch(progress)
    compiled = compile_rule_set(engine_rule_set(rule_set))
    segments = _segments_table(compiled)
    folder = run_dir(run)
    folder.mkdir(parents=True, exist_ok=True)
    # A second thread writes files while the diff and the database work go on (all complete before the commit
    # that points the run at them; the pool closes before the connection its cursors use). At the start it
    # runs the engine, whose fact aggregates need no clients, while this thread reads the clients from the
    # database (the engine waits for them).
    with engine_connection(temp_directory=folder / "spill") as con, ThreadPoolExecutor(max_workers=2) as pool:
        clients: Future = Future()
        sources = feature_sources(run.business_date, customers=clients.result)
        engine = pool.submit(_segment, con, sources, run.business_date, compiled, previous)
        try:
            customers = customers_table()
        except BaseException as error:
            clients.set_exception(error)
            raise
        clients.set_result(customers)
        clock.lap("read clients", f"{customers.num_rows:,}")
        result = engine.result()
        written = [pool.submit(_write_features, folder, result)]
        clock.lap("features and rules", f"{result.features.num_rows:,} clients, "
                                        f"{result.membership_count:,} memberships, "
                                        + ("from the previous run's aggregates" if result.from_previous
                                           else "aggregated in full"))
        run.message = (f"features: stepped from run #{previous.pk}" if result.from_previous
                       else "features: computed in full")
        snapshot = lake_root() / previous.snapshot if previous and previous.snapshot else None
        changes = diff_memberships(con, memberships="bd_run_memberships", segments=segments, snapshot=snapshot)
        written.append(pool.submit(write_snapshot, con.cursor(), folder / "members.parquet"))
        clock.lap("diff", f"{changes.entered.num_rows:,} entered, {changes.left.num_rows:,} left")
        with transaction.atomic():
            closed = close_left(changes.left, business_date=run.business_date, run_id=run.pk)
            opened = open_entered(changes.entered, business_date=run.business_date, run_id=run.pk,
                                  rule_set_id=rule_set.pk)
            for future in written:
                future.result()
            clock.lap("write back", f"{opened:,} opened, {closed:,} closed")
            _finish(run, changes, result.features.num_rows, clock)
            audit_record(actor=None, action="segmentation.run", object_type="segment_run", object_id=run.pk,
                         details={"business_date": run.business_date, "rule_set": rule_set.version,
                                  "entered": opened, "left": closed, "trigger": run.trigger,
                                  "started_by": run.started_by})
            transaction.on_commit(lambda: _after_commit(run))
    shutil.rmtree(folder / "spill", ignore_errors=True)


def _segment(con, sources, business_date: date, compiled: CompiledRuleSet,
             previous: SegmentRun | None) -> SegmentationResult:
    previous_state = FeatureState.load(run_dir(previous) / "state") if previous else None
    return segment_clients(con, sources=sources, as_of=business_date, rule_set=compiled, previous=previous_state,
                           memberships_table="bd_run_memberships", key="customer_id")


def _segments_table(compiled: CompiledRuleSet) -> pa.Table:
    wanted = {(r.rule.dimension.value, r.rule.segment_code) for r in compiled.rules}
    rows = [(pk, d, c) for pk, d, c in Segment.objects.values_list("pk", "dimension", "code") if (d, c) in wanted]
    missing = wanted - {(d, c) for _, d, c in rows}
    if missing:  # publishing creates them; a rule set published some other way is not runnable
        raise NothingToSegment(f"segments missing for rules {sorted(missing)}: publish the rule set again")
    return pa.Table.from_pylist([dict(zip(SEGMENT_SCHEMA.names, r, strict=True)) for r in rows],
                                schema=SEGMENT_SCHEMA)


def _write_features(folder: Path, result: SegmentationResult) -> None:
    # snappy: a third of zstd's CPU for a file read only by previews, written while DuckDB works.
    pq.write_table(result.features, folder / "features.parquet", compression="snappy")
    if result.state is not None:
        result.state.save(folder / "state")


def _finish(run: SegmentRun, changes, clients: int, clock: _Stopwatch) -> None:
    folder = run_dir(run).relative_to(lake_root())
    run.status = RunStatus.SUCCEEDED
    run.clients = clients
    run.members = {str(k): v for k, v in changes.members.items()}
    run.entered = {str(k): v for k, v in changes.counts(changes.entered).items()}
    run.left = {str(k): v for k, v in changes.counts(changes.left).items()}
    run.snapshot = str(folder / "members.parquet")
    run.features = str(folder / "features.parquet")
    run.finished_at = timezone.now()
    run.timings = clock.timings
    run.duration_seconds = clock.total
    run.save()


def _after_commit(run: SegmentRun) -> None:
    from brokerdesk.segmentation.tasks import segment_changes_announce

    for folder in (lake_root() / RUNS_DIR).glob("run=*"):
        if folder != run_dir(run):
            shutil.rmtree(folder, ignore_errors=True)
    segment_changes_announce(run.pk)
