"""Client master data as contract tables: customers, accounts, risk assessments and permission changes, for
the backfill (everything up to the business date) and for the daily batch (that day's changes)."""

import threading
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerdesk.intake.contract import ENTITY_BY_NAME

from . import columns as col
from . import identities as ids
from .org import Offices
from .population import CLASSES as CLIENT_CLASSES
from .population import (
    CLOSED,
    CORPORATE,
    DORMANT,
    FROZEN,
    HK_MACAU,
    ID_TYPES,
    INSTITUTION,
    KINDS,
    NEVER,
    NORMAL,
    PASSPORT,
    PERMISSION_RULES,
    PERMISSIONS,
    PERSON,
    PRODUCT,
    RESIDENT_ID,
    RISK_BANDS,
    STATUSES,
    USCC,
    Population,
)
from .streams import stream
from .timeline import Timeline

RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
ACCOUNT_STATUS = ("normal", "frozen", "closed")
CURRENCIES = ("CNY", "USD", "HKD")


@dataclass
class DailyChanges:
    """What changes on the daily batch's day besides new clients."""

    mobile: np.ndarray  # clients with a new mobile
    mobile_serial: np.ndarray  # their new mobile serials
    address: np.ndarray  # clients who moved
    frozen: np.ndarray  # normal -> frozen
    unfrozen: np.ndarray  # frozen -> normal
    closed: np.ndarray  # closed on the day (all assets transferred out)
    reactivated: np.ndarray  # dormant -> normal (they trade again)
    granted: np.ndarray  # (client, permission index) pairs granted on the day
    granted_permission: np.ndarray
    revoked: np.ndarray
    revoked_permission: np.ndarray

    @property
    def changed_customers(self) -> np.ndarray:
        return np.unique(np.concatenate([self.mobile, self.address, self.frozen, self.unfrozen, self.closed,
                                         self.reactivated]))


class CustomerText:
    """Customer numbers at once; names, documents, phones, emails and addresses on first use (built by
    whichever thread needs them first, under a lock: the same text either way)."""

    def __init__(self, seed: int, pop: Population):
        self.seed = seed
        self.pop = pop
        self.customer_no = col.FixedText(pop.customer_numbers)
        serials = ids.mobile_serials(stream(seed, "mobiles"), pop.total + max(16, pop.total // 1000))
        self._serials = serials[: pop.total]
        self.mobile_serials = serials[pop.total:]  # unused, for clients who change their mobile
        self._lock = threading.Lock()
        self._text: dict[str, pa.Array] | None = None

    def _get(self, name: str) -> pa.Array:
        with self._lock:
            if self._text is None:
                self._text = _customer_text(self.seed, self.pop, self._serials)
            return self._text[name]

    name = property(lambda self: self._get("name"))
    id_number = property(lambda self: self._get("id_number"))
    mobile = property(lambda self: self._get("mobile"))
    phone = property(lambda self: self._get("phone"))
    email = property(lambda self: self._get("email"))
    address = property(lambda self: self._get("address"))


def _pick(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    count = min(count, len(pool))
    return np.sort(rng.choice(pool, count, replace=False)) if count else np.zeros(0, dtype=np.int64)


def daily_changes(seed: int, pop: Population, tl: Timeline, spare_mobiles: np.ndarray) -> DailyChanges:
    rng = stream(seed, "daily-changes")
    n = pop.n
    daily = col.day_number(tl.daily_date)
    idx = np.arange(n)
    live = idx[pop.status[:n] != CLOSED]
    size = max(2, round(n * 0.0004))
    changed = _pick(rng, live, size)
    kind = rng.random(len(changed))
    status = pop.status[changed]
    mobile = changed[kind < 0.45]
    address = changed[(kind >= 0.45) & (kind < 0.80)]
    frozen = changed[(kind >= 0.80) & (kind < 0.90) & (status == NORMAL)]
    unfrozen = _pick(rng, idx[pop.status[:n] == FROZEN], max(1, round(n * 0.00002)))
    closed = changed[(kind >= 0.90) & (status == NORMAL)]
    reactivated = _pick(rng, idx[pop.status[:n] == DORMANT], max(1, round(n * 0.0001)))
    reactivated = np.setdiff1d(reactivated, changed)
    unfrozen = np.setdiff1d(unfrozen, changed)

    # Permission grants (to eligible clients without it) and revocations (from holders).
    grants_c, grants_p, revokes_c, revokes_p = [], [], [], []
    gates = pop.permissions
    for index, name in enumerate(PERMISSIONS):
        _, min_assets, months, share = PERMISSION_RULES[name]
        holding = (gates.gate_from[name][:n] != NEVER) & (gates.gate_until[name][:n] == NEVER)
        never_had = gates.gate_from[name][:n] == NEVER
        eligible = live[never_had[live] & (pop.assets[live] >= min_assets) & (pop.opened[live] + months * 30 <= daily)
                        & (pop.status[live] == NORMAL)]
        granted = _pick(rng, eligible, max(1, round(n * 0.0002 * share)))
        granted = np.setdiff1d(granted, closed)
        revoked = _pick(rng, live[holding[live]], max(0, round(n * 0.00001)))
        grants_c.append(granted)
        grants_p.append(np.full(len(granted), index, dtype=np.int8))
        revokes_c.append(revoked)
        revokes_p.append(np.full(len(revoked), index, dtype=np.int8))
        # From the daily batch's day on, the gates are open (or shut) for trading.
        gates.gate_from[name][granted] = daily
        gates.gate_until[name][granted] = NEVER
        gates.gate_until[name][revoked] = daily
    return DailyChanges(
        mobile=mobile, mobile_serial=spare_mobiles[: len(mobile)], address=address, frozen=frozen,
        unfrozen=unfrozen, closed=closed, reactivated=reactivated,
        granted=np.concatenate(grants_c), granted_permission=np.concatenate(grants_p),
        revoked=np.concatenate(revokes_c), revoked_permission=np.concatenate(revokes_p),
    )


def customer_text(seed: int, pop: Population) -> CustomerText:
    return CustomerText(seed, pop)


def _customer_text(seed: int, pop: Population, serials: np.ndarray) -> dict[str, pa.Array]:
    rng = stream(seed, "customer-text")
    total = pop.total
    kind = pop.kind
    person = kind == PERSON
    serial = np.arange(total, dtype=np.int64)

    # Names: people, then companies, institutions and products in their rows.
    name = col.spread(ids.chinese_names(rng, pop.male[person]), person)
    others = np.flatnonzero(~person)
    parts = {CORPORATE: lambda m: ids.corporate_names(rng, pop.city[m]),
             INSTITUTION: lambda m: ids.institution_names(rng, len(m)),
             PRODUCT: lambda m: ids.product_names(rng, len(m))}
    name = col.fill(name, ~person, _in_row_order(others, kind[others], parts))

    # Documents: resident IDs for most people; USCC, passports, HK/Macau permits, fund filing codes.
    region = ids.region_codes(rng, pop.province)
    resident = pop.id_type == RESIDENT_ID
    rows = np.flatnonzero(resident)
    id_number = col.spread(col.fixed_text(ids.resident_ids(rng, region[rows], pop.birth[rows], pop.male[rows])),
                           resident)
    others = np.flatnonzero(~resident)
    parts = {USCC: lambda m: col.fixed_text(ids.usccs(serial[m], region[m])),
             PASSPORT: lambda m: col.fixed_text(col.text_matrix("E", col.digits(_scramble(serial[m], 10**8), 8))),
             HK_MACAU: lambda m: col.fixed_text(col.text_matrix("H", col.digits(_scramble(serial[m], 10**10), 10))),
             len(ID_TYPES) - 1: lambda m: col.fixed_text(ids.amac_codes(serial[m]))}
    id_number = col.fill(id_number, ~resident, _in_row_order(others, pop.id_type[others], parts))

    has_mobile = rng.random(total) < np.where(person, 0.97, np.where(kind == CORPORATE, 0.6, 0.3))
    mobile = col.spread(col.fixed_text(ids.mobiles(serials[:total][has_mobile])), has_mobile)
    has_phone = rng.random(total) < np.where(person, 0.15, 0.8)
    phone = col.spread(ids.landlines(rng, pop.city[has_phone]), has_phone)
    has_email = rng.random(total) < np.where(person, 0.35, 0.7)
    email = col.spread(ids.emails(rng, int(has_email.sum())), has_email)
    has_address = rng.random(total) < np.where(person, 0.92, 1.0)
    with_room = (person & (rng.random(total) < 0.8))[has_address]
    address = col.spread(ids.addresses(rng, pop.city[has_address], with_room), has_address)
    return {"name": name, "id_number": id_number, "mobile": mobile, "phone": phone, "email": email,
            "address": address}


def _in_row_order(rows: np.ndarray, group: np.ndarray, builders: dict) -> pa.Array:
    """Values for `rows` built group by group (builders[g](rows of group g)), returned in row order."""
    pieces, positions = [], []
    for g, build in builders.items():
        members = np.flatnonzero(group == g)
        if len(members):
            pieces.append(build(rows[members]))
            positions.append(members)
    if not pieces:
        return pa.array([], pa.string())
    order = np.argsort(np.concatenate(positions), kind="stable")
    return pa.concat_arrays([p.cast(pa.string()) for p in pieces]).take(pa.array(order))


def _scramble(serial: np.ndarray, modulus: int) -> np.ndarray:
    """A bijection of serials onto [0, modulus): distinct serials give distinct numbers."""
    return (np.asarray(serial, dtype=np.int64) * 7_777_777 + 1_234_567) % modulus


def _rows(array: pa.Array, rows: np.ndarray | slice) -> pa.Array:
    if isinstance(rows, slice):
        return array.slice(rows.start, rows.stop - rows.start)
    return array.take(pa.array(rows))


def customers_table(pop: Population, text: CustomerText, offices: Offices, rows: np.ndarray | slice,
                    status: np.ndarray, closed: np.ndarray, mobile: pa.Array | None = None,
                    address: pa.Array | None = None) -> pa.Table:
    """Customer rows for the clients `rows` (with their status and closing day as given)."""
    index = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows
    has_closed = closed != NEVER
    return col.table(ENTITY_BY_NAME["customers"], {
        "customer_no": text.customer_no.text(index),
        "kind": col.codes_text(pop.kind[rows], KINDS),
        "client_class": col.codes_text(pop.client_class[rows], CLIENT_CLASSES),
        "name": _rows(text.name, rows),
        "id_type": col.codes_text(pop.id_type[rows], ID_TYPES),
        "id_number": _rows(text.id_number, rows),
        "mobile": mobile if mobile is not None else _rows(text.mobile, rows),
        "phone": _rows(text.phone, rows),
        "email": _rows(text.email, rows),
        "address": address if address is not None else _rows(text.address, rows),
        "branch_code": col.codes_text(pop.office[rows], offices.codes),
        "opened_on": col.dates(pop.opened[rows]),
        "closed_on": col.dates(np.where(has_closed, closed, 0), mask=has_closed),
        "status": col.codes_text(status, STATUSES),
        "investor_category": col.codes_text(pop.professional[rows].astype(np.int8), ("ordinary", "professional")),
    })


def backfill_customers(pop: Population, text: CustomerText, offices: Offices) -> pa.Table:
    rows = slice(0, pop.n)
    return customers_table(pop, text, offices, rows, pop.status[rows], pop.closed[rows])


def daily_customers(seed: int, pop: Population, text: CustomerText, offices: Offices, changes: DailyChanges,
                    tl: Timeline) -> pa.Table:
    """The changed clients (full rows, as they are after the day), then the day's new clients."""
    rng = stream(seed, "daily-customer-text")
    daily = col.day_number(tl.daily_date)
    changed = changes.changed_customers
    rows = np.concatenate([changed, np.arange(pop.n, pop.total)])
    status = pop.status[rows].copy()
    closed = pop.closed[rows].copy()
    status[np.isin(rows, changes.frozen)] = FROZEN
    status[np.isin(rows, changes.unfrozen)] = NORMAL
    status[np.isin(rows, changes.reactivated)] = NORMAL
    is_closed = np.isin(rows, changes.closed)
    status[is_closed] = CLOSED
    closed[is_closed] = daily
    mobile = text.mobile.take(pa.array(rows))
    new_mobile = np.isin(rows, changes.mobile)
    order = np.searchsorted(changes.mobile, rows[new_mobile])
    mobile = col.fill(mobile, new_mobile, col.fixed_text(ids.mobiles(changes.mobile_serial[order])))
    address = text.address.take(pa.array(rows))
    moved = np.isin(rows, changes.address)
    address = col.fill(address, moved, ids.addresses(rng, pop.city[rows[moved]], np.ones(int(moved.sum()), bool)))
    return customers_table(pop, text, offices, rows, status, closed, mobile=mobile, address=address)


def account_plan(seed: int, pop: Population) -> dict[str, np.ndarray]:
    """Which clients hold which accounts, fixed once for both batches."""
    rng = stream(seed, "accounts")
    total = pop.total
    person = pop.kind == PERSON
    sz = rng.random(total) < 0.97
    sh = (rng.random(total) < 0.98) | ~sz
    usd = rng.random(total) < np.where(person, 0.01, 0.05)  # B-share capital accounts
    hkd = rng.random(total) < np.where(person, 0.005, 0.03)
    return {"sh": sh, "sz": sz, "usd": usd, "hkd": hkd}


def _account_status(customer_status: np.ndarray) -> np.ndarray:
    return np.select([customer_status == CLOSED, customer_status == FROZEN], [2, 1], 0).astype(np.int8)


def accounts_table(pop: Population, text: CustomerText, plan: dict, clients: np.ndarray,
                   customer_status: np.ndarray, bse_opened: np.ndarray, regular: bool = True) -> pa.Table:
    """The accounts of `clients`: capital accounts (CNY, and USD/HKD for B shares), SH and SZ shareholder
    accounts (opened with the client), and a BJ shareholder account where bse_opened (the day the BSE
    permission was granted) is not NEVER. regular=False gives the BJ accounts only.

    Rows come out grouped by client in a fixed account order, built in place (no sort)."""
    n = len(clients)
    serial = clients.astype(np.int64)
    ones = np.ones(n, dtype=bool)
    zeros = np.zeros(n, dtype=bool)
    has = np.stack([
        ones if regular else zeros,
        plan["usd"][clients] & regular,
        plan["hkd"][clients] & regular,
        plan["sh"][clients] & regular,
        plan["sz"][clients] & regular,
        bse_opened != NEVER,
    ], axis=1)
    rank = np.cumsum(has, axis=1) - 1
    start = np.zeros(n, dtype=np.int64)
    np.cumsum(has.sum(axis=1)[:-1], out=start[1:])
    total = int(has.sum())
    account_type = np.empty(total, dtype=np.int8)
    market = np.zeros(total, dtype=np.int8)
    currency = np.zeros(total, dtype=np.int8)
    owner = np.empty(total, dtype=np.int64)
    opened = np.empty(total, dtype=np.int32)
    number = np.zeros((total, 13), dtype=np.uint8)
    length = np.empty(total, dtype=np.int32)
    office = pop.office[clients].astype(np.int64) + 1
    for group in range(6):
        mask = has[:, group]
        at = start[mask] + rank[mask, group]
        owner[at] = clients[mask]
        s = serial[mask]
        if group < 3:  # capital account: office, currency digit, serial
            account_type[at], market[at], currency[at] = 0, -1, group
            digits = col.text_matrix(col.digits(office[mask], 4), col.digits(np.full(len(s), group), 1),
                                     col.digits(s, 8))
            opened[at] = pop.opened[clients[mask]]
        else:
            prefix, width, multiplier = (("A", 9, 7_654_321), ("00", 8, 3_456_789), ("08", 8, 1_234_567))[group - 3]
            account_type[at], market[at] = 1, group - 3
            digits = col.text_matrix(prefix, col.digits((s * multiplier + 97_531) % 10**width, width), rows=len(s))
            opened[at] = bse_opened[mask] if group == 5 else pop.opened[clients[mask]]
        number[at, : digits.shape[1]] = digits
        length[at] = digits.shape[1]
    status = _account_status(np.repeat(customer_status, has.sum(axis=1)))
    return col.table(ENTITY_BY_NAME["accounts"], {
        "account_type": col.codes_text(account_type, ("capital", "shareholder")),
        "market": col.codes_text(np.maximum(market, 0), ("SH", "SZ", "BJ"), mask=market >= 0),
        "account_no": col.padded_text(number, length),
        "customer_no": text.customer_no.text(owner),
        "currency": col.codes_text(currency, CURRENCIES),
        "opened_on": col.dates(opened),
        "status": col.codes_text(status, ACCOUNT_STATUS),
    })


def backfill_accounts(pop: Population, text: CustomerText, plan: dict, tl: Timeline) -> pa.Table:
    clients = np.arange(pop.n)
    business = col.day_number(tl.business_date)
    bse = pop.permissions.gate_from["bse"][: pop.n]
    return accounts_table(pop, text, plan, clients, pop.status[clients], np.where(bse <= business, bse, NEVER))


def daily_accounts(pop: Population, text: CustomerText, plan: dict, changes: DailyChanges, tl: Timeline) -> pa.Table:
    """New clients' accounts, all accounts of clients whose status changed (with the new status), and BJ
    accounts opened with a BSE permission granted on the day."""
    daily = col.day_number(tl.daily_date)
    business = col.day_number(tl.business_date)
    changed = np.unique(np.concatenate([changes.frozen, changes.unfrozen, changes.closed]))
    status = pop.status[changed].copy()
    status[np.isin(changed, changes.frozen)] = FROZEN
    status[np.isin(changed, changes.unfrozen)] = NORMAL
    status[np.isin(changed, changes.closed)] = CLOSED
    bse = pop.permissions.gate_from["bse"]
    new = np.arange(pop.n, pop.total)
    main = accounts_table(pop, text, plan, np.concatenate([changed, new]),
                          np.concatenate([status, pop.status[new]]),
                          np.where(bse[np.concatenate([changed, new])] <= business,
                                   bse[np.concatenate([changed, new])], NEVER))
    granted = np.setdiff1d(np.flatnonzero(bse == daily), changed)
    if len(granted):
        bj = accounts_table(pop, text, plan, granted, pop.status[granted], np.full(len(granted), daily, np.int32),
                            regular=False)
        main = pa.concat_tables([main, bj])
    return main


def risk_table(pop: Population, text: CustomerText, rows: np.ndarray) -> pa.Table:
    risk = pop.risk
    return col.table(ENTITY_BY_NAME["risk_assessments"], {
        "customer_no": text.customer_no.text(risk.client[rows]),
        "assessed_on": col.dates(risk.assessed[rows]),
        "risk_level": col.codes_text(risk.level[rows], RISK_LEVELS),
        "score": col.integers(risk.score[rows]),
        "lowest_category": col.booleans(risk.lowest[rows]),
    })


def backfill_risk(pop: Population, text: CustomerText) -> pa.Table:
    return risk_table(pop, text, np.flatnonzero(pop.risk.client < pop.n))


def daily_risk(seed: int, pop: Population, text: CustomerText, changes: DailyChanges, tl: Timeline) -> pa.Table:
    """Reassessments of the day (mostly clients whose assessment had expired), then new clients' first."""
    rng = stream(seed, "daily-risk")
    n = pop.n
    business = col.day_number(tl.business_date)
    daily = col.day_number(tl.daily_date)
    risk = pop.risk
    live = np.setdiff1d(np.flatnonzero(pop.status[:n] != CLOSED), changes.closed)
    expired = live[risk.latest_assessed[live] < business - 730]
    count = max(1, round(n * 0.0003))
    re = np.union1d(_pick(rng, expired, int(count * 0.7)), _pick(rng, live, count - int(count * 0.7)))
    level = np.clip(risk.latest_level[re] + rng.integers(-1, 2, len(re)), 0, 4).astype(np.int8)
    bands = np.array(RISK_BANDS)
    score = rng.integers(bands[level, 0], bands[level, 1] + 1)
    lowest = (risk.latest_level[re] == 0) & np.isin(re, risk.client[risk.lowest])
    again = col.table(ENTITY_BY_NAME["risk_assessments"], {
        "customer_no": text.customer_no.text(re),
        "assessed_on": col.dates(np.full(len(re), daily)),
        "risk_level": col.codes_text(np.where(lowest, 0, level), RISK_LEVELS),
        "score": col.integers(np.where(lowest, 0, score)),
        "lowest_category": col.booleans(lowest),
    })
    return pa.concat_tables([again, risk_table(pop, text, np.flatnonzero(risk.client >= n))])


def permissions_table(text: CustomerText, client: np.ndarray, permission: np.ndarray, grant: np.ndarray,
                      day: np.ndarray) -> pa.Table:
    return col.table(ENTITY_BY_NAME["permission_changes"], {
        "customer_no": text.customer_no.text(client),
        "permission": col.codes_text(permission, PERMISSIONS),
        "action": col.codes_text((~grant).astype(np.int8), ("grant", "revoke")),
        "changed_on": col.dates(day),
    })


def backfill_permissions(pop: Population, text: CustomerText) -> pa.Table:
    p = pop.permissions
    return permissions_table(text, p.client, p.permission, p.grant, p.day)


def daily_permissions(text: CustomerText, changes: DailyChanges, tl: Timeline) -> pa.Table:
    client = np.concatenate([changes.granted, changes.revoked])
    permission = np.concatenate([changes.granted_permission, changes.revoked_permission])
    grant = np.concatenate([np.ones(len(changes.granted), bool), np.zeros(len(changes.revoked), bool)])
    order = np.lexsort((permission, client))
    day = np.full(len(client), col.day_number(tl.daily_date), dtype=np.int32)
    return permissions_table(text, client[order], permission[order], grant[order], day)
