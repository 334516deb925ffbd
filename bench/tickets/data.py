"""The benchmark's tickets and SLA clocks, as row tuples (pure Python, no Django), deterministic per seed.

A million tickets over about 24 months: consultations ~40%, complaints ~35%, service requests ~15%,
suggestions ~8%, regulator referrals ~2%; ~10% still open (new, accepted, dispatched, in progress, resolution
proposed), mostly recent, some stale; the rest resolved, in satisfaction callback or closed. Branches are
skewed (a few big ones), owners are the branch's staff or a center agent (hotline tickets), every ticket has a
resolution due time from its kind, ~1% are major. Numbers follow the service's shape, TK<yyyymmdd><id:07d>.

SLA clocks: one running resolution clock per open ticket (cycled until --timers clocks exist), next firing
spread over the next 30 days; stopped (met) clocks of closed tickets that the sweep's partial index skips; and,
at measurement time, clocks that are due now (due_timer_rows).
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SEED = 20261122
DEFAULT_TICKETS = 1_000_000
DEFAULT_TIMERS = 100_000
DEFAULT_STOPPED_TIMERS = 200_000
DEFAULT_CUSTOMERS = 5_000
DEFAULT_BRANCHES = 100
MONTHS = 24

KINDS = (("consultation", 40), ("complaint", 35), ("service_request", 15), ("suggestion", 8),
         ("regulator_referral", 2))
OPEN_STATUSES = (("new", 20), ("accepted", 20), ("dispatched", 15), ("in_progress", 35),
                 ("resolution_proposed", 10))
DONE_STATUSES = (("resolved", 3), ("satisfaction_callback", 2), ("closed", 85))
OPEN_SHARE = 0.10
CHANNELS = {
    "consultation": (("phone", 60), ("web_chat", 15), ("wechat", 15), ("branch", 5), ("email", 5)),
    "complaint": (("phone", 55), ("branch", 15), ("wechat", 10), ("web", 10), ("email", 10)),
    "service_request": (("phone", 50), ("branch", 30), ("wechat", 10), ("api", 10)),
    "suggestion": (("web", 40), ("phone", 30), ("wechat", 20), ("email", 10)),
    "regulator_referral": (("regulator", 100),),
}
# Resolution time by kind, in calendar hours (the SLA policies count business time; this is the order of it).
RESOLUTION_HOURS = {"consultation": 24, "complaint": 9, "service_request": 72, "suggestion": 168,
                    "regulator_referral": 168}
MAJOR_RESOLUTION_HOURS = 96
CATEGORY_CODES = ("service_attitude", "system_failure", "fees", "account", "product_suitability", "staff_conduct",
                  "information", "trading_rules", "other")
SUBJECTS = {
    "consultation": ("咨询新股申购额度", "咨询融资融券开通条件", "咨询佣金费率", "咨询科创板权限",
                     "咨询银证转账到账时间", "咨询分红到账", "咨询港股通开通"),
    "complaint": ("交易系统登录缓慢", "委托未成交", "佣金收取有误", "客户经理服务态度差", "理财产品风险未告知",
                  "行情软件闪退", "销户办理拖延"),
    "service_request": ("修改预留手机号", "重置交易密码", "办理销户", "更新身份证有效期", "开通创业板权限"),
    "suggestion": ("建议优化APP界面", "建议增加夜间客服", "建议简化开户流程"),
    "regulator_referral": ("12386转办：客户反映佣金问题", "证监局转办：适当性投诉", "交易所转办：异常交易咨询"),
}
TICKET_COLUMNS = (
    "id", "number", "kind", "category_id", "channel", "status", "priority", "subject", "description", "customer_id",
    "contact_name", "contact_phone", "contact_email", "branch_id", "owner_id", "created_by_id", "interaction_ref",
    "source_ref", "regulator_source", "regulator_ref", "regulator_deadline", "clients_involved", "is_major",
    "escalated_at", "first_response_due", "first_responded_at", "resolution_due", "resolution", "resolved_at",
    "satisfaction", "satisfaction_note", "closed_at", "reopen_count", "created_at", "updated_at",
)
TIMER_COLUMNS = ("id", "ticket_id", "kind", "state", "started_at", "warn_at", "due_at", "next_fire_at",
                 "stopped_at")
STATUS = TICKET_COLUMNS.index("status")
CREATED_AT = TICKET_COLUMNS.index("created_at")
RESOLUTION_DUE = TICKET_COLUMNS.index("resolution_due")


@dataclass(frozen=True)
class Org:
    """What the generator needs of the loaded organisation (ids from the database)."""

    branch_ids: tuple[int, ...]
    branch_weights: tuple[float, ...]
    branch_staff: dict[int, tuple[int, ...]]  # branch id -> staff ids
    agents: tuple[int, ...]  # center agents (hotline tickets' owners)
    customers: dict[int, tuple[int, ...]]  # branch id -> its clients' ids
    categories: dict[str, int]  # category code -> id


def branch_weights(n: int) -> tuple[float, ...]:
    """A long tail: branch k weighs 1/(k+1)^0.8 (the first few branches are several times the median)."""
    return tuple(1 / (k + 1) ** 0.8 for k in range(n))


def _cumulative(weighted) -> tuple[tuple, list[float]]:
    values, total, cumulative = [], 0.0, []
    for value, weight in weighted:
        total += weight
        values.append(value)
        cumulative.append(total)
    return tuple(values), cumulative


@dataclass
class Plan:
    tickets: int
    now: datetime  # aware, UTC
    seed: int = SEED
    counts: dict = field(default_factory=dict)


def ticket_rows(plan: Plan, org: Org):
    """Yield every ticket row (TICKET_COLUMNS order); open tickets' (id, resolution_due, created_at) are
    collected in plan.counts["open"] for the clocks."""
    rng = random.Random(plan.seed)
    now = plan.now
    kinds, kind_cum = _cumulative(KINDS)
    open_statuses, open_cum = _cumulative(OPEN_STATUSES)
    done_statuses, done_cum = _cumulative(DONE_STATUSES)
    channels = {k: _cumulative(v) for k, v in CHANNELS.items()}
    branches, branch_cum = _cumulative(zip(org.branch_ids, org.branch_weights, strict=True))
    span = MONTHS * 30 * 86400
    open_tickets: list[tuple] = []
    plan.counts["open"] = open_tickets
    choices = rng.choices
    for pk in range(1, plan.tickets + 1):
        kind = choices(kinds, cum_weights=kind_cum)[0]
        is_open = rng.random() < OPEN_SHARE
        if is_open:
            status = choices(open_statuses, cum_weights=open_cum)[0]
            # Most open tickets are days old; one in five has gone stale over the last two months.
            age = rng.uniform(0, 5 * 86400) if rng.random() < 0.8 else rng.uniform(0, 60 * 86400)
        else:
            status = choices(done_statuses, cum_weights=done_cum)[0]
            age = rng.uniform(2 * 86400, span)
        created = now - timedelta(seconds=int(age))
        branch = choices(branches, cum_weights=branch_cum)[0]
        channel = choices(*channels[kind])[0] if len(channels[kind][0]) > 1 else channels[kind][0][0]
        hotline = channel in ("phone", "web_chat", "wechat", "web", "email", "api")
        owner = rng.choice(org.agents) if hotline or not org.branch_staff.get(branch) else \
            rng.choice(org.branch_staff[branch])
        clients = org.customers.get(branch)
        customer = rng.choice(clients) if clients and rng.random() < 0.9 else None
        major = kind in ("complaint", "regulator_referral") and rng.random() < 0.028  # ~1% of all tickets
        hours = MAJOR_RESOLUTION_HOURS if major else RESOLUTION_HOURS[kind]
        resolution_due = created + timedelta(hours=hours)
        first_due = created + timedelta(minutes=60 if kind != "suggestion" else 240)
        responded = None if status == "new" else created + timedelta(minutes=rng.randint(1, 90))
        resolved = None
        closed = None
        satisfaction = None
        if not is_open:
            resolved = created + timedelta(hours=rng.uniform(0.2, hours * 1.3))
            if status == "closed":
                closed = resolved + timedelta(hours=rng.uniform(1, 72))
                satisfaction = rng.choices((1, 2, 3, 4, 5, None), weights=(3, 5, 12, 35, 35, 10))[0]
        regulator = kind == "regulator_referral"
        subject = rng.choice(SUBJECTS[kind])
        updated = closed or resolved or responded or created
        yield (
            pk, f"TK{created:%Y%m%d}{pk:07d}", kind,
            org.categories.get(rng.choice(CATEGORY_CODES)) if kind in ("complaint", "regulator_referral") else None,
            channel, status, "urgent" if major else ("high" if rng.random() < 0.08 else "normal"), subject,
            f"{subject}。客户来电反映情况，详见通话记录。", customer,
            "" if customer else "来电客户", "" if customer else f"1380000{pk % 10000:04d}", "",
            branch, owner, owner, f"CALL-{pk:09d}" if channel == "phone" else "", "",
            "12386" if regulator else "", f"CSRC-{pk}" if regulator else "",
            created + timedelta(days=15) if regulator else None,
            1, major, created + timedelta(minutes=5) if major else None,
            first_due, responded, resolution_due,
            "已向客户解释并处理完毕。" if resolved else "", resolved, satisfaction, "", closed, 0, created, updated,
        )
        if is_open:
            open_tickets.append((pk, created, resolution_due))


def running_timer_rows(plan: Plan, timers: int, first_id: int = 1) -> list[tuple]:
    """`timers` running resolution clocks on the open tickets (cycled), next firing over the next 30 days."""
    open_tickets = plan.counts["open"]
    if not open_tickets:
        return []
    rng = random.Random(plan.seed + 1)
    now = plan.now
    rows = []
    for i in range(timers):
        ticket_id, created, _ = open_tickets[i % len(open_tickets)]
        next_fire = now + timedelta(seconds=rng.randint(60, 30 * 86400))
        due = next_fire + timedelta(hours=1)
        rows.append((first_id + i, ticket_id, "resolution", "running", created, next_fire, due, next_fire, None))
    return rows


def stopped_timer_rows(plan: Plan, count: int, tickets: int, first_id: int) -> list[tuple]:
    """Met clocks of old tickets: rows the sweep must never read (next_fire_at is NULL)."""
    rng = random.Random(plan.seed + 2)
    now = plan.now
    rows = []
    for i in range(count):
        started = now - timedelta(seconds=rng.randint(3 * 86400, MONTHS * 30 * 86400))
        due = started + timedelta(hours=24)
        rows.append((first_id + i, rng.randint(1, tickets), "first_response", "met", started, None, due, None,
                     started + timedelta(minutes=30)))
    return rows


def due_timer_rows(open_tickets: list[tuple[int, datetime]], count: int, now: datetime, seed: int) -> list[tuple]:
    """`count` running clocks due now, without ids: half warnings (due later), half breaches (due already)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        ticket_id, created = open_tickets[rng.randrange(len(open_tickets))]
        fire = now - timedelta(seconds=rng.randint(1, 600))
        if i % 2:
            rows.append((ticket_id, "first_response", "running", created, fire, fire, fire))  # breach
        else:
            due = now + timedelta(hours=1)
            rows.append((ticket_id, "resolution", "running", created, fire, due, fire))  # warning
    return rows


DUE_TIMER_COLUMNS = ("ticket_id", "kind", "state", "started_at", "warn_at", "due_at", "next_fire_at")
