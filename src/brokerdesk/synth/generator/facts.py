"""Dated facts, simulated day by day: trades, bank transfers, end-of-day assets and positions.

Each client carries cash and the market value of its holdings. Every trading day:
  1. holdings move with the market: a market factor times the client's beta, plus the client's own noise
     (the factor is applied lazily, per client when it is touched, and to everyone with the accumulated
     noise on snapshot days: no pass over millions of clients on ordinary days);
  2. clients opening that day deposit their first funds; bank transfers come and go; closing clients
     withdraw everything; a few clients make unusually large transfers;
  3. trades are drawn: the day's count is Poisson around the sum of the active clients' (heavy-tailed)
     rates times the day's market activity, each trade goes to a client in proportion to its rate
     (inverse-CDF on the cumulative rates: no per-client loop), plus bursts of abnormal trading;
     securities come from the client's portfolio or the boards it is permitted to trade;
  4. on snapshot days, every client with a non-zero balance gets an asset snapshot; on the business
     date the holdings become positions (whole board lots at the closing price), and on the daily
     batch's day positions are the previous day's plus that day's trades.

Per day the work is a few vectorised passes over the day's trades; the Arrow tables are built by the
file writers' threads (DayFacts holds builders), so memory stays at the size of the clients plus a few days
of facts, whatever the number of days.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerdesk.intake.contract import ENTITY_BY_NAME

from . import columns as col
from .draws import clock, sample, session_offsets, urn
from .holdings import Holdings, Portfolio
from .markets import GATED, MARKETS, PRICE_SCALE, SEGMENTS, Securities
from .master import DailyChanges
from .population import BANKS, NEVER, Population
from .streams import stream
from .timeline import Timeline

FX = {"USD": 7.1, "HKD": 0.91}
PORTFOLIO_TRADE_SHARE = 0.7  # trades in a security the client already holds
SEGMENT_URN = 1 << 12  # slots per permission combo's urn of segments
SECURITY_URN = 1 << 16  # slots per segment's urn of securities
BURST_SHARE = 0.003  # clients with a burst of abnormal trading
LARGE_TRANSFER_SHARE = 0.0015  # clients with one unusually large transfer


@dataclass
class DayFacts:
    index: int  # day index in the timeline (backfill days, then the daily batch's day)
    tables: dict[str, Callable[[], pa.Table]]  # entity -> builder of the day's table


class Simulation(Holdings):
    """The brokerage day by day (see the module docstring); run() yields each day's facts."""

    def __init__(self, seed: int, pop: Population, sec: Securities, tl: Timeline, changes: DailyChanges,
                 customer_no: col.FixedText, plan: dict):
        self.seed = seed
        self.pop = pop
        self.sec = sec
        self.tl = tl
        self.changes = changes
        self.customer_no = customer_no  # customer numbers, gathered per day
        self.codes = col.fixed_text(sec.code_text)  # the dictionary of security_code columns
        self.serials = col.Serials(9)
        self.days = tl.day_numbers
        self.D = tl.backfill_days
        total = pop.total
        self.opened = pop.opened
        self.closed = pop.closed.copy()
        self.closed[changes.closed] = self.days[-1]
        self.first_day = np.searchsorted(self.days, self.opened, side="left")
        gone = self.closed <= self.days[0]  # closed before the window: no activity at all
        rate = pop.trade_rate.copy()
        rate[gone] = 0.0
        transfer_rate = pop.transfer_rate.copy()
        transfer_rate[gone] = 0.0
        self.rate, self.transfer_rate = rate, transfer_rate
        self.cum_rate = np.cumsum(rate)
        self.cum_transfer = np.cumsum(transfer_rate)
        self.close_order = np.argsort(self.closed, kind="stable")
        self.close_sorted = self.closed[self.close_order]
        self.cash = np.zeros(total)
        self.mv = np.zeros(total)
        # Holdings value is kept as of the last full update (day index `self.valued`); in between, a
        # client's value is mv * exp(beta * (M[now] - M[valued])) with M the cumulative market log-return.
        self.market_path = np.concatenate([[0.0], np.cumsum(np.log1p(sec.market_move))])
        self.valued = 0
        self._scratch = np.empty(total)
        self._cents = np.empty(total, dtype=np.int64)
        self._mv_cents = np.empty(total, dtype=np.int64)
        self.portfolio: Portfolio | None = None
        self.holdings: tuple | None = None
        before = (self.opened < self.days[0]) & ~gone
        self.cash[before] = pop.assets[before] * pop.cash_share[before]
        self.mv[before] = pop.assets[before] - self.cash[before]
        self.fx = np.select([plan["usd"], plan["hkd"]], [1, 2], 0).astype(np.int8)
        self._segment_tables()
        self._episodes()
        self._gate_tables()

    # -- setup -------------------------------------------------------------------------------------------

    def _segment_tables(self) -> None:
        """Urns for drawing securities by table lookup: per permission combo (chinext, star, bse bits) an
        urn of segments in proportion to their share of trades, per segment an urn of its securities in
        proportion to their popularity."""
        sec = self.sec
        n_seg = len(SEGMENTS)
        share = np.array([s.trade_share for s in SEGMENTS])
        needs = [GATED.index(s.needs) if s.needs else -1 for s in SEGMENTS]
        self.segment_need = np.array(needs)
        self.segment_urn = np.empty((8, SEGMENT_URN), dtype=np.int64)
        for combo in range(8):
            allowed = np.array([need < 0 or bool(combo >> need & 1) for need in needs])
            self.segment_urn[combo] = urn(share * allowed, SEGMENT_URN)
        urns = []
        for s in range(n_seg):
            members = np.flatnonzero(sec.segment == s)
            urns.append(members[urn(sec.popularity[members], SECURITY_URN)])
        self.security_urn = np.stack(urns)

    def _episodes(self) -> None:
        """Abnormal episodes: bursts of trading and unusually large transfers."""
        rng = stream(self.seed, "episodes")
        pop, D = self.pop, self.D
        traders = np.flatnonzero(self.rate[: pop.n] > 0)
        burst = np.sort(rng.choice(traders, min(len(traders), max(1, round(pop.n * BURST_SHARE))), replace=False)) \
            if len(traders) else np.zeros(0, np.int64)
        start = np.maximum(self.first_day[burst], rng.integers(0, max(D, 1), len(burst)))
        self.burst_client = burst
        self.burst_start = start
        self.burst_end = start + rng.integers(3, 9, len(burst))
        self.burst_rate = rng.uniform(5.0, 30.0, len(burst))
        funded = np.flatnonzero((pop.assets[: pop.n] > 0) & (self.transfer_rate[: pop.n] > 0))
        large = np.sort(rng.choice(funded, min(len(funded), max(1, round(pop.n * LARGE_TRANSFER_SHARE))),
                                   replace=False)) if len(funded) else np.zeros(0, np.int64)
        last = np.minimum(np.searchsorted(self.days, self.closed[large], side="left"), D + 1)
        day = self.first_day[large] + (rng.random(len(large)) * np.maximum(last - self.first_day[large], 1))
        self.large_client = large
        self.large_day = day.astype(np.int64)
        self.large_in = rng.random(len(large)) < 0.6
        self.large_amount = np.minimum(np.maximum(1_000_000.0, pop.assets[large] * rng.uniform(3, 10, len(large))),
                                       5e8)

    def _gate_tables(self) -> None:
        """Board permissions per client as a bit mask at the window's start, and the first day inside the
        window on which a client's mask changes (most never change: one lookup per trade)."""
        start = int(self.days[0])
        gates = self.pop.permissions
        self.gate_start = self._gates_at(np.arange(self.pop.total), start)
        change = np.full(self.pop.total, NEVER, dtype=np.int64)
        for name in GATED:
            for day in (gates.gate_from[name], gates.gate_until[name]):
                inside = (day > start) & (day != NEVER)
                change = np.where(inside, np.minimum(change, day), change)
        self.gate_change = change

    # -- the day loop --------------------------------------------------------------------------------------

    def run(self) -> Iterator[DayFacts]:
        snapshots = set(self.tl.snapshot_indexes())
        for t in range(self.D + 1):
            rng = stream(self.seed, "day", t)
            day = int(self.days[t])
            n_open = int(np.searchsorted(self.opened, day, side="right"))
            tables: dict[str, Callable[[], pa.Table]] = {}
            if (t in snapshots or t == self.D - 1) and t < self.D:
                self._value_all(rng, t, n_open)
            transfers = self._transfers(rng, t, day, n_open)
            tables["fund_transfers"] = transfers
            if t == self.D:
                tables["trades"] = self._trades(rng, t, day, n_open, daily=True)
                tables["positions"] = self._daily_positions(t)
            else:
                tables["trades"] = self._trades(rng, t, day, n_open)
                if t == self.D - 1:
                    tables["positions"] = self._positions(rng, t, n_open)
            if t in snapshots or t == self.D:
                tables["asset_snapshots"] = self._snapshot(t, day, n_open)
            yield DayFacts(index=t, tables=tables)

    def _growth(self, clients: np.ndarray, t: int) -> np.ndarray:
        """How much the clients' holdings have grown with the market since the last full valuation (day t's
        close)."""
        drift = self.market_path[t + 1] - self.market_path[self.valued]
        return np.exp(self.pop.beta[clients] * drift)

    def _holdings_value(self, clients: np.ndarray, t: int) -> np.ndarray:
        return self.mv[clients] * self._growth(clients, t)

    def _value_all(self, rng, t: int, n_open: int) -> None:
        """Bring every client's holdings to day t's close: market factor and the noise of the days since."""
        days = (t + 1) - self.valued
        drift = self.market_path[t + 1] - self.market_path[self.valued]
        scratch = self._scratch[:n_open]
        noise = rng.standard_normal(n_open)
        noise *= self.pop.sigma[:n_open]
        noise *= np.sqrt(days)
        np.multiply(self.pop.beta[:n_open], drift, out=scratch)
        scratch += noise
        np.exp(scratch, out=scratch)
        np.maximum(scratch, 0.3, out=scratch)
        self.mv[:n_open] *= scratch
        self.valued = t + 1

    def _active(self, clients: np.ndarray, day: int) -> np.ndarray:
        return self.closed[clients] > day

    def _transfers(self, rng, t: int, day: int, n_open: int) -> Callable[[], pa.Table]:
        pop = self.pop
        clients, amounts, inward = [], [], []
        # Random transfers in proportion to each client's transfer rate.
        if n_open:
            total_rate = self.cum_transfer[n_open - 1]
            k = int(rng.poisson(total_rate))
            c = sample(rng, self.cum_transfer, k, total_rate)
            c = c[self._active(c, day)]
            held = self.cash[c] + self._holdings_value(c, t)
            going_in = rng.random(len(c)) < np.where(self.cash[c] < 0.05 * held + 1000, 0.85, 0.5)
            amount_in = rng.lognormal(np.log(np.maximum(0.1 * held, 3000.0)), 0.9)
            amount_out = np.floor(self.cash[c] * rng.uniform(0.05, 0.8, len(c)))
            going_in |= amount_out < 100
            clients.append(c)
            amounts.append(np.where(going_in, amount_in, amount_out))
            inward.append(going_in)
        # First deposits of clients opening today (clients are in opening order: a contiguous range).
        first = np.searchsorted(self.opened, self.days[t - 1] if t else self.days[0] - 1, side="right")
        opening = np.arange(first, n_open)
        opening = opening[pop.assets[opening] > 0]
        if len(opening):
            keep = rng.random(len(opening)) < (0.7 if t == self.D else 1.0)
            opening = opening[keep]
            clients.append(opening)
            amounts.append(pop.assets[opening] * rng.uniform(0.3, 1.0, len(opening)))
            inward.append(np.ones(len(opening), bool))
        # Dormant clients coming back deposit before they trade.
        if t == self.D and len(self.changes.reactivated):
            back = self.changes.reactivated
            clients.append(back)
            amounts.append(rng.lognormal(np.log(50_000), 1.0, len(back)))
            inward.append(np.ones(len(back), bool))
        # Unusually large transfers.
        large = self.large_day == t
        if large.any():
            c = self.large_client[large]
            ok = self._active(c, day) & (c < n_open)
            c, into, amount = c[ok], self.large_in[large][ok], self.large_amount[large][ok]
            value = self._holdings_value(c, t)
            out_amount = np.floor((self.cash[c] + 0.9 * value) * 0.95)
            self.cash[c[~into]] += 0.9 * value[~into]
            self.mv[c[~into]] *= 0.1
            clients.append(c)
            amounts.append(np.where(into, amount, out_amount))
            inward.append(into | (out_amount < 100))
        # Clients closing today take everything out.
        closing = self.close_order[np.searchsorted(self.close_sorted, day, side="left"):
                                   np.searchsorted(self.close_sorted, day, side="right")]
        closing = np.sort(closing[closing < n_open])
        if len(closing):
            everything = np.floor(self.cash[closing] + self._holdings_value(closing, t))
            self.cash[closing] = everything
            self.mv[closing] = 0.0
            positive = everything > 0
            clients.append(closing[positive])
            amounts.append(everything[positive])
            inward.append(np.zeros(int(positive.sum()), bool))

        client = np.concatenate(clients) if clients else np.zeros(0, np.int64)
        amount = np.round(np.concatenate(amounts), 2) if amounts else np.zeros(0)
        into = np.concatenate(inward) if inward else np.zeros(0, bool)
        amount = np.maximum(amount, 1.0)
        cents = np.round(amount * 100).astype(np.int64)
        signed = np.where(into, cents, -cents) / 100.0
        # Clients with a B-share account move some of their money in USD or HKD.
        currency = np.where(rng.random(len(client)) < 0.1, self.fx[client], 0)
        rate = np.array([1.0, FX["USD"], FX["HKD"]])[currency]
        foreign_cents = np.round(cents / rate).astype(np.int64)
        cents = np.where(currency > 0, np.maximum(foreign_cents, 1), cents)
        if len(client):
            self._add(self.cash, client, signed)
        offset = rng.integers(0, 7 * 3600, len(client)).astype(np.uint16)  # 09:00-16:00
        order = np.argsort(offset, kind="stable")
        client, cents, into, currency = client[order], cents[order], into[order], currency[order]
        seconds = offset[order].astype(np.int32) + 9 * 3600
        n = len(client)
        serials = self.serials.first(n)
        bank = self.pop.bank[client]

        def build() -> pa.Table:
            return col.table(ENTITY_BY_NAME["fund_transfers"], {
                "date": col.dates(np.full(n, day, np.int32)),
                "transfer_id": col.fixed_text(col.text_matrix(
                    f"F{col.from_day_number(day):%Y%m%d}", serials, rows=n)),
                "transfer_time": col.times(seconds),
                "customer_no": self.customer_no.text(client),
                "direction": col.codes_text((~into).astype(np.int8), ("in", "out")),
                "amount": col.decimal(cents, 18, 2),
                "currency": col.codes_text(currency, ("CNY", "USD", "HKD")),
                "bank": col.codes_text(bank, BANKS),
            })

        return build

    def _draw_clients(self, rng, t: int, day: int, n_open: int, daily: bool) -> np.ndarray:
        parts = []
        if n_open:
            total_rate = self.cum_rate[n_open - 1] * self.sec.volume_factor[min(t, len(self.sec.volume_factor) - 1)]
            k = int(rng.poisson(total_rate))
            parts.append(sample(rng, self.cum_rate, k, self.cum_rate[n_open - 1]))
        bursting = (self.burst_start <= t) & (t < self.burst_end)
        if bursting.any():
            counts = rng.poisson(self.burst_rate[bursting])
            parts.append(np.repeat(self.burst_client[bursting], counts))
        if daily and len(self.changes.reactivated):
            counts = rng.poisson(1.0, len(self.changes.reactivated))
            parts.append(np.repeat(self.changes.reactivated, counts))
        c = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return np.sort(c[(c < n_open) & self._active(c, day)], kind="stable")

    def _gates(self, clients: np.ndarray, day: int) -> np.ndarray:
        """Bit mask of the gated boards (chinext, star, bse) each client may trade on `day`."""
        combo = self.gate_start[clients]
        moved = np.flatnonzero(self.gate_change[clients] <= day)
        if len(moved):
            combo[moved] = self._gates_at(clients[moved], day)
        return combo

    def _gates_at(self, clients: np.ndarray, day: int) -> np.ndarray:
        combo = np.zeros(len(clients), dtype=np.int64)
        for bit, name in enumerate(GATED):
            opened = (self.pop.permissions.gate_from[name][clients] <= day) & \
                     (self.pop.permissions.gate_until[name][clients] > day)
            combo |= opened.astype(np.int64) << bit
        return combo

    @staticmethod
    def _add(state: np.ndarray, clients: np.ndarray, amounts: np.ndarray) -> None:
        """state[clients] += amounts (repeated clients add up), never below zero."""
        np.add.at(state, clients, amounts)
        state[clients] = np.maximum(state[clients], 0.0)

    def _fresh_securities(self, rng, combo: np.ndarray) -> np.ndarray:
        segment = self.segment_urn[combo, rng.integers(0, SEGMENT_URN, len(combo))]
        return self.security_urn[segment, rng.integers(0, SECURITY_URN, len(combo))]

    def _allowed(self, security: np.ndarray, combo: np.ndarray) -> np.ndarray:
        need = self.segment_need[self.sec.segment[security]]
        return (need < 0) | ((combo >> np.maximum(need, 0)) & 1).astype(bool)

    def _trades(self, rng, t: int, day: int, n_open: int, daily: bool = False) -> Callable[[], pa.Table]:
        sec = self.sec
        c = self._draw_clients(rng, t, day, n_open, daily)
        k = len(c)
        combo = self._gates(c, day)
        security = self._fresh_securities(rng, combo)
        portfolio = self.portfolio or self._make_portfolio()
        counts = portfolio.counts[c]
        from_portfolio = (rng.random(k) < PORTFOLIO_TRADE_SHARE) & (counts > 0)
        slot = portfolio.offsets[c] + (rng.random(k) * np.maximum(counts, 1)).astype(np.int64)
        held = portfolio.security[np.minimum(slot, len(portfolio.security) - 1)]
        use_held = from_portfolio & self._allowed(held, combo)
        security = np.where(use_held, held, security)

        # A client's trades of the day share its cash (buys) and holdings (sells): c is sorted, so the
        # number of trades per client is a run length.
        starts = np.flatnonzero(np.concatenate([[True], c[1:] != c[:-1]])) if k else np.zeros(0, np.int64)
        same = np.repeat(np.diff(np.append(starts, k)), np.diff(np.append(starts, k)))
        growth = self._growth(c, t)
        cash, mv = self.cash[c], self.mv[c] * growth
        wealth = cash + mv
        lot_value = sec.closes[t + 1, security] * sec.lot[security] / PRICE_SCALE
        can_buy, can_sell = cash >= lot_value * same, mv >= lot_value * same
        prefer_buy = rng.random(k) < np.clip(cash / np.maximum(wealth, 1.0), 0.2, 0.8)
        buy = np.where(can_buy == can_sell, prefer_buy, can_buy)
        if daily:
            security, buy, sell_cap = self._daily_sells(rng, c, security, buy)

        lot = sec.lot[security]
        close = sec.closes[t + 1, security]
        prev = sec.closes[t, security]
        tick = sec.tick[security]
        limit = sec.limit[security]
        price = close * (1.0 + rng.normal(0.0, 0.006, k))
        price = np.clip(price, prev * (1 - limit), prev * (1 + limit))
        price = np.maximum(np.round(price / tick), 1).astype(np.int64) * tick  # 1/10000 CNY
        budget = np.where(buy, cash, mv) / same
        target = np.minimum(wealth * rng.uniform(0.03, 0.3, k), budget)
        lots = np.floor(target * PRICE_SCALE / (price * lot))
        quantity = (np.clip(lots, 1, 10**6) * lot).astype(np.int64)
        if daily:
            quantity = np.where(buy, quantity, np.minimum(quantity, sell_cap))
        amount = (price * quantity + 50) // 100  # cents
        commission = np.maximum(self.pop.min_commission[c], amount * self.pop.commission[c] // 100_000)
        flow = amount / 100.0
        if k:
            self._add(self.cash, c, np.where(buy, -flow, flow) - commission / 100.0)
            self._add(self.mv, c, np.where(buy, flow, -flow) / growth)
        self.last_trades = (c, security, np.where(buy, quantity, -quantity))

        serials = self.serials.first(k)

        def build() -> pa.Table:
            offset = session_offsets(stream(self.seed, "trade-times", t), k)
            order = np.argsort(offset, kind="stable")  # radix sort on 16-bit offsets
            return col.table(ENTITY_BY_NAME["trades"], {
                "date": col.dates(np.full(k, day, np.int32)),
                "trade_id": col.fixed_text(col.text_matrix(f"T{col.from_day_number(day):%Y%m%d}", serials, rows=k)),
                "trade_time": col.times(clock(offset[order])),
                "customer_no": self.customer_no.text(c[order]),
                "market": col.codes_text(sec.market[security[order]], MARKETS),
                "security_code": col.codes_text(security[order], self.codes),
                "side": col.codes_text((~buy[order]).astype(np.int8), ("B", "S")),
                "quantity": col.integers(quantity[order]),
                "price": col.decimal(price[order], 14, 4),
                "amount": col.decimal(amount[order], 18, 2),
                "commission": col.decimal(commission[order], 14, 2),
            })

        return build
