"""The demo brokerage: an HQ center and sub-centers, branches, departments, one login per role, a few
hundred clients with accounts, risk profiles, permissions and holdings, and a year of facts in the lake.

Loaded in bulk (it plays the part of a first intake), seeded so every run builds the same brokerage.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from brokerdesk.analytics.engine.lake import ASSET_SNAPSHOTS, FUND_TRANSFERS, TRADES, write_file
from brokerdesk.core.audit import audit_record
from brokerdesk.core.calendar import trading_days_ending
from brokerdesk.core.lake import lake_root, publish, version_dir
from brokerdesk.customers.choices import (
    Channel,
    ClientClass,
    CustomerKind,
    CustomerStatus,
    IdType,
    InvestorCategory,
    Market,
    PermissionKind,
)
from brokerdesk.customers.models import (
    CapitalAccount,
    ChannelConsent,
    Customer,
    CustomerPhone,
    CustomerTag,
    Holding,
    Security,
    ShareholderAccount,
    TradingPermission,
)
from brokerdesk.customers.rules import risk_expiry
from brokerdesk.org.choices import BranchKind, CenterKind, DepartmentKind, Role, Scope
from brokerdesk.org.models import Branch, Company, ContactCenter, Department, Staff
from brokerdesk.synth.people import birth_date, chinese_name, mobile, resident_id

DEMO_PASSWORD = "Demo#2026brokerdesk"  # noqa: S105  (published demo credential, printed by `make run`)

CENTERS = [
    ("HQ", "总部客服中心", CenterKind.HQ, "广东"),
    ("SC-GD", "广东客服分中心", CenterKind.SUB, "广东"),
    ("SC-SH", "上海客服分中心", CenterKind.SUB, "上海"),
    ("SC-BJ", "北京客服分中心", CenterKind.SUB, "北京"),
    ("SC-ZJ", "浙江客服分中心", CenterKind.SUB, "浙江"),
    ("SC-SC", "四川客服分中心", CenterKind.SUB, "四川"),
]
BRANCHES = [
    ("B001", "深圳福华一路营业部", "广东", "深圳", "SC-GD"),
    ("B002", "广州天河路营业部", "广东", "广州", "SC-GD"),
    ("B003", "上海陆家嘴营业部", "上海", "上海", "SC-SH"),
    ("B004", "北京金融大街营业部", "北京", "北京", "SC-BJ"),
    ("B005", "杭州庆春路营业部", "浙江", "杭州", "SC-ZJ"),
    ("B006", "成都人民南路营业部", "四川", "成都", "SC-SC"),
]
DEPARTMENTS = [
    ("D-CS", "客户服务部", DepartmentKind.CUSTOMER_SERVICE),
    ("D-OPS", "运营管理部", DepartmentKind.OPERATIONS),
    ("D-RISK", "风险管理部", DepartmentKind.RISK_CONTROL),
    ("D-CMP", "合规管理部", DepartmentKind.COMPLIANCE),
    ("D-WM", "财富管理部", DepartmentKind.WEALTH_MANAGEMENT),
    ("D-IT", "信息技术部", DepartmentKind.IT),
]
# (username, display name, role, scope, center code, branch code, department code)
STAFF = [
    ("agent", "客服坐席 林小青", Role.AGENT, Scope.CENTER, "SC-GD", None, "D-CS"),
    ("supervisor", "班长 陈志远", Role.SUPERVISOR, Scope.CENTER, "SC-GD", None, "D-CS"),
    ("branch_a", "营业部客服 王丽", Role.BRANCH_STAFF, Scope.BRANCH, None, "B001", None),
    ("branch_b", "营业部客服 赵敏", Role.BRANCH_STAFF, Scope.BRANCH, None, "B003", None),
    ("manager", "客户经理 刘洋", Role.CLIENT_MANAGER, Scope.BRANCH, None, "B001", None),
    ("advisor", "投资顾问 孙博文", Role.ADVISOR, Scope.BRANCH, None, "B001", "D-WM"),
    ("reviewer", "运营复核 周静", Role.REVIEWER, Scope.COMPANY, None, None, "D-OPS"),
    ("compliance", "合规专员 郑海燕", Role.COMPLIANCE, Scope.COMPANY, None, None, "D-CMP"),
    ("admin", "系统管理员", Role.ADMIN, Scope.COMPANY, None, None, "D-IT"),
]
SECURITIES = [
    (Market.SH, "600519", "贵州茅台", Decimal("1650")), (Market.SH, "601318", "中国平安", Decimal("48")),
    (Market.SH, "600036", "招商银行", Decimal("35")), (Market.SZ, "000858", "五粮液", Decimal("140")),
    (Market.SZ, "300750", "宁德时代", Decimal("210")), (Market.SZ, "000001", "平安银行", Decimal("11")),
    (Market.SH, "688981", "中芯国际", Decimal("85")), (Market.SZ, "002594", "比亚迪", Decimal("260")),
    (Market.SH, "510300", "沪深300ETF", Decimal("3.9")), (Market.SZ, "159915", "创业板ETF", Decimal("2.1")),
]
# (board, product risk level) of each entry in SECURITIES
SECURITY_BOARDS = [("main", "R3"), ("main", "R3"), ("main", "R3"), ("main", "R3"), ("chinext", "R4"),
                   ("main", "R3"), ("star", "R4"), ("main", "R3"), ("fund", "R3"), ("fund", "R4")]
BANKS = ["工商银行", "建设银行", "招商银行", "农业银行", "中国银行", "交通银行"]
TAGS = ["偏好电话", "关注科技股", "退休人员", "企业主", "需要双录", "VIP活动"]


@dataclass
class DemoResult:
    clients: int
    staff: list[tuple[str, str, str]]
    lake_days: int


def demo_loaded() -> bool:
    return Company.objects.exists()


def _org() -> dict:
    company = Company.objects.create(name="示范证券股份有限公司", short_name="示范证券", service_number="95000")
    centers = {
        code: ContactCenter.objects.create(company=company, code=code, name=name, kind=kind, province=province)
        for code, name, kind, province in CENTERS
    }
    branches = {
        code: Branch.objects.create(company=company, code=code, name=name, province=province, city=city,
                                    serving_center=centers[center], kind=BranchKind.SALES_OFFICE)
        for code, name, province, city, center in BRANCHES
    }
    departments = {
        code: Department.objects.create(company=company, code=code, name=name, kind=kind)
        for code, name, kind in DEPARTMENTS
    }
    return {"company": company, "centers": centers, "branches": branches, "departments": departments}


def _staff(org: dict) -> dict[str, Staff]:
    created = {}
    for username, display, role, scope, center, branch, department in STAFF:
        user = Staff(
            username=username, display_name=display, scope=scope,
            center=org["centers"].get(center), branch=org["branches"].get(branch),
            department=org["departments"].get(department), is_staff=(role == Role.ADMIN),
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        created[username] = user
    return created


def _asset_path(rng: random.Random, days: int, end_total: float) -> list[float]:
    """A random walk that ends at end_total, with the odd transfer jump."""
    values = [end_total]
    for _ in range(days - 1):
        step = rng.gauss(0, 0.012)
        if rng.random() < 0.01:
            step += rng.choice([-0.3, 0.25])
        values.append(max(values[-1] / (1 + step), 1000.0))
    return values[::-1]


def load_demo(*, clients: int = 400, seed: int = 20261121) -> DemoResult:
    rng = random.Random(seed)
    today = timezone.localdate()
    days = trading_days_ending(today if today.weekday() < 5 else today - timedelta(days=today.weekday() - 4),
                               settings.ASSET_TREND_DAYS)
    with transaction.atomic():
        org = _org()
        staff = _staff(org)
        Security.objects.bulk_create(
            Security(market=m, security_code=code, name=name, board=board, risk_level=risk)
            for (m, code, name, _), (board, risk) in zip(SECURITIES, SECURITY_BOARDS, strict=True)
        )
        branch_codes = list(org["branches"])
        managers = {"B001": staff["manager"]}
        customers, phones, capitals, holders, perms, consents, tags, holdings = [], [], [], [], [], [], [], []
        facts = []  # (customer_no, end_total, cash share)
        for i in range(clients):
            kind = CustomerKind.PERSON if rng.random() < 0.94 else CustomerKind.CORPORATE
            branch_code = branch_codes[i % len(branch_codes)]
            male = rng.random() < 0.55
            born = birth_date(rng, today)
            opened = today - timedelta(days=int(rng.expovariate(1 / 1400)) + 1)
            level = rng.choices(["C1", "C2", "C3", "C4", "C5"], weights=[8, 20, 35, 25, 12])[0]
            score = {"C1": (1, 19), "C2": (20, 36), "C3": (37, 53), "C4": (54, 82), "C5": (83, 100)}[level]
            assessed = today - timedelta(days=rng.randrange(0, 760))
            total = round(rng.lognormvariate(12.0, 1.3), 2)
            cash_share = rng.uniform(0.05, 0.6)
            customer_no = f"{300000000 + i}"
            home = org["branches"][branch_code]
            if kind == CustomerKind.PERSON:
                id_type, id_number, name = IdType.RESIDENT_ID, resident_id(rng, born, male), chinese_name(rng)
                client_class = ClientClass.HIGH_NET_WORTH if total >= 1_000_000 else ClientClass.MASS
            else:
                id_type, id_number = IdType.USCC, _uscc(rng, i)
                name = f"{rng.choice(['深圳', '上海', '杭州', '成都'])}{chinese_name(rng)[1:]}科技有限公司"
                client_class = ClientClass.CORPORATE
            customer = Customer(
                customer_no=customer_no, kind=kind, client_class=client_class, name=name,
                id_type=id_type, id_number=id_number,
                birth_date=born if kind == CustomerKind.PERSON else None,
                gender=("M" if male else "F") if kind == CustomerKind.PERSON else "",
                email=f"client{i}@example.cn" if rng.random() < 0.6 else "",
                address=f"{home.province}{home.city}市示范路{rng.randrange(1, 999)}号",
                home_branch=home, client_manager=managers.get(branch_code),
                opened_on=opened,
                status=rng.choices([CustomerStatus.NORMAL, CustomerStatus.DORMANT, CustomerStatus.FROZEN],
                                   weights=[90, 8, 2])[0],
                investor_category=InvestorCategory.PROFESSIONAL if total > 5_000_000 else InvestorCategory.ORDINARY,
                risk_level=level, risk_score=rng.randint(*score), risk_assessed_on=assessed,
                risk_expires_on=risk_expiry(assessed, settings.RISK_ASSESSMENT_VALIDITY_DAYS),
                is_lowest_category=(level == "C1" and rng.random() < 0.2),
                total_assets=Decimal(str(total)), cash_balance=Decimal(str(round(total * cash_share, 2))),
                market_value=Decimal(str(round(total * (1 - cash_share), 2))), assets_as_of=days[-1],
            )
            customers.append(customer)
            facts.append((customer_no, total, cash_share))
        Customer.objects.bulk_create(customers, batch_size=1000)
        for i, customer in enumerate(customers):
            phones.append(CustomerPhone(customer=customer, number=mobile(rng, 7_000_000 + i * 7919), is_primary=True))
            if rng.random() < 0.2:
                phones.append(CustomerPhone(customer=customer, number=mobile(rng), kind="home"))
            capitals.append(CapitalAccount(customer=customer, account_no=f"{8800_0000_0000 + i}",
                                           opened_on=customer.opened_on))
            holders.append(ShareholderAccount(customer=customer, market=Market.SH, account_no=f"A{100000000 + i:09d}",
                                              opened_on=customer.opened_on))
            holders.append(ShareholderAccount(customer=customer, market=Market.SZ, account_no=f"0{200000000 + i:09d}",
                                              opened_on=customer.opened_on))
            for kind in rng.sample([PermissionKind.CHINEXT, PermissionKind.STAR, PermissionKind.MARGIN,
                                    PermissionKind.HK_CONNECT], k=rng.randrange(0, 3)):
                perms.append(TradingPermission(customer=customer, kind=kind,
                                               granted_on=customer.opened_on + timedelta(days=rng.randrange(30, 400))))
            now = timezone.now()
            for channel in (Channel.PHONE, Channel.SMS, Channel.EMAIL):
                consents.append(ChannelConsent(customer=customer, channel=channel,
                                               consented=rng.random() < 0.9, changed_at=now))
            if rng.random() < 0.3:
                tags.append(CustomerTag(customer=customer, name=rng.choice(TAGS)))
            invest = float(customer.market_value)
            for market, code, sec_name, price in rng.sample(SECURITIES, k=rng.randrange(1, 4)):
                share = invest * rng.uniform(0.2, 0.6)
                quantity = max(100, int(share / float(price) / 100) * 100)
                holdings.append(Holding(
                    customer=customer, market=market, security_code=code, security_name=sec_name,
                    quantity=quantity,
                    cost_price=(price * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(Decimal("0.0001")),
                    market_value=(price * quantity).quantize(Decimal("0.01")), as_of=days[-1]))
        for model, rows in ((CustomerPhone, phones), (CapitalAccount, capitals), (ShareholderAccount, holders),
                            (TradingPermission, perms), (ChannelConsent, consents), (CustomerTag, tags),
                            (Holding, holdings)):
            model.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=(model is CustomerPhone))
        _write_lake(rng, days, facts)
        audit_record(actor=None, actor_username="system", action="demo.load", object_type="company",
                     object_id=org["company"].pk, details={"clients": clients, "seed": seed, "days": len(days)})
    return DemoResult(
        clients=clients,
        staff=[(u, str(Role(r).label), d) for u, d, r, *_ in STAFF],
        lake_days=len(days),
    )


def _uscc(rng: random.Random, serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91440300{serial:09d}"  # 9 = enterprise, 1 = company, 440300 = Shenzhen
    return body + uscc.calc_check_digit(body)


def _write_partition(entity: str, day: date, table: pa.Table) -> None:
    path = version_dir(entity, day, "demo") / "part-0.parquet"
    rows = write_file(path, table)
    publish(entity, day, str(path.relative_to(lake_root())), rows, "demo")


def _write_lake(rng: random.Random, days: list[date], facts: list[tuple[str, float, float]]) -> None:
    paths = {no: _asset_path(rng, len(days), total) for no, total, _ in facts}
    shares = {no: share for no, _, share in facts}
    names = [(market, code, name, price) for market, code, name, price in SECURITIES]
    for index, day in enumerate(days):
        totals = [(no, paths[no][index]) for no, _, _ in facts]
        _write_partition(ASSET_SNAPSHOTS, day, pa.table({
            "customer_no": [no for no, _ in totals],
            "total_assets": pa.array([Decimal(f"{t:.2f}") for _, t in totals], pa.decimal128(18, 2)),
            "cash": pa.array([Decimal(f"{t * shares[no]:.2f}") for no, t in totals], pa.decimal128(18, 2)),
            "market_value": pa.array([Decimal(f"{t * (1 - shares[no]):.2f}") for no, t in totals],
                                     pa.decimal128(18, 2)),
        }))
        trades, transfers = [], []
        for no, total, _ in facts:
            if rng.random() < 0.08:
                market, code, sec_name, price = rng.choice(names)
                # A trade moves 5-30% of the client's assets, in board lots of 100 shares.
                quantity = max(100, int(total * rng.uniform(0.05, 0.3) / float(price)) // 100 * 100)
                amount = price * quantity
                trades.append((no, _clock(rng), market, code, sec_name, rng.choice("BS"), quantity, price, amount,
                               max(Decimal("5"), (amount * Decimal("0.00025")).quantize(Decimal("0.01")))))
            if rng.random() < 0.02:
                transfers.append((no, _clock(rng), rng.choice(["in", "out"]),
                                  Decimal(f"{total * rng.uniform(0.01, 0.2):.2f}"), rng.choice(BANKS)))
        _write_partition(TRADES, day, pa.table({
            "customer_no": [t[0] for t in trades], "trade_time": [t[1] for t in trades],
            "market": [t[2] for t in trades], "security_code": [t[3] for t in trades],
            "side": [t[5] for t in trades], "quantity": pa.array([t[6] for t in trades], pa.int64()),
            "price": pa.array([t[7] for t in trades], pa.decimal128(14, 4)),
            "amount": pa.array([t[8] for t in trades], pa.decimal128(18, 2)),
            "commission": pa.array([t[9] for t in trades], pa.decimal128(14, 2)),
        }))
        _write_partition(FUND_TRANSFERS, day, pa.table({
            "customer_no": [t[0] for t in transfers], "transfer_time": [t[1] for t in transfers],
            "direction": [t[2] for t in transfers],
            "amount": pa.array([t[3] for t in transfers], pa.decimal128(18, 2)),
            "currency": ["CNY"] * len(transfers), "bank": [t[4] for t in transfers],
        }))


def _clock(rng: random.Random) -> str:
    start = datetime.combine(date.today(), time(9, 30))
    return (start + timedelta(seconds=rng.randrange(0, 4 * 3600))).strftime("%H:%M:%S")
