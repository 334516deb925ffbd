"""Whom a programme targets on a business date D: one SQL source per audience, giving rows of
(customer_id, cycle, source_ref, ord) that generate.py filters (closed and excluded clients, open tasks, tasks of
the same cycle) and inserts. `ord` orders several rows of one client (the earliest event first).

The cycle makes generation idempotent: a client gets at most one task per programme and cycle.
- opened_within: clients opened in the last N days (D - N < opened_on <= D); cycle "once": one such visit ever.
- annual_sample: the year's sample members released by D's month (sample.py); cycle the year, "2026".
- segment_entered: open memberships of the segment that began in the last ENTERED_WITHIN_DAYS days, on a run
  other than the installation's first one (which "enters" every client: not news); cycle "m<membership id>".
  The window keeps a first installation, or a programme switched on later, from visiting the whole history.
- segment_members: the segment's members now; cycle the period (`period_cycle`).
- feature_rule: clients of the latest successful segmentation run's feature table (lake, run=<id>/
  features.parquet) for which the rule holds: checked and compiled by the engine's rule language, evaluated in
  DuckDB (the rule text never reaches SQL); the matching clients (their ids when the table has customer_id,
  else their numbers) are bulk-loaded into a temporary table. Cycle the period. Without a run, or with a bad
  rule, the programme generates nothing and says why.
- ticket_callback: tickets awaiting a satisfaction callback (status "satisfaction_callback") that name a
  client; cycle "t<ticket id>", source "ticket:<id>".
- service_event: service events of the programme's kinds that occurred in the last EVENT_WITHIN_DAYS days (by
  Shanghai date, D - 30 < day <= D); cycle "e<event id>", source "event:<kind>:<id>".
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils.translation import gettext as _
from sqlglot import exp

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.rules import RuleError, parse_rule
from brokerdesk.analytics.engine.rules.language import DIALECT
from brokerdesk.core import bulk
from brokerdesk.core.lake import lake_root
from brokerdesk.customers.models import Customer
from brokerdesk.segmentation.choices import RunStatus
from brokerdesk.segmentation.models import Segment, SegmentMembership, SegmentRun
from brokerdesk.service_plans.models import ServiceEvent
from brokerdesk.tickets.choices import TicketStatus
from brokerdesk.tickets.models import Ticket
from brokerdesk.visits import sample
from brokerdesk.visits.choices import Audience
from brokerdesk.visits.models import Programme

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENTERED_WITHIN_DAYS = 30
EVENT_WITHIN_DAYS = 30
RULE_TABLE = "bd_visit_rule_matches"
BATCH_ROWS = 500_000


class NoTargets(Exception):
    """The programme cannot target anyone today; the message says why (kept in the run's messages)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Source:
    sql: str  # SELECT customer_id, cycle, source_ref, ord (by_number: customer_no instead of customer_id)
    params: list
    repeats: bool = False  # whether a client may come more than once (events, tickets)
    by_number: bool = False  # clients named by customer_no (found through its unique index)


def period_cycle(day: date, every_months: int) -> str:
    """The period of `every_months` months that D falls in, counted in months since the year 0, so that 3, 6
    and 12 months line up with calendar quarters, halves and years: "p2026-10/3" is the quarter from October
    2026. 0 months: "once"."""
    if every_months <= 0:
        return "once"
    start = (day.year * 12 + day.month - 1) // every_months * every_months
    return f"p{start // 12}-{start % 12 + 1:02d}/{every_months}"


def source_for(programme: Programme, day: date) -> Source:
    """The programme's targets on D, or NoTargets."""
    build = {
        Audience.OPENED_WITHIN: _opened_within,
        Audience.ANNUAL_SAMPLE: _annual_sample,
        Audience.SEGMENT_ENTERED: _segment_entered,
        Audience.SEGMENT_MEMBERS: _segment_members,
        Audience.FEATURE_RULE: _feature_rule,
        Audience.TICKET_CALLBACK: _ticket_callback,
        Audience.SERVICE_EVENT: _service_event,
    }.get(programme.audience)
    if build is None:
        raise NoTargets(_("Unknown audience “%(audience)s”.") % {"audience": programme.audience})
    return build(programme, day)


def _opened_within(programme: Programme, day: date) -> Source:
    days = programme.opened_within_days
    if not days:
        raise NoTargets(_("The programme sets no number of days since opening."))
    return Source(
        f"SELECT cu.id AS customer_id, %s AS cycle, %s AS source_ref, 0 AS ord FROM {Customer._meta.db_table}"  # noqa: S608
        " AS cu WHERE cu.opened_on > %s AND cu.opened_on <= %s",
        ["once", "opened", day - timedelta(days=days), day])


def _annual_sample(programme: Programme, day: date) -> Source:
    sql, params = sample.released_members_sql(programme, day)
    return Source(sql, params)


def _segment(programme: Programme) -> Segment:
    segment = Segment.objects.filter(dimension=programme.segment_dimension, code=programme.segment_code).first()
    if segment is None:
        raise NoTargets(_("There is no segment %(dimension)s:%(code)s.")
                        % {"dimension": programme.segment_dimension, "code": programme.segment_code})
    return segment


def _segment_entered(programme: Programme, day: date) -> Source:
    segment = _segment(programme)
    first = (SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("pk").values_list("pk", flat=True)
             .first())
    if first is None:
        raise NoTargets(_("Segmentation has not run yet."))
    return Source(
        "SELECT sm.customer_id, 'm' || CAST(sm.id AS TEXT) AS cycle, 'membership:' || CAST(sm.id AS TEXT)"  # noqa: S608
        f" AS source_ref, 0 AS ord FROM {SegmentMembership._meta.db_table} AS sm"
        " WHERE sm.segment_id = %s AND sm.valid_to IS NULL AND sm.valid_from > %s AND sm.valid_from <= %s"
        " AND sm.entered_run_id <> %s",
        [segment.pk, day - timedelta(days=ENTERED_WITHIN_DAYS), day, first])


def _segment_members(programme: Programme, day: date) -> Source:
    segment = _segment(programme)
    return Source(
        f"SELECT sm.customer_id, %s AS cycle, %s AS source_ref, 0 AS ord FROM {SegmentMembership._meta.db_table}"  # noqa: S608
        " AS sm WHERE sm.segment_id = %s AND sm.valid_to IS NULL",
        [period_cycle(day, programme.repeat_after_months), f"segment:{segment.dimension}:{segment.code}",
         segment.pk])


def _feature_rule(programme: Programme, day: date) -> Source:
    from brokerdesk.segmentation.run import last_successful_run

    try:
        parsed = parse_rule(programme.rule_expression or "")
    except RuleError as error:
        raise NoTargets(_("The feature rule is not valid: %(error)s") % {"error": error}) from None
    run = last_successful_run()
    if run is None or not run.features:
        raise NoTargets(_("Segmentation has not run yet: there are no features to apply the rule to."))
    path = lake_root() / run.features
    if not path.exists():
        raise NoTargets(_("The feature table of segmentation run #%(run)s is missing.") % {"run": run.pk})
    # The clients by database id when the feature table carries it, else by client number (through the unique
    # index on customer_no, one join more).
    key = "customer_id" if "customer_id" in pq.read_schema(path).names else "customer_no"
    schema = pa.schema([(key, pa.int64() if key == "customer_id" else pa.string())])
    query = (exp.select(exp.column(key, quoted=True))
             .from_(exp.func("read_parquet", exp.Literal.string(str(path))))
             .where(parsed.condition.copy())).sql(dialect=DIALECT)
    try:
        with engine_connection() as con:
            matches = con.sql(query).to_arrow_table().cast(schema)
    except duckdb.Error as error:  # e.g. a feature the (older) file does not have
        raise NoTargets(_("The feature rule could not be evaluated: %(error)s") % {"error": error}) from None
    bulk.load_temp_table(RULE_TABLE, schema, matches.to_batches(BATCH_ROWS))
    return Source(
        f"SELECT r.{key}, %s AS cycle, %s AS source_ref, 0 AS ord FROM {RULE_TABLE} AS r",  # noqa: S608
        [period_cycle(day, programme.repeat_after_months), f"rule:run={run.pk}"], by_number=key == "customer_no")


def _ticket_callback(programme: Programme, day: date) -> Source:
    return Source(
        "SELECT t.customer_id, 't' || CAST(t.id AS TEXT) AS cycle, 'ticket:' || CAST(t.id AS TEXT) AS source_ref,"  # noqa: S608
        f" t.id AS ord FROM {Ticket._meta.db_table} AS t"
        " WHERE t.status = %s AND t.customer_id IS NOT NULL",
        [TicketStatus.SATISFACTION_CALLBACK], repeats=True)


def _service_event(programme: Programme, day: date) -> Source:
    kinds = [k for k in programme.event_kinds or [] if isinstance(k, str)]
    if not kinds:
        raise NoTargets(_("The programme names no service events."))
    since = datetime.combine(day - timedelta(days=EVENT_WITHIN_DAYS - 1), time(), SHANGHAI)
    until = datetime.combine(day + timedelta(days=1), time(), SHANGHAI)
    marks = ", ".join("%s" for _ in kinds)
    return Source(
        "SELECT e.customer_id, 'e' || CAST(e.id AS TEXT) AS cycle,"  # noqa: S608
        " 'event:' || e.kind || ':' || CAST(e.id AS TEXT) AS source_ref,"
        f" e.id AS ord FROM {ServiceEvent._meta.db_table} AS e"
        f" WHERE e.kind IN ({marks}) AND e.occurred_at >= %s AND e.occurred_at < %s",
        [*kinds, since, until], repeats=True)
