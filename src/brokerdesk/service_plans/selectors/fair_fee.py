"""Reads for the fair-fee report (同等客户同等收费): per branch, the clients whose commission lies outside their
package's band for their asset tier, with the drill-down to the clients of a branch and what the export lists.

A client's package is its active subscription's, else the default package; its tier is its current membership
of an asset-tier segment; its band is the package's schedule for the tier, else the package's schedule for any
tier (''). The assessment itself runs in DuckDB (brokerdesk.analytics.engine.fair_fee, which explains why the
client mapping goes into DuckDB as Arrow). This module builds that mapping with values_list queries (no model
instances), already cut to the viewer's scope: it starts from customers_visible_to(actor), and the
subscriptions and memberships are scoped with the same rule (core.scoping.visible_to on the client's branch),
so the engine never sees a client the viewer may not see.

Results are cached (CACHE_SECONDS) under a fingerprint of everything they depend on: the month's published trade
files, the clients in scope, the active subscriptions, the latest segmentation run and the schedules. Only
numbers and database ids are cached, never names.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
from django.core.cache import cache
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.analytics.engine import fair_fee as engine
from brokerdesk.core import lake
from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.masking import mask_name
from brokerdesk.core.models import LakePartition
from brokerdesk.core.scoping import ALL_BRANCHES, database_id, visible_branch, visible_to
from brokerdesk.customers.choices import CustomerKind
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customers_visible_to
from brokerdesk.org.models import Branch
from brokerdesk.segmentation.models import SegmentRun
from brokerdesk.segmentation.selectors import current_tier_memberships, tiers_by_code
from brokerdesk.service_plans.choices import SubscriptionStatus
from brokerdesk.service_plans.models import CommissionSchedule, ServicePackage, Subscription

PERMISSION = "service_plans.view_fair_fee_report"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TRADES = "trades"
CHUNK = 50_000  # rows per values_list fetch and per Arrow batch
CACHE_SECONDS = 15 * 60
CACHE_VERSION = "fair-fee:1"
MONTH_CHOICES = 24
ZERO = Decimal(0)

SORTS = ("deviation", "deviation_asc", "amount", "customer")
FILTERS = ("", "above", "below", "agreed")


# --- Periods --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairFeePeriod:
    """A calendar month (Asia/Shanghai business dates), start and end inclusive."""

    year: int
    month: int
    start: date
    end: date
    complete: bool  # the month is over

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def _today() -> date:
    return timezone.localtime(timezone.now(), SHANGHAI).date()


def month_period(year: int, month: int, *, today: date | None = None) -> FairFeePeriod:
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise ValidationFailed(_("Choose a month between 2000-01 and 2100-12."), details={"month": [f"{year}-{month}"]})
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return FairFeePeriod(year=year, month=month, start=start, end=end, complete=end < (today or _today()))


def trade_months(limit: int = MONTH_CHOICES) -> list[str]:
    """Months with published trades, newest first (what the month picker offers)."""
    months = LakePartition.objects.filter(entity=TRADES).dates("date", "month", order="DESC")[:limit]
    return [f"{m.year}-{m.month:02d}" for m in months]


def default_period(*, today: date | None = None) -> FairFeePeriod:
    """The last full calendar month with trades; else the newest month with trades; else the current month."""
    today = today or _today()
    first_of_month = today.replace(day=1)
    newest = (LakePartition.objects.filter(entity=TRADES, date__lt=first_of_month).aggregate(d=Max("date"))["d"]
              or LakePartition.objects.filter(entity=TRADES).aggregate(d=Max("date"))["d"] or today)
    return month_period(newest.year, newest.month, today=today)


def parse_period(text: str | None, *, today: date | None = None) -> FairFeePeriod:
    """'2026-10' → that month; empty → default_period(). Anything else is ValidationFailed."""
    text = (text or "").strip()
    if not text:
        return default_period(today=today)
    year, sep, month = text.partition("-")
    if not (sep and text.isascii() and len(year) == 4 and year.isdigit() and 1 <= len(month) <= 2
            and month.isdigit()):
        raise ValidationFailed(_("“%(value)s” is not a month: write it as YYYY-MM, e.g. 2026-10.")
                               % {"value": text[:20]}, details={"month": [text[:20]]})
    return month_period(int(year), int(month), today=today)


# --- Scope ----------------------------------------------------------------------------------------------------


def _require_viewer(actor) -> str | int:
    """The actor's branch scope (ALL_BRANCHES or a branch id), or PermissionDenied."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(PERMISSION):
        raise PermissionDenied()
    scope = visible_branch(actor)
    if scope is None:
        raise PermissionDenied()
    return scope


def branch_get_for_actor(actor, branch_id) -> Branch:
    """A branch the actor may report on; NotFound when missing or outside the actor's branch."""
    scope = _require_viewer(actor)
    pk = database_id(branch_id)
    if scope != ALL_BRANCHES and pk != scope:
        raise NotFound()
    branch = Branch.objects.filter(pk=pk).first()
    if branch is None:
        raise NotFound()
    return branch


# --- The mapping as Arrow -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    actor: object
    branch_id: int | None  # one branch (drill-down, branch export) or None: everything the actor sees
    company_wide: bool  # the actor sees all branches and no branch is chosen

    @property
    def key(self) -> str:
        return "all" if self.company_wide else f"branch:{self.branch_id}" if self.branch_id else "own"

    def customers(self, period: FairFeePeriod):
        """The clients in scope during the period: opened by its end and not closed before its start."""
        rows = customers_visible_to(self.actor).filter(opened_on__lte=period.end).exclude(closed_on__lt=period.start)
        return rows.filter(home_branch_id=self.branch_id) if self.branch_id else rows

    def related(self, queryset):
        """Rows of another model that point at a client, under the same scope as customers()."""
        rows = visible_to(self.actor, queryset, branch_field="customer__home_branch_id")
        return rows.filter(customer__home_branch_id=self.branch_id) if self.branch_id else rows


def _arrow(values_list, schema: pa.Schema) -> pa.Table:
    """A values_list queryset as an Arrow table, CHUNK rows at a time (no model instances, bounded memory)."""
    batches, columns = [], [[] for _ in schema]
    width = len(schema)

    def flush():
        batches.append(pa.record_batch([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)],
                                       schema=schema))
        for c in columns:
            c.clear()

    for row in values_list.iterator(chunk_size=CHUNK):
        for i in range(width):
            columns[i].append(row[i])
        if len(columns[0]) >= CHUNK:
            flush()
    if columns[0] or not batches:
        flush()
    return pa.Table.from_batches(batches, schema=schema)


def _inputs(scope: _Scope, period: FairFeePeriod, trade_files: list[str]) -> engine.FairFeeInputs:
    clients = _arrow(scope.customers(period).order_by().values_list("id", "customer_no", "home_branch_id"),
                     engine.CLIENTS_SCHEMA)
    subscriptions = _arrow(
        scope.related(Subscription.objects.filter(status=SubscriptionStatus.ACTIVE)).order_by()
        .values_list("customer_id", "package_id", "commission_rate"), engine.SUBSCRIPTIONS_SCHEMA)
    tiers = _arrow(
        scope.related(current_tier_memberships()).order_by()
        .values_list("customer_id", "segment__code", "segment__rank"), engine.TIERS_SCHEMA)
    schedules = _arrow(CommissionSchedule.objects.order_by().values_list(
        "package_id", "asset_tier", "standard_rate", "min_rate", "max_rate"), engine.SCHEDULES_SCHEMA)
    return engine.FairFeeInputs(
        start=period.start, end=period.end, trade_files=trade_files, clients=clients, subscriptions=subscriptions,
        tiers=tiers, schedules=schedules, default_package_id=_default_package_id(),
        count_unmatched=scope.company_wide, mapped_only=not scope.company_wide)


def _default_package_id() -> int | None:
    return ServicePackage.objects.filter(is_default=True).values_list("pk", flat=True).first()


def _fingerprint(scope: _Scope, period: FairFeePeriod, trade_files: list[str], what: str) -> str:
    """What a cached result depends on; any change gives a new key."""
    customers = scope.customers(period).order_by().aggregate(n=Count("id"), changed=Max("updated_at"),
                                                             first=Min("id"), last=Max("id"))
    subscriptions = scope.related(Subscription.objects.filter(status=SubscriptionStatus.ACTIVE)).order_by().aggregate(
        n=Count("id"), ids=Sum("id"), rates=Sum("commission_rate"), decided=Max("decided_at"))
    run = SegmentRun.objects.order_by("-pk").values_list("pk", "started_at", "finished_at").first()
    schedules = list(CommissionSchedule.objects.order_by("pk").values_list(
        "pk", "package_id", "asset_tier", "standard_rate", "min_rate", "max_rate"))
    parts = [CACHE_VERSION, what, scope.key, str(getattr(scope.actor, "branch_id", "")), period.label,
             str(period.complete), repr(trade_files), repr(sorted(customers.items())),
             repr(sorted(subscriptions.items())), repr(run), repr(schedules), repr(_default_package_id())]
    return f"{CACHE_VERSION}:{what}:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@contextmanager
def _run(scope: _Scope, period: FairFeePeriod, trade_files: list[str] | None = None) -> Iterator[engine.FairFeeRun]:
    files = lake.current_files(TRADES, since=period.start, until=period.end) if trade_files is None else trade_files
    with engine.fair_fee_run(_inputs(scope, period, files)) as run:
        yield run


@dataclass(frozen=True)
class Labels:
    packages: dict[int, str]
    tiers: dict[str, str]

    def package(self, package_id) -> str:
        return self.packages.get(package_id, "—" if package_id is None else str(package_id))

    def tier(self, code: str) -> str:
        return self.tiers.get(code, code) if code else ""


def labels() -> Labels:
    return Labels(packages=dict(ServicePackage.objects.values_list("pk", "name")),
                  tiers={code: s.label for code, s in tiers_by_code().items()})


@dataclass(frozen=True)
class ClientRow:
    """A deviating client as lists and the export show it: the figures and the masked identity."""

    deviation: engine.ClientDeviation
    name: str  # masked
    package: str
    tier: str
    band_tier: str  # the tier of the schedule applied ('' → "any tier")

    def __getattr__(self, item):  # the figures read through: row.effective_rate, row.status …
        if item.startswith("__") or item == "deviation":
            raise AttributeError(item)
        return getattr(self.deviation, item)


def client_rows(deviations: list[engine.ClientDeviation], names: Labels) -> list[ClientRow]:
    """Rows with masked names, one query for the whole list."""
    found = {pk: (name, kind) for pk, name, kind in Customer.objects.filter(
        pk__in=[d.customer_id for d in deviations]).values_list("pk", "name", "kind")}
    rows = []
    for d in deviations:
        name, kind = found.get(d.customer_id, ("", CustomerKind.PERSON))
        rows.append(ClientRow(deviation=d, name=mask_name(name, kind), package=names.package(d.package_id),
                              tier=names.tier(d.tier), band_tier=names.tier(d.schedule_tier)))
    return rows


# --- The report -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchLine:
    branch: Branch
    totals: engine.BranchTotals


@dataclass
class FairFeeSummary:
    period: FairFeePeriod
    scope: str  # human: the company or the actor's branch
    branches: list[BranchLine]
    total: engine.BranchTotals | None  # sum over the branches (None: no clients in scope)
    unmatched_clients: int | None
    trade_days: int  # published trade dates in the month
    generated_at: datetime = field(default_factory=timezone.now)


def _sum_totals(lines: list[engine.BranchTotals]) -> engine.BranchTotals | None:
    if not lines:
        return None
    numbers = {name: sum((getattr(t, name) for t in lines), start=ZERO if isinstance(getattr(lines[0], name),
                                                                                      Decimal) else 0)
               for name in engine.BranchTotals.__dataclass_fields__ if name != "branch_id"}
    return engine.BranchTotals(branch_id=0, **numbers)


def _scope_label(actor, scope: str | int) -> str:
    if scope == ALL_BRANCHES:
        return _("All branches")
    return str(Branch.objects.filter(pk=scope).values_list("name", flat=True).first() or "")


def fair_fee_summary(actor, period: FairFeePeriod) -> FairFeeSummary:
    """The report by branch for everything the actor may see (one branch for branch staff)."""
    scope_value = _require_viewer(actor)
    scope = _Scope(actor=actor, branch_id=None, company_wide=scope_value == ALL_BRANCHES)
    files = lake.current_files(TRADES, since=period.start, until=period.end)
    key = _fingerprint(scope, period, files, "summary")
    totals = cache.get(key)
    if totals is None:
        with _run(scope, period, files) as run:
            totals = run.totals()
        cache.set(key, totals, CACHE_SECONDS)
    branches = Branch.objects.in_bulk([t.branch_id for t in totals.branches])
    lines = sorted((BranchLine(branch=branches[t.branch_id], totals=t) for t in totals.branches
                    if t.branch_id in branches), key=lambda line: line.branch.code)
    return FairFeeSummary(period=period, scope=_scope_label(actor, scope_value), branches=lines,
                          total=_sum_totals([line.totals for line in lines]),
                          unmatched_clients=totals.unmatched_clients, trade_days=len(files))


@dataclass
class FairFeeBranch:
    period: FairFeePeriod
    branch: Branch
    totals: engine.BranchTotals | None
    deviations: list[engine.ClientDeviation]  # all of the branch's deviating clients, sorted and filtered
    trade_days: int


def _sorted(deviations: list[engine.ClientDeviation], sort: str, only: str) -> list[engine.ClientDeviation]:
    if only in ("above", "below"):
        deviations = [d for d in deviations if d.direction == only]
    elif only == "agreed":
        deviations = [d for d in deviations if d.agreed_status in engine.OUTSIDE]
    if sort == "customer":
        return sorted(deviations, key=lambda d: d.customer_no)
    if sort == "amount":
        return sorted(deviations, key=lambda d: (-abs(d.amount_vs_standard or ZERO), -abs(d.deviation), d.customer_no))
    if sort == "deviation_asc":
        return sorted(deviations, key=lambda d: (abs(d.deviation), d.customer_no))
    # Default: furthest outside the band first; overcharges before undercharges of the same size.
    return sorted(deviations, key=lambda d: (-abs(d.deviation), d.direction != "above", d.customer_no))


def fair_fee_branch(actor, branch_id, period: FairFeePeriod, *, sort: str = "deviation",
                    only: str = "") -> FairFeeBranch:
    """One branch's figures and deviating clients; NotFound for a branch outside the actor's scope."""
    branch = branch_get_for_actor(actor, branch_id)
    if sort not in SORTS:
        raise ValidationFailed(_("Unknown sort order."), details={"sort": [sort[:20]]})
    if only not in FILTERS:
        raise ValidationFailed(_("Unknown filter."), details={"only": [only[:20]]})
    scope = _Scope(actor=actor, branch_id=branch.pk, company_wide=False)
    files = lake.current_files(TRADES, since=period.start, until=period.end)
    key = _fingerprint(scope, period, files, "branch")
    cached = cache.get(key)
    if cached is None:
        with _run(scope, period, files) as run:
            totals = run.totals()
            cached = (totals.branches[0] if totals.branches else None, list(run.deviations()))
        cache.set(key, cached, CACHE_SECONDS)
    branch_totals, deviations = cached
    return FairFeeBranch(period=period, branch=branch, totals=branch_totals, deviations=_sorted(deviations, sort, only),
                         trade_days=len(files))


@dataclass
class FairFeeExport:
    """What the workbook holds: the branch figures and every deviating client, streamed from one run."""

    period: FairFeePeriod
    scope: str
    branches: list[BranchLine]
    total: engine.BranchTotals | None
    unmatched_clients: int | None
    rows: Iterator[ClientRow]  # by branch, furthest outside the band first


@contextmanager
def fair_fee_export(actor, period: FairFeePeriod, branch_id=None, *, batch_size: int = 2000) -> Iterator[FairFeeExport]:
    """The export of the whole report (branch_id None) or of one branch, open while the workbook is written."""
    scope_value = _require_viewer(actor)
    branch = branch_get_for_actor(actor, branch_id) if branch_id not in (None, "") else None
    scope = _Scope(actor=actor, branch_id=branch.pk if branch else None,
                   company_wide=branch is None and scope_value == ALL_BRANCHES)
    names = labels()
    with _run(scope, period) as run:
        totals = run.totals()
        by_pk = Branch.objects.in_bulk([t.branch_id for t in totals.branches])
        lines = sorted((BranchLine(branch=by_pk[t.branch_id], totals=t) for t in totals.branches
                        if t.branch_id in by_pk), key=lambda line: line.branch.code)

        def rows() -> Iterator[ClientRow]:
            batch: list[engine.ClientDeviation] = []
            for deviation in run.deviations(batch_size=batch_size):
                batch.append(deviation)
                if len(batch) >= batch_size:
                    yield from client_rows(batch, names)
                    batch = []
            if batch:
                yield from client_rows(batch, names)

        yield FairFeeExport(period=period, scope=str(branch) if branch else _scope_label(actor, scope_value),
                            branches=lines, total=_sum_totals([line.totals for line in lines]),
                            unmatched_clients=totals.unmatched_clients, rows=rows())
