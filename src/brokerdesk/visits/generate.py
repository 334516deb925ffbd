"""Return-visit generation (`brokerdesk visits generate`, the daily job, the receivers): for a business date D,
every active programme's targets become pending tasks in bulk SQL, idempotently.

    visit_tasks_generate(actor=None, business_date=None, programme_codes=None) -> GenerationRun

One transaction for the whole run: the GenerationRun row, the tasks (each naming the run) and ONE audit event for
the run, not one per task. Concurrent runs (the daily job, a receiver) queue on the programmes' row locks.
The run records tasks created per programme, why a programme generated nothing (no segmentation yet, a bad
rule), and step durations.

Per programme (targeting.py: whom each audience targets, with which cycle; sample.py: the annual sample):
1. Source: the audience's SELECT of (customer_id, cycle, source_ref, ord), in the operational DB; for feature
   rules a temporary table of the client numbers DuckDB found in the lake's feature table.
2. Not served yet: the source rows WITHOUT an open task of the programme for the client (anti-join on the
   partial unique index one_open_visit_per_programme) and WITHOUT a task of the programme for the client and
   cycle (anti-join on the unique index one_visit_per_cycle), into a temporary table (analysed on
   PostgreSQL). A second run the same day leaves nothing here, so what follows costs nothing: no scan of the
   clients per programme, the few remaining rows are joined to them by primary key.
3. Eligible: joined to the client (not closed by status or closed_on, not in the programme's excluded
   statuses) and the client's branch (its serving center). Sources that may name a client twice (events,
   tickets) keep the client's first row (ROW_NUMBER over the client): one open task per programme.
4. Insert: INSERT INTO visits_visittask ... SELECT ... ON CONFLICT DO NOTHING (no conflict target: every unique
   index, so a race with another run skips rather than fails): status pending, branch = the client's home
   branch, due_on = D + due_working_days working days (core.calendar), the programme's priority,
   business_date D. Branch-policy programmes insert straight from step 3 (center empty). Call-center
   programmes put step 3 into a temporary table, count its rows per local center, share them out by capacity
   (assign.py: arithmetic over the centers) and insert through a join with two small tables of ranges that
   route each task to a center (ROW_NUMBER within the local center).
Nothing loops over clients in Python; the same SQL runs on SQLite and PostgreSQL (`||`, CAST, window functions,
ON CONFLICT DO NOTHING, CREATE TEMPORARY TABLE ... AS), with more sort memory for the run on PostgreSQL.

The first run into an empty task table (a new installation: every programme's backlog, hundreds of thousands of
tasks) loads like the segmentation's first write-back: the table's secondary indexes, unique and foreign-key
constraints are dropped, the rows inserted and everything re-created from the database's own definitions at the
end, in the same transaction (core.bulk.deferred_indexes); likewise the year's first sample draw. Step 2 is
skipped then (there is no task to look for, and no index to look with), the insert goes without ON CONFLICT
(nothing to conflict with in a locked, empty table: no speculative insertion per row), and re-creating the
unique indexes checks what they would have checked.

Indexes the SQL relies on: one_visit_per_cycle (programme, customer, cycle) and one_open_visit_per_programme
(programme, customer) WHERE open for step 2; visit_programme_date (programme, business_date) for the capacity
used today; visit_sample_release (programme, year, release_month) for the sample's release;
membership_current (segment, customer) WHERE open for segment audiences; the clients' primary key and
customer_unique_no. The task table keeps no single-column indexes on programme, customer or assignee (the
indexes above lead with them), and its center and assignee indexes leave out empty values: fewer and smaller
indexes to maintain on insert and to rebuild after a first load.
"""

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core import bulk
from brokerdesk.core.audit import audit_record
from brokerdesk.core.calendar import is_working_day
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch
from brokerdesk.visits import assign, sample, targeting, temptables
from brokerdesk.visits.choices import OPEN_STATUSES, AssigneePolicy, Audience, TaskStatus
from brokerdesk.visits.models import AnnualSampleMember, GenerationRun, Programme, VisitTask

SHANGHAI = ZoneInfo("Asia/Shanghai")
TASKS = VisitTask._meta.db_table
CANDIDATES_TABLE = "bd_visit_candidates"
NEW_TABLE = "bd_visit_new"
KEEP_TABLE = "bd_visit_keep"
ROUTE_TABLE = "bd_visit_route"
ANALYZE_AFTER_ROWS = 50_000  # PostgreSQL: statistics again after a programme inserted this many tasks
TASK_COLUMNS = ("programme_id, customer_id, cycle, branch_id, center_id, assignee_id, status, priority, source_ref,"
                " business_date, due_on, not_before, attempts, outcome, satisfaction, claimed_at, finished_at,"
                " created_at, generation_run_id")


def business_today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def add_working_days(day: date, days: int) -> date:
    """The day `days` working days after `day` (day itself when 0)."""
    for _i in range(max(days, 0)):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return day


@dataclass
class _Context:
    run: GenerationRun
    day: date
    now: datetime
    fresh: bool = False  # the task table was empty: no task to look for, indexes re-created at the end
    capacity: dict[int, int] | None = None  # per center, for the day; read once, when a call-center programme runs
    used: dict[int, int] = field(default_factory=dict)  # tasks generated into each center for the day
    timings: dict[str, float] = field(default_factory=dict)


def visit_tasks_generate(*, actor=None, business_date: date | None = None,
                         programme_codes: list[str] | None = None) -> GenerationRun:
    """Generate the tasks of every active programme (or of the given codes) for a business date (default: today
    in Shanghai). Returns the run: tasks created per programme code, the total, the seconds, and per programme
    why it generated nothing when it could not target anyone."""
    require_permission(actor, "visits.generate_visits", "visits.visit_tasks_generate", system_allowed=True)
    day = business_date or business_today()
    started = time.monotonic()
    with transaction.atomic():
        programmes = Programme.objects.filter(is_active=True).exclude(audience=Audience.ON_REQUEST)
        if programme_codes is not None:
            programmes = programmes.filter(code__in=programme_codes)
        # The row locks queue concurrent runs programme by programme (the nightly job and a receiver).
        programmes = list(programmes.select_for_update().order_by("pk"))
        now = timezone.now()
        run = GenerationRun.objects.create(business_date=day, actor=actor if getattr(actor, "pk", None) else None,
                                           started_at=now, all_programmes=programme_codes is None)
        context = _Context(run=run, day=day, now=now)
        messages: dict[str, str] = {}
        for code in sorted(set(programme_codes or []) - {p.code for p in programmes}):
            messages[code] = _("No active programme has this code.")
        created: dict[str, int] = {}
        timings = context.timings
        _tune_session()
        with bulk.deferred_indexes([TASKS]) as emptied:
            context.fresh = TASKS in emptied
            for programme in sorted(programmes, key=lambda p: (p.priority, p.code)):
                lap = time.monotonic()
                try:
                    created[programme.code] = _generate(programme, context)
                except targeting.NoTargets as reason:
                    created[programme.code] = 0
                    messages[programme.code] = reason.message
                else:
                    if created[programme.code] >= ANALYZE_AFTER_ROWS and not context.fresh:
                        _analyze()  # the next programme's anti-joins are planned on today's table
                timings[programme.code] = round(time.monotonic() - lap, 3)
            lap = time.monotonic()
        if context.fresh:
            timings["indexes"] = round(time.monotonic() - lap, 3)  # re-created after the first load
            if created and sum(created.values()):
                lap = time.monotonic()
                _analyze()  # statistics now, for the next run's plans, not whenever autovacuum gets to it
                timings["analyze"] = round(time.monotonic() - lap, 3)
        _drop_temporary_tables()
        if connection.vendor == "postgresql":
            lap = time.monotonic()
            with connection.cursor() as cursor:  # the foreign-key checks deferred to the commit, timed with the run
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default again, for the caller
            timings["foreign keys"] = round(time.monotonic() - lap, 3)
        run.created = created
        run.total_created = sum(created.values())
        run.messages = messages
        run.timings = timings
        run.finished_at = timezone.now()
        run.seconds = round(time.monotonic() - started, 3)
        run.save(update_fields=["created", "total_created", "messages", "timings", "finished_at", "seconds"])
        audit_record(actor=actor, action="visits.generate", object_type="visit_generation_run", object_id=run.pk,
                     details={"business_date": day, "created": created, "total": run.total_created,
                              "messages": messages, "programmes": programme_codes or "all"})
    return run


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TASKS}")


def _tune_session() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _generate(programme: Programme, context: _Context) -> int:
    if programme.audience == Audience.ANNUAL_SAMPLE and not sample.sample_drawn(programme, context.day.year):
        lap = time.monotonic()
        with bulk.deferred_indexes([AnnualSampleMember._meta.db_table]):  # the first draw of an installation
            sample.sample_draw(programme, context.day, context.now)
        context.timings[f"{programme.code}: draw"] = round(time.monotonic() - lap, 3)
    source = targeting.source_for(programme, context.day)
    select, params = _filtered(programme, source, context)
    fixed = [programme.pk, programme.priority, context.day,
             add_working_days(context.day, programme.due_working_days), context.now, context.run.pk]
    if programme.assignee_policy != AssigneePolicy.CALL_CENTER:
        return _insert(f"SELECT f.customer_id, f.branch_id, CAST(NULL AS BIGINT) AS center_id, f.cycle,"  # noqa: S608
                       f" f.source_ref FROM ({select}) AS f WHERE 1 = 1", params, fixed, context)
    return _generate_for_centers(programme, select, params, fixed, context)


def _filtered(programme: Programme, source: targeting.Source, context: _Context) -> tuple[str, list]:
    """(customer_id, branch_id, local center_id, cycle, source_ref) of the source's clients who may get a task.

    With tasks in the table, the source's rows are first narrowed to those without an open task of the programme
    and without a task of their cycle (two anti-joins on the unique indexes) into a temporary table: on a
    second run that leaves nothing, and the clients are then looked up by primary key for the few that remain,
    instead of scanning every client once per programme. An empty task table (the first run) has nothing to
    look for, so the source goes straight to the join with the clients."""
    customers = Customer._meta.db_table
    rows, params = f"({source.sql})", list(source.params)
    client = "cu.customer_no = s.customer_no" if source.by_number else "cu.id = s.customer_id"
    if not context.fresh:
        by_number = f" JOIN {customers} AS cu ON {client}" if source.by_number else ""
        key = "cu.id" if source.by_number else "s.customer_id"
        temptables.create_as(
            CANDIDATES_TABLE,
            f"SELECT {key} AS customer_id, s.cycle, s.source_ref, s.ord FROM ({source.sql}) AS s{by_number}"  # noqa: S608
            f" WHERE NOT EXISTS (SELECT 1 FROM {TASKS} AS t WHERE t.programme_id = %s AND t.customer_id = {key}"
            f" AND t.status IN ({', '.join('%s' for _ in OPEN_STATUSES)}))"
            f" AND NOT EXISTS (SELECT 1 FROM {TASKS} AS t WHERE t.programme_id = %s AND t.customer_id = {key}"
            " AND t.cycle = s.cycle)",
            [*source.params, programme.pk, *OPEN_STATUSES, programme.pk])
        rows, params, client = CANDIDATES_TABLE, [], "cu.id = s.customer_id"
    statuses = sorted({"closed", *(s for s in programme.exclude_statuses or [] if isinstance(s, str))})
    sql = (
        "SELECT cu.id AS customer_id, cu.home_branch_id AS branch_id, b.serving_center_id AS center_id, s.cycle,"  # noqa: S608
        f" s.source_ref, s.ord FROM {rows} AS s JOIN {customers} AS cu ON {client}"
        f" JOIN {Branch._meta.db_table} AS b ON b.id = cu.home_branch_id"
        f" WHERE cu.status NOT IN ({', '.join('%s' for _ in statuses)})"
        " AND (cu.closed_on IS NULL OR cu.closed_on > %s)"
    )
    params += [*statuses, context.day]
    if source.repeats:
        sql = (f"SELECT r.customer_id, r.branch_id, r.center_id, r.cycle, r.source_ref FROM (SELECT x.*,"  # noqa: S608
               f" ROW_NUMBER() OVER (PARTITION BY x.customer_id ORDER BY x.ord) AS nth FROM ({sql}) AS x) AS r"
               " WHERE r.nth = 1")
    return sql, params


def _insert(select: str, params: list, fixed: list, context: _Context) -> int:
    """Insert the rows of select (customer_id, branch_id, center_id, cycle, source_ref) as pending tasks.
    fixed: programme id, priority, business date, due date, creation time, run id. Into the emptied table of a
    first run there is nothing to conflict with (no unique index, the table locked): a plain insert, without
    the speculative insertion ON CONFLICT costs per row."""
    on_conflict = "" if context.fresh else " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TASKS} ({TASK_COLUMNS})"  # noqa: S608 (our tables; values are parameters)
            f" SELECT %s, n.customer_id, n.cycle, n.branch_id, n.center_id, NULL, '{TaskStatus.PENDING.value}', %s,"
            f" n.source_ref, %s, %s, NULL, 0, '', NULL, NULL, NULL, %s, %s FROM ({select}) AS n WHERE 1 = 1"
            f"{on_conflict}",
            [*fixed, *params])
        return max(cursor.rowcount, 0)


def _generate_for_centers(programme: Programme, select: str, params: list, fixed: list, context: _Context) -> int:
    """Call-center policy: the new tasks into a temporary table, shared out by capacity (assign.py), inserted
    with the center each client's task is routed to."""
    temptables.create_as(NEW_TABLE, select, params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT center_id, COUNT(*) FROM {NEW_TABLE} GROUP BY center_id")  # noqa: S608
        demand = dict(cursor.fetchall())
    if not demand:
        return 0
    if context.capacity is None:
        context.capacity = assign.daily_capacity()
        call_center = list(Programme.objects.filter(assignee_policy=AssigneePolicy.CALL_CENTER)
                           .values_list("pk", flat=True))
        # (A first run's table was empty: what this run put into the centers is counted as it goes.)
        context.used = {} if context.fresh else assign.used_today(context.day, call_center)
    remaining = {c: cap - context.used.get(c, 0) for c, cap in context.capacity.items()}
    routing = assign.share_out(demand, remaining)
    # Each origin center keeps its first `keep` clients (by id); the overflow of all origins, numbered one after
    # the other (origin by origin, `start` before this origin's first), is cut into consecutive ranges, one per
    # target center; overflow beyond the ranges (no capacity anywhere) stays with the origin.
    keep_rows, start = [], 0
    for center in sorted(demand):
        keep_rows.append((center, routing.keep[center], start))
        start += demand[center] - routing.keep[center]
    route_rows, low = [], 0
    for center, n in routing.moved:
        route_rows.append((center, low, low + n))
        low += n
    temptables.create_small(KEEP_TABLE, ("center_id", "keep", "start"), keep_rows)
    temptables.create_small(ROUTE_TABLE, ("center_id", "low", "high"), route_rows)
    routed = (
        "SELECT n.customer_id, n.branch_id, COALESCE(r.center_id, n.center_id) AS center_id, n.cycle, n.source_ref"  # noqa: S608
        " FROM (SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.center_id ORDER BY x.customer_id) AS nth"
        f" FROM {NEW_TABLE} AS x) AS n JOIN {KEEP_TABLE} AS k ON k.center_id = n.center_id"
        f" LEFT JOIN {ROUTE_TABLE} AS r ON n.nth > k.keep AND k.start + n.nth - k.keep > r.low"
        " AND k.start + n.nth - k.keep <= r.high WHERE 1 = 1"
    )
    created = _insert(routed, [], fixed, context)
    for center, n in routing.keep.items():
        context.used[center] = context.used.get(center, 0) + n
    for center, n in routing.moved:
        context.used[center] = context.used.get(center, 0) + n
    return created


def _drop_temporary_tables() -> None:
    temptables.drop(CANDIDATES_TABLE, NEW_TABLE, KEEP_TABLE, ROUTE_TABLE, targeting.RULE_TABLE, sample.ELIGIBLE_TABLE,
                    sample.LIMITS_TABLE)
