"""The benchmark brokerage: an organisation of a few dozen branches and N individual clients with mobiles.

Pure Python (no Django): rows are tuples in COLUMNS order, produced chunk by chunk so that worker processes
can generate them in parallel. Each chunk has its own seed, so a given (seed, N) always gives the same data.
Identities are real shapes: resident IDs from synth.people (GB 11643 check digits), mainland mobiles from
synth.people.mobile(rng, serial), unique per serial.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from brokerdesk.customers.rules import risk_expiry
from brokerdesk.synth.people import birth_date, chinese_name, mobile, resident_id

DEFAULT_CUSTOMERS = 3_000_000
SEED = 20261121
CHUNK = 50_000

# (code, name, kind, province) as in the demo brokerage.
CENTERS = [
    ("HQ", "总部客服中心", "hq", "广东"),
    ("SC-GD", "广东客服分中心", "sub", "广东"),
    ("SC-SH", "上海客服分中心", "sub", "上海"),
    ("SC-BJ", "北京客服分中心", "sub", "北京"),
    ("SC-ZJ", "浙江客服分中心", "sub", "浙江"),
    ("SC-SC", "四川客服分中心", "sub", "四川"),
]
# (province, city, serving center, streets): 6 branches a city, 36 in all.
CITIES = [
    ("广东", "深圳", "SC-GD", ["福华一路", "深南大道", "华强北路", "科技园", "宝安中心", "龙岗大道"]),
    ("广东", "广州", "SC-GD", ["天河路", "珠江新城", "环市东路", "番禺大道", "黄埔大道", "白云大道"]),
    ("上海", "上海", "SC-SH", ["陆家嘴", "南京西路", "徐家汇", "世纪大道", "淮海中路", "五角场"]),
    ("北京", "北京", "SC-BJ", ["金融大街", "建国门外", "中关村", "望京", "亚运村", "西直门"]),
    ("浙江", "杭州", "SC-ZJ", ["庆春路", "钱江新城", "文三路", "延安路", "滨江", "萧山"]),
    ("四川", "成都", "SC-SC", ["人民南路", "天府大道", "春熙路", "高新区", "双流", "武侯大道"]),
]
# Branch sizes follow a long tail: the first branches of a city hold most clients.
BRANCH_WEIGHTS = [12, 8, 5, 3, 2, 1]

# customers_customer columns in the order the row tuples use (the loaders name them explicitly).
COLUMNS = (
    "id", "customer_no", "kind", "client_class", "name", "id_type", "id_number", "birth_date", "gender", "email",
    "address", "home_branch_id", "client_manager_id", "opened_on", "closed_on", "status", "investor_category",
    "risk_level", "risk_score", "risk_assessed_on", "risk_expires_on", "is_lowest_category", "total_assets",
    "cash_balance", "market_value", "assets_as_of", "created_at", "updated_at",
)
ID_NUMBER = COLUMNS.index("id_number")
BIRTH_DATE = COLUMNS.index("birth_date")
GENDER = COLUMNS.index("gender")
PHONE_COLUMNS = ("number", "kind", "is_primary", "customer_id")

# mobile(rng, serial) is unique per serial below 30 * 10**8; serial(i) maps client i into that range with a
# multiplier coprime to it, so numbers spread over all prefixes and tails while staying unique.
_SERIALS = 3_000_000_000 - 1
_STRIDE = 7919
# One client in FAMILY_EVERY also lists the previous client's mobile: a family number that pops up two cards.
FAMILY_EVERY = 20
RISK_SCORES = {"C1": (1, 19), "C2": (20, 36), "C3": (37, 53), "C4": (54, 82), "C5": (83, 100)}


def phone_serial(index: int) -> int:
    return 1 + (index * _STRIDE) % _SERIALS


_NO_RNG = random.Random(0)  # mobile() draws nothing when given a serial


def primary_mobile(index: int) -> str:
    """The primary mobile of client index (0-based). Indexes at or beyond N give numbers nobody has."""
    return mobile(_NO_RNG, phone_serial(index))


@dataclass(frozen=True)
class Branch:
    id: int
    province: str
    city: str
    street: str
    manager_id: int | None


@dataclass(frozen=True)
class Plan:
    """What the generator needs to know about the loaded organisation and the run."""

    customers: int
    branches: tuple[Branch, ...]
    weights: tuple[int, ...]
    today: date
    created_at: str  # timestamp literal in the target database's format
    seed: int = SEED

    def chunks(self) -> list[tuple[int, int, int]]:
        return [(k, start, min(start + CHUNK, self.customers)) for k, start in
                enumerate(range(0, self.customers, CHUNK))]


def _last_weekday(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def generate_chunk(plan: Plan, chunk: tuple[int, int, int]) -> tuple[list[tuple], list[tuple]]:
    """Customer rows and phone rows for clients start..stop-1 (ids start+1..stop)."""
    k, start, stop = chunk
    rng = random.Random(plan.seed * 10_000 + k)
    today = plan.today
    as_of = _last_weekday(today).isoformat()
    created = plan.created_at
    branches = plan.branches
    cum_weights = []
    total_weight = 0
    for w in plan.weights:
        total_weight += w
        cum_weights.append(total_weight)
    customers: list[tuple] = []
    phones: list[tuple] = []
    for index in range(start, stop):
        pk = index + 1
        branch = rng.choices(branches, cum_weights=cum_weights)[0]
        male = rng.random() < 0.55
        born = birth_date(rng, today)
        adult = born + timedelta(days=18 * 366)
        opened = max(today - timedelta(days=int(rng.expovariate(1 / 1800)) + 1), adult)
        level = rng.choices(("C1", "C2", "C3", "C4", "C5"), weights=(8, 20, 35, 25, 12))[0]
        assessed = today - timedelta(days=rng.randrange(0, 760))
        total = round(rng.lognormvariate(11.5, 1.4), 2)
        cash_share = rng.uniform(0.05, 0.6)
        cash = round(total * cash_share, 2)
        customers.append((
            pk,
            f"{100_000_000 + pk}",
            "person",
            "hnw" if total >= 1_000_000 else "mass",
            chinese_name(rng),
            "resident_id",
            resident_id(rng, born, male),
            born.isoformat(),
            "M" if male else "F",
            f"c{pk}@example.cn" if rng.random() < 0.6 else "",
            f"{branch.province}{branch.city}市{branch.street}{rng.randrange(1, 999)}号",
            branch.id,
            branch.manager_id if branch.manager_id and rng.random() < 0.25 else None,
            opened.isoformat(),
            None,
            rng.choices(("normal", "dormant", "frozen"), weights=(90, 8, 2))[0],
            "professional" if total > 5_000_000 else "ordinary",
            level,
            rng.randint(*RISK_SCORES[level]),
            assessed.isoformat(),
            risk_expiry(assessed, 730).isoformat(),
            level == "C1" and rng.random() < 0.2,
            f"{total:.2f}",
            f"{cash:.2f}",
            f"{total - cash:.2f}",
            as_of,
            created,
            created,
        ))
        phones.append((primary_mobile(index), "mobile", True, pk))
        if index % FAMILY_EVERY == FAMILY_EVERY - 1:
            phones.append((primary_mobile(index - 1), "mobile", False, pk))
    return customers, phones


def fresh_identity(rng: random.Random, row: tuple) -> str:
    """Another resident ID for the same birth date and gender (to replace a duplicate)."""
    return resident_id(rng, date.fromisoformat(row[BIRTH_DATE]), row[GENDER] == "M")
