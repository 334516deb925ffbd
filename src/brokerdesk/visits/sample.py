"""The annual sample of existing clients (DOMAIN.md: >= 10% of last year-end clients per year, excluding dormant
and suspended accounts), drawn once a year per programme and released month by month.

Who is eligible ("last year-end clients", for the year of the business date D):
- opened on or before 31 December of the year before, and not closed by then (closed_on empty or later);
- not closed now, and not in the programme's excluded statuses (the seed: "dormant" and "frozen" — the core
  system's dormant accounts (休眠账户) and suspended ones (冻结/暂停));
- not in the segmentation's "dormant" group now (segment dimension "group", code "dormant": no trade in
  12 months and open for 12 months or more, by the published rules), when segmentation has run: a client the
  core system still calls normal but who has stopped trading is dormant for the sample too.
Statuses are today's: the core system sends no status history, so "at the year-end" is approximated by "opened
before it and still open".

The draw, the first time generation runs in the year (never redrawn afterwards):
- per home branch (the stratum), required = ceil(ratio x eligible), the ratio in integer arithmetic;
- in each branch, the `required` eligible clients that come first in a pseudo-random order seeded by year and
  programme: the same data always draws the same clients, another year draws others. The order is a
  non-linear integer hash of the client id (SQL both databases run), ties by id;
- release months spread the members evenly (round robin over all members in their random order, so every
  large branch too) over the months from the draw month to December; generation on D releases the members
  whose month is <= D's month.
Strata and members are written in two INSERT ... SELECT statements.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count

from brokerdesk.customers.models import Customer
from brokerdesk.segmentation.models import Segment, SegmentMembership
from brokerdesk.visits import temptables
from brokerdesk.visits.models import AnnualSampleMember, AnnualSampleStratum, Programme

DEFAULT_RATIO = Decimal("0.100")  # DOMAIN.md's minimum, for a programme without a ratio
DORMANT_GROUP = ("group", "dormant")
ELIGIBLE_TABLE = "bd_visit_eligible"
LIMITS_TABLE = "bd_visit_sample_limits"
HEAD_ROOM = 6.0  # standard deviations of head room in the draw's pre-filter (see _limit)
HASH_PRIME = 2147483647  # 2**31 - 1: every intermediate product stays below 2**63


@dataclass(frozen=True)
class Draw:
    strata: int
    members: int


def sample_year(day: date) -> int:
    return day.year


def sample_drawn(programme: Programme, year: int) -> bool:
    return AnnualSampleStratum.objects.filter(programme=programme, year=year).exists()


def _hash_sql(column: str, seed: int) -> str:
    """A reproducible pseudo-random order key for integer ids: x = (id*48271 + seed) mod p, then
    (x*x*16807 + x) mod p in steps that never overflow 64 bits."""
    x = f"((CAST({column} AS BIGINT) * 48271 + {seed}) %% {HASH_PRIME})"
    return f"((((({x} * {x}) %% {HASH_PRIME}) * 16807) + {x}) %% {HASH_PRIME})"


def _eligible_where(programme: Programme, year: int) -> tuple[str, list]:
    year_end = date(year - 1, 12, 31)
    statuses = sorted({"closed", *(s for s in programme.exclude_statuses or [] if isinstance(s, str))})
    marks = ", ".join("%s" for _ in statuses)
    where = (f"cu.opened_on <= %s AND (cu.closed_on IS NULL OR cu.closed_on > %s) AND cu.status NOT IN ({marks})")
    params: list = [year_end, year_end, *statuses]
    dormant = Segment.objects.filter(dimension=DORMANT_GROUP[0], code=DORMANT_GROUP[1]).values_list(
        "pk", flat=True).first()
    if dormant is not None:
        where += (f" AND NOT EXISTS (SELECT 1 FROM {SegmentMembership._meta.db_table} AS sm"  # noqa: S608
                  " WHERE sm.segment_id = %s AND sm.customer_id = cu.id AND sm.valid_to IS NULL)")
        params.append(dormant)
    return where, params


def _limit(eligible: int, required: int, head_room: float) -> int:
    """An order-key bound below which a branch's `required` smallest keys almost surely all lie: keys are about
    uniform, so the count below a bound is binomial; the bound expects `head_room` standard deviations more
    than required (about sqrt(required) each)."""
    if eligible <= 0 or required >= eligible:
        return HASH_PRIME
    share = (required + head_room * (math.sqrt(required) + 1)) / eligible
    return HASH_PRIME if share >= 1 else max(0, math.ceil(share * HASH_PRIME))


def sample_draw(programme: Programme, day: date, now: datetime, *, head_room: float = HEAD_ROOM) -> Draw:
    """Draw the year's sample for the programme (the caller checked it is not drawn yet, holding the
    programme's row lock).

    The eligible clients with their order key go into a temporary table (one pass over the clients); the strata
    are counted from it; then each branch's first `required` clients by key become members. Sorting only the
    keys below a per-branch bound (`_limit`, about 1.2 x required) instead of every eligible client gives the
    same members, as long as enough keys lie below the bound: a branch where they do not (astronomically rare
    with the default head room) is drawn again from all its clients."""
    year = sample_year(day)
    ratio = Decimal(programme.sample_ratio if programme.sample_ratio is not None else DEFAULT_RATIO)
    ratio = min(max(ratio, Decimal(0)), Decimal(1))
    numerator, denominator = ratio.as_integer_ratio()
    where, params = _eligible_where(programme, year)
    strata = AnnualSampleStratum._meta.db_table
    seed = (year * 1_000_003 + programme.pk * 7_919) % HASH_PRIME
    temptables.create_as(
        ELIGIBLE_TABLE,
        f"SELECT cu.id, cu.home_branch_id AS branch_id, {_hash_sql('cu.id', seed)} AS h"  # noqa: S608
        f" FROM {Customer._meta.db_table} AS cu WHERE {where}", params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {strata} (year, programme_id, branch_id, eligible, required, drawn_at)"  # noqa: S608
            f" SELECT %s, %s, e.branch_id, COUNT(*), (COUNT(*) * {numerator} + {denominator - 1}) / {denominator},"
            f" %s FROM {ELIGIBLE_TABLE} AS e GROUP BY e.branch_id",
            [year, programme.pk, now])
    drawn = AnnualSampleStratum.objects.filter(programme=programme, year=year)
    limits = [(branch, _limit(eligible, required, head_room))
              for branch, eligible, required in drawn.values_list("branch_id", "eligible", "required")]
    written = _insert_members(programme, year, day.month, limits)
    short = set(_short_branches(programme, year))
    if short:  # again, those branches from all their clients (all members at once: the months are global)
        AnnualSampleMember.objects.filter(programme=programme, year=year).delete()
        written = _insert_members(programme, year, day.month,
                                  [(b, HASH_PRIME if b in short else limit) for b, limit in limits])
    temptables.drop(ELIGIBLE_TABLE, LIMITS_TABLE)
    return Draw(strata=len(limits), members=written)


def _insert_members(programme: Programme, year: int, month: int, limits: list[tuple[int, int]]) -> int:
    """Members: each branch's first `required` eligible clients by key, among those whose key is below the
    branch's limit. Release months go round robin over all members in key order (a random order), so each
    month gets the same share of the sample, and of every large branch."""
    temptables.create_small(LIMITS_TABLE, ("branch_id", "h_limit"), limits)
    strata, members = AnnualSampleStratum._meta.db_table, AnnualSampleMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {members} (year, programme_id, customer_id, branch_id, release_month)"  # noqa: S608
            f" SELECT %s, %s, d.id, d.branch_id, %s + (ROW_NUMBER() OVER (ORDER BY d.h, d.id) - 1) %% {13 - month}"
            " FROM (SELECT e.id, e.branch_id, e.h,"
            " ROW_NUMBER() OVER (PARTITION BY e.branch_id ORDER BY e.h, e.id) AS n"
            f" FROM {ELIGIBLE_TABLE} AS e JOIN {LIMITS_TABLE} AS l ON l.branch_id = e.branch_id"
            " WHERE e.h < l.h_limit) AS d"
            f" JOIN {strata} AS s ON s.branch_id = d.branch_id AND s.programme_id = %s AND s.year = %s"
            " WHERE d.n <= s.required",
            [year, programme.pk, month, programme.pk, year])
        return max(cursor.rowcount, 0)


def _short_branches(programme: Programme, year: int) -> list[int]:
    """Branches with fewer members than their stratum requires."""
    counts = dict(AnnualSampleMember.objects.filter(programme=programme, year=year).values("branch_id")
                  .annotate(n=Count("id")).values_list("branch_id", "n"))
    return [branch for branch, required in AnnualSampleStratum.objects.filter(programme=programme, year=year)
            .values_list("branch_id", "required") if counts.get(branch, 0) < required]


def released_members_sql(programme: Programme, day: date) -> tuple[str, list]:
    """(customer_id, cycle, source_ref, ord) of the members released by D's month: cycle is the year."""
    year = sample_year(day)
    return (
        f"SELECT m.customer_id, %s AS cycle, %s AS source_ref, 0 AS ord FROM {AnnualSampleMember._meta.db_table}"  # noqa: S608
        " AS m WHERE m.programme_id = %s AND m.year = %s AND m.release_month <= %s",
        [str(year), f"sample:{year}", programme.pk, year, day.month],
    )
