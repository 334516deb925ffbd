"""Which queue a generated task goes to (the programme's assignee_policy).

"branch": the client's home branch queue (center empty).

"call_center": shared out by capacity, per generation and programme:
1. Every contact center has a daily capacity: its CenterCapacity.daily_tasks or, without a row, the number of its
   active staff who hold visits.work_visit times DEFAULT_TASKS_PER_AGENT (40: a day of outbound visit calls at
   about ten minutes each, answered or not). What is left of it today is that capacity less the tasks already
   generated into the center for the same business date (earlier programmes of this run, earlier runs today).
2. A task goes to the center serving the client's home branch (Branch.serving_center), up to what that center
   has left.
3. The rest (the "overflow") is shared across the centers that still have spare capacity after taking their
   own clients' tasks (HQ included), in proportion to that spare capacity, never beyond it.
4. When no center has capacity left, the remaining overflow stays with the local center anyway: a visit is
   never dropped for want of capacity, only queued longer.
Within a center's clients, the ones that stay are taken in client-id order (the rest move), so that a repeat of
the same generation routes the same way.

The sharing itself is arithmetic over a handful of centers (`share_out`, pure); the tasks are routed in SQL by
joining a small table of ranges (see generate.py), never one row at a time.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count

from brokerdesk.org.models import ContactCenter
from brokerdesk.org.selectors import staff_holding
from brokerdesk.visits.models import CenterCapacity, VisitTask

DEFAULT_TASKS_PER_AGENT = 40


@dataclass(frozen=True)
class Routing:
    """keep[c]: how many of center c's own clients' tasks stay with c; moved: (target center, how many) in
    the order the overflow is handed out (overflow beyond the moved total stays local)."""

    keep: dict[int, int]
    moved: list[tuple[int, int]]

    @property
    def moved_total(self) -> int:
        return sum(n for _, n in self.moved)


def share_out(demand: dict[int, int], remaining: dict[int, int]) -> Routing:
    """demand: new tasks per local center; remaining: capacity left today per center (every center, also those
    without demand). Largest-remainder shares, ties to the lower center id, so the result is reproducible."""
    keep = {c: min(n, max(remaining.get(c, 0), 0)) for c, n in demand.items()}
    overflow = sum(n - keep[c] for c, n in demand.items())
    spare = {c: max(left, 0) - keep.get(c, 0) for c, left in remaining.items()}
    spare = {c: s for c, s in spare.items() if s > 0}
    total_spare = sum(spare.values())
    moving = min(overflow, total_spare)
    if moving <= 0:
        return Routing(keep=keep, moved=[])
    exact = {c: moving * s / total_spare for c, s in spare.items()}
    shares = {c: min(int(x), spare[c]) for c, x in exact.items()}
    short = moving - sum(shares.values())
    for c in sorted(spare, key=lambda c: (-(exact[c] - int(exact[c])), c)):
        if short <= 0:
            break
        if shares[c] < spare[c]:
            shares[c] += 1
            short -= 1
    return Routing(keep=keep, moved=[(c, n) for c, n in sorted(shares.items()) if n > 0])


def daily_capacity() -> dict[int, int]:
    """Tasks per day for every contact center (see the module docstring)."""
    configured = dict(CenterCapacity.objects.values_list("center_id", "daily_tasks"))
    agents = dict(staff_holding("visits", "work_visit").filter(center__isnull=False).values("center_id")
                  .annotate(n=Count("id", distinct=True)).values_list("center_id", "n"))
    return {c: configured.get(c, agents.get(c, 0) * DEFAULT_TASKS_PER_AGENT)
            for c in ContactCenter.objects.values_list("pk", flat=True)}


def used_today(business_date: date, programme_ids: list[int]) -> dict[int, int]:
    """Tasks already generated into each center for the business date (by the call-center programmes, through
    the (programme, business_date) index)."""
    if not programme_ids:
        return {}
    marks = ", ".join("%s" for _ in programme_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT center_id, COUNT(*) FROM {VisitTask._meta.db_table}"  # noqa: S608 (our table, placeholders)
            f" WHERE programme_id IN ({marks}) AND business_date = %s AND center_id IS NOT NULL GROUP BY center_id",
            [*programme_ids, business_date])
        return dict(cursor.fetchall())
