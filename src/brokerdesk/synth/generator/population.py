"""The clients: who they are, where they bank, when they opened, how rich and how active they are.

All attributes are NumPy arrays over clients in customer-number order, which is opening order: the
backfill's clients first, then the clients opened on the daily batch's day. Text (names, IDs, phones) is
built later, in master.py, from these arrays.
"""

import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import columns as col
from .org import Offices
from .streams import stream
from .timeline import Timeline, history_trading_days

KINDS = ("person", "institution", "corporate", "product")
PERSON, INSTITUTION, CORPORATE, PRODUCT = range(4)
CLASSES = ("institutional", "corporate", "hnw", "mass")
INSTITUTIONAL, CORPORATE_CLASS, HNW, MASS = range(4)
STATUSES = ("normal", "dormant", "frozen", "closed")
NORMAL, DORMANT, FROZEN, CLOSED = range(4)
ID_TYPES = ("resident_id", "uscc", "passport", "hk_macau_permit", "other")
RESIDENT_ID, USCC, PASSPORT, HK_MACAU, OTHER = range(5)
BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "兴业银行", "中信银行",
         "民生银行", "平安银行", "光大银行")
BANK_WEIGHTS = np.array([18, 16, 12, 12, 8, 12, 5, 5, 4, 3, 3, 2], dtype=float)
PERMISSIONS = ("chinext", "star", "bse", "margin", "options", "hk_connect", "delisting", "bond_qualified")

NEVER = np.iinfo(np.int32).max  # "no such date"
CUSTOMER_BASE = 3_100_000_000  # customer numbers are 10 digits: 31 + an 8-digit serial
TRADES_PER_CLIENT_DAY = 0.1333  # 3M clients x 250 days -> about 100M trades
NEW_CLIENT_SHARE = 0.0005  # opened on the daily batch's day
HNW_ASSETS = 1_000_000.0
ADULT_DAYS = 6576  # 18 years, leap days included
BOOMS = (  # account-opening waves: (from, to, factor)
    (date(2014, 11, 1), date(2015, 6, 15), 4.0),
    (date(2020, 7, 1), date(2021, 2, 28), 2.0),
    (date(2024, 9, 24), date(2024, 11, 30), 5.0),
    (date(2025, 1, 1), date(2026, 12, 31), 1.5),
)
# Permission: (launch date, minimum assets, minimum months since opening, share of eligible clients holding it)
PERMISSION_RULES = {
    "chinext": (date(2009, 10, 30), 100_000, 24, 0.85),
    "star": (date(2019, 7, 22), 500_000, 24, 0.55),
    "bse": (date(2021, 11, 15), 500_000, 24, 0.25),
    "margin": (date(2010, 3, 31), 500_000, 6, 0.30),
    "options": (date(2015, 2, 9), 500_000, 6, 0.05),
    "hk_connect": (date(2014, 11, 17), 500_000, 6, 0.15),
    "delisting": (date(2020, 12, 31), 500_000, 24, 0.04),
    "bond_qualified": (date(2013, 1, 1), 300_000, 0, 0.10),
}
RISK_BANDS = ((1, 19), (20, 36), (37, 53), (54, 82), (83, 100))  # C1..C5 questionnaire scores


@dataclass
class Risk:
    """Suitability assessments, one row each (several per client), and each client's latest level."""

    client: np.ndarray  # int64 client index
    assessed: np.ndarray  # int32 day number
    level: np.ndarray  # int8 0..4 = C1..C5
    score: np.ndarray  # int64
    lowest: np.ndarray  # bool
    latest_level: np.ndarray  # per client
    latest_assessed: np.ndarray  # per client


@dataclass
class Permissions:
    """Grants and revocations, one row each."""

    client: np.ndarray
    permission: np.ndarray  # int8 index into PERMISSIONS
    grant: np.ndarray  # bool: grant or revoke
    day: np.ndarray  # int32 day number
    gate_from: dict[str, np.ndarray]  # per client, for chinext/star/bse: granted from (NEVER if not)
    gate_until: dict[str, np.ndarray]  # per client: revoked from (NEVER if not)


@dataclass
class Population:
    n: int  # clients in the backfill
    n_new: int  # clients opened on the daily batch's day
    kind: np.ndarray
    office: np.ndarray
    province: np.ndarray
    city: np.ndarray
    opened: np.ndarray  # day number
    closed: np.ndarray  # day number or NEVER
    status: np.ndarray  # as of the backfill's business date
    birth: np.ndarray  # day number (persons)
    male: np.ndarray
    id_type: np.ndarray
    assets: np.ndarray  # CNY at the start of the window (or first deposit for clients opened inside it)
    cash_share: np.ndarray
    client_class: np.ndarray
    professional: np.ndarray
    never_traded: np.ndarray
    trade_rate: np.ndarray  # expected trades per trading day
    transfer_rate: np.ndarray  # expected bank transfers per trading day
    beta: np.ndarray
    sigma: np.ndarray
    commission: np.ndarray  # rate in 1/100000 of traded value
    min_commission: np.ndarray  # cents
    bank: np.ndarray
    permissions: Permissions | None = None
    _risk_inputs: tuple | None = None
    _risk: Risk | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def risk(self) -> Risk:
        """Risk assessments, built on first use (in whichever thread needs them first: same result)."""
        with self._lock:
            if self._risk is None:
                self._risk = _risk(*self._risk_inputs)
            return self._risk

    @property
    def total(self) -> int:
        return self.n + self.n_new

    @property
    def serial(self) -> np.ndarray:
        return np.arange(self.total, dtype=np.int64)

    @property
    def customer_numbers(self) -> np.ndarray:
        """(n, 10) byte matrix of customer numbers."""
        return col.digits(CUSTOMER_BASE + self.serial, 10)


def _day(d: date) -> int:
    return col.day_number(d)


def _pick_days(rng: np.random.Generator, days: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A trading day in [low, high] for each row, uniformly among the trading days `days` (sorted).

    Where no trading day fits, the first trading day on or after low (capped at the last day) is used.
    """
    i0 = np.searchsorted(days, low, side="left")
    i1 = np.searchsorted(days, high, side="right")
    span = np.maximum(i1 - i0, 1)
    index = np.minimum(i0 + (rng.random(len(low)) * span).astype(np.int64), len(days) - 1)
    return days[index]


def build_population(seed: int, customers: int, tl: Timeline, offices: Offices) -> Population:
    rng = stream(seed, "population")
    n_new = max(3, round(customers * NEW_CLIENT_SHARE))
    total = customers + n_new
    business = _day(tl.business_date)
    daily = _day(tl.daily_date)
    history = history_trading_days(tl.business_date)

    kind = rng.choice(4, total, p=[0.985, 0.002, 0.011, 0.002]).astype(np.int8)
    person = kind == PERSON

    # Birth dates 1940-2006 (no one younger than 18 on the business date), most born 1960-1995.
    lo, hi = _day(date(1940, 1, 1)), min(_day(date(2006, 12, 31)), business - ADULT_DAYS - 1)
    birth = (rng.normal(1979.0, 12.5, total) - 1970.0) * 365.25
    outside = (birth < lo) | (birth > hi)
    birth[outside] = rng.uniform(lo, hi, int(outside.sum()))
    birth = birth.astype(np.int32)
    male = rng.random(total) < 0.53

    # Opening dates over 15 years, in waves; never before the 18th birthday.
    years = (history - history[0]) / 365.25
    weight = 1.0 + 0.08 * years
    for start, end, factor in BOOMS:
        weight[(history >= _day(start)) & (history <= _day(end))] *= factor
    cdf = np.cumsum(weight)
    opened = history[np.searchsorted(cdf, rng.random(total) * cdf[-1], side="right").clip(0, len(history) - 1)]
    too_young = person & (opened < birth + ADULT_DAYS)
    opened[too_young] = _pick_days(rng, history, birth[too_young] + ADULT_DAYS,
                                   np.full(int(too_young.sum()), business))
    opened[customers:] = daily

    # Customer numbers follow opening order.
    order = np.concatenate([np.argsort(opened[:customers], kind="stable"), np.arange(customers, total)])
    kind, birth, male, opened = kind[order], birth[order], male[order], opened[order]
    person = kind == PERSON

    office = rng.choice(len(offices), total, p=offices.weight).astype(np.int16)
    province = offices.province[office]
    city = offices.city[office]

    id_type = np.where(person, RESIDENT_ID, np.where(kind == PRODUCT, OTHER, USCC)).astype(np.int8)
    foreign = person & (rng.random(total) < 0.025)
    id_type[foreign] = np.where(rng.random(int(foreign.sum())) < 0.8, HK_MACAU, PASSPORT)

    # Status on the business date: closed, dormant (no trades for a year or more), frozen, normal.
    backfill = np.arange(total) < customers
    status = np.full(total, NORMAL, dtype=np.int8)
    closed = np.full(total, NEVER, dtype=np.int32)
    closing = backfill & (rng.random(total) < 0.02) & (opened < business - 90)
    closed[closing] = _pick_days(rng, history[:-1], opened[closing] + 60, np.full(int(closing.sum()), business - 1))
    status[closing] = CLOSED
    eligible = backfill & ~closing & (opened <= business - 400) & (kind != INSTITUTION) & (kind != PRODUCT)
    dormant_p = min(0.5, 0.08 * customers / max(1, int(eligible.sum())))
    status[eligible & (rng.random(total) < dormant_p)] = DORMANT
    status[(status == NORMAL) & backfill & (rng.random(total) < 0.003)] = FROZEN
    recent = opened >= business - 365
    never_traded = (status == NORMAL) & person & (rng.random(total) < np.where(recent, 0.22, 0.035))

    # Assets: lognormal by kind with a Pareto high-net-worth tail; empty and near-empty accounts.
    assets = np.select(
        [person, kind == CORPORATE, kind == INSTITUTION],
        [rng.lognormal(np.log(50_000), 1.5, total), rng.lognormal(np.log(1_500_000), 1.6, total),
         rng.lognormal(np.log(80_000_000), 1.3, total)],
        rng.lognormal(np.log(30_000_000), 1.2, total))
    tail = person & (rng.random(total) < 0.006)
    assets[tail] = 3_000_000 * (1 + rng.pareto(1.2, int(tail.sum())))
    assets = np.minimum(assets, 2e9)
    dormant = status == DORMANT
    assets[dormant] *= 0.03
    assets[dormant & (rng.random(total) < 0.4)] = 0.0
    empty = person & (status == NORMAL) & (rng.random(total) < np.where(never_traded, 0.5, 0.05))
    assets[empty] = 0.0
    assets = np.round(assets, 2)
    cash_share = np.where(never_traded, 1.0, rng.beta(2.0, 5.0, total))

    client_class = np.select([(kind == INSTITUTION) | (kind == PRODUCT), kind == CORPORATE, assets >= HNW_ASSETS],
                             [INSTITUTIONAL, CORPORATE_CLASS, HNW], MASS).astype(np.int8)
    professional = (kind == INSTITUTION) | (kind == PRODUCT)
    professional |= (kind == CORPORATE) & (assets >= 20_000_000) & (rng.random(total) < 0.7)
    professional |= person & (assets >= 5_000_000) & (rng.random(total) < 0.5)
    professional |= person & (assets >= 3_000_000) & (rng.random(total) < 0.15)

    # Activity: heavy-tailed trade frequency (most trade a few times a month, some every day).
    trade_rate = rng.lognormal(np.log(0.07), 1.3, total)
    trade_rate[assets < 10_000] *= 0.35
    trade_rate[~person] *= 3.0
    trade_rate = np.minimum(trade_rate, 40.0)
    trade_rate[(status != NORMAL) | never_traded | (assets <= 0)] = 0.0
    transfer_rate = 0.012 * rng.lognormal(0.0, 0.7, total)
    transfer_rate[assets <= 0] = 0.002
    transfer_rate[(status == DORMANT) | (status == FROZEN)] = 0.0
    trade_rate *= _trade_scale(trade_rate, opened, closed, tl, customers)

    commission = rng.choice(np.array([8, 10, 15, 20, 25, 30]), total, p=[0.1, 0.2, 0.25, 0.2, 0.15, 0.1])
    commission = np.where(assets >= HNW_ASSETS, np.minimum(commission, 10), commission).astype(np.int64)
    min_commission = np.where(rng.random(total) < 0.7, 500, 0).astype(np.int64)

    pop = Population(
        n=customers, n_new=n_new, kind=kind, office=office, province=province, city=city, opened=opened,
        closed=closed, status=status, birth=birth, male=male, id_type=id_type, assets=assets,
        cash_share=cash_share, client_class=client_class, professional=professional, never_traded=never_traded,
        trade_rate=trade_rate, transfer_rate=transfer_rate,
        beta=rng.normal(1.0, 0.25, total), sigma=rng.uniform(0.004, 0.02, total),
        commission=commission, min_commission=min_commission,
        bank=rng.choice(len(BANKS), total, p=BANK_WEIGHTS / BANK_WEIGHTS.sum()).astype(np.int8),
    )
    pop._risk_inputs = (stream(seed, "risk"), pop, history, business, daily)
    pop.permissions = _permissions(stream(seed, "permissions"), pop, history, business)
    return pop


def _trade_scale(rate, opened, closed, tl: Timeline, customers: int) -> float:
    """Scale trade rates so the backfill holds about TRADES_PER_CLIENT_DAY trades per client and day."""
    window = tl.day_numbers[:-1]
    start = np.searchsorted(window, opened, side="left")
    end = np.searchsorted(window, closed, side="left")
    active = np.maximum(end - start, 0)
    expected = float(np.dot(rate[:customers], active[:customers]))
    target = TRADES_PER_CLIENT_DAY * customers * len(window)
    return target / expected if expected > 0 else 0.0


def _risk(rng, pop: Population, history: np.ndarray, business: int, daily: int) -> Risk:
    total = pop.total
    level = rng.choice(5, total, p=[0.05, 0.15, 0.35, 0.30, 0.15]).astype(np.int8)
    level = np.where(pop.trade_rate > 0.5, np.minimum(level + (rng.random(total) < 0.5), 4), level).astype(np.int8)
    level[(pop.kind == INSTITUTION) | (pop.kind == PRODUCT)] = 4
    level[pop.kind == CORPORATE] = np.maximum(level[pop.kind == CORPORATE], 3)
    lowest = (pop.kind == PERSON) & (rng.random(total) < 0.01)
    level[lowest] = 0

    # Latest assessment: within two years for most, older (expired) for about 10% of all clients.
    age_limit = np.maximum(business - pop.opened, 0)
    old = age_limit > 760
    expired = old & (rng.random(total) < min(0.6, 0.10 * pop.n / max(1, int(old[: pop.n].sum()))))
    u = rng.random(total)
    age = np.where(expired, 731 + u * (np.clip(age_limit, 731, 1800) - 731), u * np.minimum(730, age_limit))
    age = age.astype(np.int64)
    latest = _snap_down(history, business - age)
    latest = np.maximum(latest, pop.opened)
    latest[pop.n:] = daily

    # Earlier assessments every one to two years back to opening.
    prev1 = _snap_down(history, latest - rng.integers(365, 731, total))
    prev2 = _snap_down(history, prev1 - rng.integers(365, 731, total))
    keep1 = prev1 >= pop.opened
    keep2 = keep1 & (prev2 >= pop.opened)
    first = keep1 & ~keep2 & (prev1 > pop.opened + 180)  # the opening assessment, if not already there
    first |= ~keep1 & (latest > pop.opened + 180)
    # Rows per client in date order: opening assessment, two earlier ones, the latest (a client-major
    # matrix flattened where present: no sort needed).
    present = np.stack([first, keep2, keep1, np.ones(total, bool)], axis=1)
    dates = np.stack([pop.opened, prev2, prev1, latest], axis=1)
    client = np.repeat(np.arange(total), present.sum(axis=1))
    day = dates[present].astype(np.int32)
    is_latest = np.zeros((total, 4), dtype=bool)
    is_latest[:, 3] = True
    is_latest = is_latest[present]
    drift = np.where(is_latest, 0, rng.integers(-1, 2, len(client), dtype=np.int8))  # earlier levels vary
    lvl = np.clip(level[client] + drift, 0, 4).astype(np.int8)
    low = is_latest & lowest[client]
    bands = np.array(RISK_BANDS)
    score = rng.integers(bands[lvl, 0], bands[lvl, 1] + 1)
    score[low] = 0
    return Risk(client=client, assessed=day, level=lvl, score=score, lowest=low, latest_level=level,
                latest_assessed=latest)


def _snap_down(history: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The last trading day on or before each day (the first history day if none), by table lookup."""
    low, high = int(history[0]), int(history[-1])
    table = history[np.maximum(np.searchsorted(history, np.arange(low, high + 1), side="right") - 1, 0)]
    return table[np.clip(np.asarray(days, dtype=np.int64) - low, 0, high - low)].astype(np.int32)


def _permissions(rng, pop: Population, history: np.ndarray, business: int) -> Permissions:
    total = pop.total
    backfill = (np.arange(total) < pop.n) & (pop.status != CLOSED)
    institutional = pop.kind != PERSON
    clients, perms, grants, days = [], [], [], []
    gate_from, gate_until = {}, {}
    for index, name in enumerate(PERMISSIONS):
        launch, min_assets, months, share = PERMISSION_RULES[name]
        earliest = np.maximum(pop.opened + months * 30, _day(launch))
        # Assets are today's: clients qualified when they applied, often with more or less than now.
        eligible = backfill & (pop.assets >= min_assets * 0.5) & (earliest <= business)
        share_ = np.where(institutional, min(0.9, share * 1.5), share)
        holders = np.flatnonzero(eligible & (rng.random(total) < share_))
        granted = _pick_days(rng, history, earliest[holders], np.full(len(holders), business))
        revoked_mask = rng.random(len(holders)) < 0.03
        revoked_on = _pick_days(rng, history, granted + 30, np.full(len(holders), business))
        revoked_mask &= revoked_on > granted
        start = np.full(total, NEVER, dtype=np.int32)
        until = np.full(total, NEVER, dtype=np.int32)
        start[holders] = granted
        until[holders[revoked_mask]] = revoked_on[revoked_mask]
        gate_from[name], gate_until[name] = start, until
        clients += [holders, holders[revoked_mask]]
        perms += [np.full(len(holders), index, np.int8), np.full(int(revoked_mask.sum()), index, np.int8)]
        grants += [np.ones(len(holders), bool), np.zeros(int(revoked_mask.sum()), bool)]
        days += [granted, revoked_on[revoked_mask]]
    client = np.concatenate(clients)
    perm = np.concatenate(perms)
    grant = np.concatenate(grants)
    day = np.concatenate(days).astype(np.int32)
    order = np.lexsort((day, perm, client))
    return Permissions(client=client[order], permission=perm[order], grant=grant[order], day=day[order],
                       gate_from=gate_from, gate_until=gate_until)
