"""Holdings: each client's portfolio, the business date's positions, the daily batch's positions (the
previous day's plus that day's trades) and end-of-day asset snapshots. A mixin of facts.Simulation."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerdesk.intake.contract import ENTITY_BY_NAME

from . import columns as col
from .draws import unique
from .markets import MARKETS, PRICE_SCALE
from .streams import stream


@dataclass
class Portfolio:
    """Per client a sorted list of securities (CSR): offsets[c]..offsets[c+1] index `security`."""

    offsets: np.ndarray
    security: np.ndarray
    counts: np.ndarray


class Holdings:
    """Positions and snapshots over the simulation's state (self.cash, self.mv, self.pop, self.sec, ...)."""

    def _make_portfolio(self) -> Portfolio:
        """Each funded client's few securities: more for richer clients, within its permissions."""
        rng = stream(self.seed, "portfolio")
        pop = self.pop
        business = int(self.days[self.D - 1]) if self.D else int(self.days[0])
        assets = np.maximum(pop.assets, 1.0)
        size = 1 + rng.poisson(np.clip((np.log10(assets) - 3.0) * 1.2, 0.2, 8.0))
        size = np.where((pop.assets > 0) & ~pop.never_traded, np.minimum(size, 15), 0)
        client = np.repeat(np.arange(pop.total), size)
        security = self._fresh_securities(rng, self._gates_at(client, business))
        key = unique(client.astype(np.int64) * len(self.sec) + security)
        client, security = key // len(self.sec), key % len(self.sec)
        offsets = np.searchsorted(client, np.arange(pop.total + 1), side="left")
        self.portfolio = Portfolio(offsets=offsets, security=security, counts=np.diff(offsets))
        return self.portfolio

    def _positions(self, rng, t: int, n_open: int) -> Callable[[], pa.Table]:
        """The business date's positions: each client's holdings value split over its portfolio in whole lots.

        Whatever does not fit in whole lots stays in cash, so assets = cash + sum of positions' values."""
        portfolio = self.portfolio or self._make_portfolio()
        sec = self.sec
        counts = portfolio.counts
        client = np.repeat(np.arange(len(counts)), counts)
        security = portfolio.security
        close = sec.closes[t + 1, security]
        weight = rng.exponential(1.0, len(security))
        per_client = np.bincount(client, weights=weight, minlength=len(counts))
        value = self.mv[client] * weight / np.maximum(per_client[client], 1e-12)
        lot = sec.lot[security]
        quantity = (np.floor(value * PRICE_SCALE / (close * lot)) * lot).astype(np.int64)
        live = (client < n_open) & (self.closed[client] > self.days[t]) & (quantity > 0)
        client, security, quantity, close = client[live], security[live], quantity[live], close[live]
        cost = close * np.exp(rng.normal(0.0, 0.15, len(close)))
        cost = np.maximum(np.round(cost / 10), 1).astype(np.int64) * 10
        self.holdings = (client, security, quantity, cost)
        return self._revalue(t, leftover_to_cash=True)

    def _revalue(self, t: int, leftover_to_cash: bool) -> Callable[[], pa.Table]:
        """Positions at day t's close; the holdings value becomes the sum of the positions' values (on the
        business date what did not fit in whole lots is cash)."""
        sec = self.sec
        client, security, quantity, cost = self.holdings
        close = sec.closes[t + 1, security]
        value = (close * quantity + 50) // 100  # cents
        new_mv = np.bincount(client, weights=value, minlength=len(self.mv)) / 100.0
        if leftover_to_cash:
            self.cash += np.maximum(self.mv - new_mv, 0.0)
        self.mv = new_mv
        self.valued = t + 1
        n, day = len(client), self.days[t]

        def build() -> pa.Table:
            return col.table(ENTITY_BY_NAME["positions"], {
                "date": col.dates(np.full(n, day, np.int32)),
                "customer_no": self.customer_no.text(client),
                "market": col.codes_text(sec.market[security], MARKETS),
                "security_code": col.codes_text(security, self.codes),
                "quantity": col.integers(quantity),
                "cost_price": col.decimal(cost, 14, 4),
                "market_value": col.decimal(value, 18, 2),
            })

        return build

    def _daily_sells(self, rng, c, security, buy):
        """On the daily batch's day sells come out of the client's positions, at most what it holds."""
        holding_client, holding_security, holding_quantity, _ = self.holdings
        offsets = np.searchsorted(holding_client, np.arange(len(self.mv) + 1), side="left")
        counts = np.diff(offsets)[c]
        buy = buy | (counts == 0)
        slot = offsets[c] + (rng.random(len(c)) * np.maximum(counts, 1)).astype(np.int64)
        slot = np.minimum(slot, max(len(holding_security) - 1, 0))
        if len(holding_security):
            security = np.where(buy, security, holding_security[slot])
            cap = np.where(buy, 0, holding_quantity[slot])
        else:
            cap = np.zeros(len(c), dtype=np.int64)
        return security, buy, cap

    def _daily_positions(self, t: int) -> Callable[[], pa.Table]:
        """Yesterday's positions plus today's trades (buys add, sells subtract; emptied positions drop)."""
        client, security, quantity, cost = self.holdings
        t_client, t_security, t_quantity = self.last_trades
        n_sec = len(self.sec)
        key = client.astype(np.int64) * n_sec + security
        t_key = t_client.astype(np.int64) * n_sec + t_security
        all_key = np.concatenate([key, t_key])
        order = np.argsort(all_key, kind="stable")
        ordered = all_key[order]
        first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
        unique = ordered[first]
        inverse = np.empty(len(all_key), dtype=np.int64)
        inverse[order] = np.cumsum(first) - 1
        qty = np.bincount(inverse, weights=np.concatenate([quantity, t_quantity]), minlength=len(unique))
        qty = np.round(qty).astype(np.int64)
        costs = np.zeros(len(unique), dtype=np.int64)
        costs[inverse[len(key):]] = self.sec.closes[t + 1, t_security]  # new holdings cost today's close
        costs[inverse[: len(key)]] = cost
        closed = self.closed[unique // n_sec] <= self.days[t]
        keep = (qty > 0) & ~closed
        unique, qty, costs = unique[keep], qty[keep], costs[keep]
        self.holdings = (unique // n_sec, unique % n_sec, qty, costs)
        return self._revalue(t, leftover_to_cash=False)

    def _snapshot(self, t: int, day: int, n_open: int) -> Callable[[], pa.Table]:
        """Every open client with a non-zero balance: total = cash + market value, exactly, in cents."""
        cash, mv, scratch = self._cents[:n_open], self._mv_cents[:n_open], self._scratch[:n_open]
        np.multiply(self.cash[:n_open], 100.0, out=scratch)
        np.rint(scratch, out=scratch)
        cash[:] = scratch
        np.multiply(self.mv[:n_open], 100.0, out=scratch)
        np.rint(scratch, out=scratch)
        mv[:] = scratch
        live = (cash + mv) > 0
        live &= self.closed[:n_open] > day
        cash, mv = np.compress(live, cash), np.compress(live, mv)

        def build() -> pa.Table:
            return col.table(ENTITY_BY_NAME["asset_snapshots"], {
                "date": col.dates(np.full(len(cash), day, np.int32)),
                "customer_no": col.fixed_text(self.customer_no.compress(live)),
                "total_assets": col.decimal(cash + mv, 18, 2),
                "cash": col.decimal(cash, 18, 2),
                "market_value": col.decimal(mv, 18, 2),
            })

        return build
