"""Securities across the SH, SZ and BJ boards with product risk levels, and their daily closing prices.

About 3000 securities in real code ranges (names are synthetic): SH main board and STAR Market, SZ main
board and ChiNext, the Beijing Stock Exchange, exchange-traded funds and bonds. Prices follow a market
factor plus noise within each board's daily price limit, on the board's tick.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerdesk.intake.contract import ENTITY_BY_NAME

from . import columns as col
from .streams import stream

PRICE_SCALE = 10_000  # prices are integers in 1/10000 CNY (decimal(14,4))


@dataclass(frozen=True)
class Segment:
    market: str
    board: str
    count: int  # at 3000 securities
    ranges: tuple[tuple[int, int], ...]  # code ranges [start, end)
    lot: int  # shares per board lot
    tick: int  # price tick in 1/10000 CNY
    limit: float  # daily price limit
    trade_share: float  # share of the clients' trades
    needs: str = ""  # permission needed to trade the segment


SEGMENTS: tuple[Segment, ...] = (
    Segment("SH", "main", 800, ((600000, 606000),), 100, 100, 0.10, 0.30),
    Segment("SH", "star", 250, ((688000, 689000),), 200, 100, 0.20, 0.08, "star"),
    Segment("SZ", "main", 700, ((1, 4000),), 100, 100, 0.10, 0.25),
    Segment("SZ", "chinext", 550, ((300001, 302000),), 100, 100, 0.20, 0.20, "chinext"),
    Segment("BJ", "bse", 120, ((830000, 840000), (870000, 874000), (920000, 921000)), 100, 100, 0.30, 0.02, "bse"),
    Segment("SH", "fund", 200, ((510000, 519000),), 100, 10, 0.10, 0.06),
    Segment("SZ", "fund", 180, ((159000, 160000),), 100, 10, 0.10, 0.05),
    Segment("SH", "bond", 100, ((19000, 20000), (110000, 114000)), 10, 10, 0.20, 0.02),
    Segment("SZ", "bond", 100, ((101000, 102000), (123000, 129000)), 10, 10, 0.20, 0.02),
)
GATED = ("chinext", "star", "bse")  # permissions that open a segment

NAME_HEADS = ("华信", "恒通", "鼎盛", "瑞丰", "金桥", "远航", "天成", "安泰", "嘉禾", "中科", "东方", "海天", "银河",
              "宏达", "新元", "华阳", "长城", "南山", "北辰", "西部", "中原", "江南", "蓝天", "星辉", "创新", "永安",
              "同德", "国泰", "兴业", "泰山", "黄河", "长江", "珠江", "深科", "沪光", "京华", "津南", "浙商", "苏美",
              "川能", "鄂安", "湘电", "闽发", "鲁信", "豫光", "陕鼓", "辽港", "渝开", "皖通", "粤华", "凯盛", "博信",
              "明德", "正泰", "润和", "立讯", "晨光", "万达", "华润", "新希")
NAME_TAILS = ("科技", "电子", "药业", "股份", "能源", "材料", "汽车", "电气", "食品", "传媒", "环境", "智能", "通信",
              "光电", "精工", "重工", "生物", "化工", "建设", "地产", "物流", "农业", "医疗", "软件", "装备", "新材",
              "信息", "控股", "实业", "集团", "矿业", "钢铁", "纺织", "家居", "电力", "燃气", "水务", "航空", "港口",
              "银行", "证券", "保险", "微电", "半导", "机器", "数据", "网络", "文化", "旅游", "酒业")
FUND_INDEXES = (("沪深300", "R3"), ("中证500", "R3"), ("中证1000", "R3"), ("上证50", "R3"), ("创业板", "R4"),
                ("科创50", "R4"), ("红利", "R2"), ("医药", "R4"), ("半导体", "R4"), ("新能源", "R4"), ("证券", "R4"),
                ("银行", "R3"), ("黄金", "R2"), ("国债", "R1"), ("货币", "R1"), ("纳指", "R4"), ("恒生", "R4"),
                ("消费", "R3"), ("军工", "R4"), ("光伏", "R4"))
FUND_HOUSES = ("华夏", "易方达", "南方", "嘉实", "广发", "富国", "汇添富", "博时", "华泰柏瑞", "国泰", "招商", "鹏华")


@dataclass
class Securities:
    market: np.ndarray  # int8 index into MARKETS
    board: np.ndarray  # str per row (object, small)
    code: np.ndarray  # int64 code
    segment: np.ndarray  # int16 index into SEGMENTS
    names: list[str]
    risk: list[str]
    lot: np.ndarray  # int64
    tick: np.ndarray  # int64
    limit: np.ndarray  # float64
    code_text: np.ndarray  # (n, 6) uint8
    market_text: np.ndarray  # (n, 2) uint8
    closes: np.ndarray  # (days + 1, n) int64 closing price in 1/10000 CNY; row 0 is the close before the window
    popularity: np.ndarray  # float64 share of trades inside its segment
    market_move: np.ndarray  # (days,) float64 market index return of each day
    volume_factor: np.ndarray  # (days,) float64 market activity of each day

    def __len__(self) -> int:
        return len(self.code)


MARKETS = ("SH", "SZ", "BJ")


def _segment_counts(total: int) -> list[int]:
    base = sum(s.count for s in SEGMENTS)
    counts = [max(2, round(s.count * total / base)) for s in SEGMENTS]
    return counts


def build_securities(seed: int, total: int, trading_days: int) -> Securities:
    rng = stream(seed, "securities")
    counts = _segment_counts(total)
    markets, boards, codes, segments, names, risks = [], [], [], [], [], []
    stock_names = rng.permutation(len(NAME_HEADS) * len(NAME_TAILS))
    used = 0
    for index, (segment, count) in enumerate(zip(SEGMENTS, counts, strict=True)):
        pool = np.concatenate([np.arange(a, b) for a, b in segment.ranges])
        chosen = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))
        n = len(chosen)
        markets.append(np.full(n, MARKETS.index(segment.market), dtype=np.int8))
        boards.extend([segment.board] * n)
        codes.append(chosen)
        segments.append(np.full(n, index, dtype=np.int16))
        if segment.board in ("main", "star", "chinext", "bse"):
            picks = stock_names[used:used + n] % (len(NAME_HEADS) * len(NAME_TAILS))
            used += n
            flags = rng.random(n)
            for pick, flag in zip(picks.tolist(), flags.tolist(), strict=True):
                name = NAME_HEADS[pick // len(NAME_TAILS)] + NAME_TAILS[pick % len(NAME_TAILS)]
                if flag < 0.015:
                    names.append("*ST" + name)
                    risks.append("R5")
                elif flag < 0.035:
                    names.append("ST" + name)
                    risks.append("R5")
                else:
                    names.append(name)
                    risks.append("R3" if segment.board == "main" else "R4")
        elif segment.board == "fund":
            idx = rng.integers(0, len(FUND_INDEXES), n)
            house = rng.integers(0, len(FUND_HOUSES), n)
            for i, h in zip(idx.tolist(), house.tolist(), strict=True):
                names.append(FUND_INDEXES[i][0] + "ETF" + FUND_HOUSES[h])
                risks.append(FUND_INDEXES[i][1])
        else:  # bonds: government bonds (R1) in the 019/101 ranges, corporate bonds (R2) and convertibles (R3)
            kind = rng.random(n)
            year = rng.integers(19, 27, n)
            serial = rng.integers(1, 40, n)
            head = rng.integers(0, len(NAME_HEADS), n)
            for c, k, y, s, h in zip(chosen.tolist(), kind.tolist(), year.tolist(), serial.tolist(), head.tolist(),
                                     strict=True):
                if c < 110000:
                    names.append(f"国债{y:02d}{s:02d}")
                    risks.append("R1")
                elif k < 0.3:
                    names.append(f"{y:02d}{NAME_HEADS[h]}{s:02d}")
                    risks.append("R2")
                else:
                    names.append(f"{NAME_HEADS[h]}转债")
                    risks.append("R3")
    market = np.concatenate(markets)
    code = np.concatenate(codes).astype(np.int64)
    segment = np.concatenate(segments)
    n = len(code)
    seg_lot = np.array([s.lot for s in SEGMENTS], dtype=np.int64)
    seg_tick = np.array([s.tick for s in SEGMENTS], dtype=np.int64)
    seg_limit = np.array([s.limit for s in SEGMENTS])
    lot, tick, limit = seg_lot[segment], seg_tick[segment], seg_limit[segment].copy()
    is_st = np.array([r == "R5" for r in risks])
    limit[is_st] = 0.05
    board = np.array(boards, dtype=object)

    # Opening prices: stocks lognormal around 15 CNY, funds around 1.8, bonds around par.
    is_stock = np.isin(board, ["main", "star", "chinext", "bse"])
    is_fund = board == "fund"
    price = np.where(is_stock, np.exp(rng.normal(np.log(15.0), 0.8, n)), 0.0)
    price = np.where(is_fund, np.exp(rng.normal(np.log(1.8), 0.5, n)), price)
    is_bond = board == "bond"
    price = np.where(is_bond, np.maximum(rng.normal(118.0, 15.0, n), 95.0), price)
    price = np.clip(price, 1.2, 1800.0)
    market_move = _market_moves(stream(seed, "market"), trading_days)
    closes = _price_paths(rng, price, tick, limit, is_stock, is_bond, market_move)

    # Popularity inside a segment: Zipf-like over a random ranking.
    popularity = np.empty(n)
    for index in range(len(SEGMENTS)):
        members = np.flatnonzero(segment == index)
        ranks = rng.permutation(len(members))
        weight = 1.0 / (ranks + 8.0) ** 1.1
        popularity[members] = weight / weight.sum()

    volume = np.exp(stream(seed, "volume").normal(0.0, 0.12, trading_days)) * (1 + 12 * np.abs(market_move))
    volume /= volume.mean()
    return Securities(
        market=market, board=board, code=code, segment=segment, names=names, risk=risks,
        lot=lot, tick=tick, limit=limit,
        code_text=col.digits(code, 6), market_text=col.text_matrix(
            np.array([list(m.encode()) for m in MARKETS], dtype=np.uint8)[market]),
        closes=closes, popularity=popularity, market_move=market_move, volume_factor=volume,
    )


def _market_moves(rng: np.random.Generator, days: int) -> np.ndarray:
    moves = rng.normal(0.0004, 0.011, days)
    if days >= 40:  # one rally and one sell-off
        rally = int(rng.integers(0, days - 10))
        moves[rally:rally + 5] += 0.025
        slump = int(rng.integers(0, days - 10))
        moves[slump:slump + 4] -= 0.02
    return moves


def _price_paths(rng, start, tick, limit, is_stock, is_bond, market) -> np.ndarray:
    """Closing prices (days + 1 rows; row 0 = the close before the window), on each security's tick."""
    n, days = len(start), len(market)
    beta = np.where(is_stock, rng.normal(1.0, 0.3, n), rng.normal(0.6, 0.2, n))
    beta = np.where(is_bond, 0.15, beta)
    sigma = np.where(is_stock, rng.uniform(0.012, 0.03, n), 0.006)
    closes = np.empty((days + 1, n), dtype=np.int64)
    current = np.maximum(np.round(start * PRICE_SCALE / tick), 1) * tick
    closes[0] = current
    for day in range(days):
        move = np.clip(beta * market[day] + sigma * rng.standard_normal(n), -limit * 0.98, limit * 0.98)
        current = np.maximum(np.round(current * (1 + move) / tick), 1) * tick
        closes[day + 1] = current.astype(np.int64)
    return closes


def securities_table(sec: Securities) -> pa.Table:
    return col.table(ENTITY_BY_NAME["securities"], {
        "market": col.fixed_text(sec.market_text),
        "security_code": col.fixed_text(sec.code_text),
        "name": pa.array(sec.names, pa.string()),
        "board": pa.array(list(sec.board), pa.string()),
        "risk_level": pa.array(sec.risk, pa.string()),
    })
