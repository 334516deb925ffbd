"""Vectorised identities: Chinese names, resident IDs (GB 11643), unified social credit codes (GB 32100),
other documents, unique mainland mobiles, landlines, emails and addresses, as Arrow string arrays.

Check characters are computed in NumPy over digit matrices; no Python loop over clients.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerdesk.synth.people import MOBILE_PREFIXES, SURNAMES

from . import columns as col
from .geography import CITIES, PROVINCES, ROADS

MALE_CHARS = (
    "伟强磊军洋勇杰涛明超刚建国文辉鑫宇浩然子轩博天佑志海晓东波斌鹏飞宏亮新立永健世广义兴良山仁宁贵福生龙元全胜学"
    "祥才发成康星光达安岩中茂进林有坚和彪诚先敬震振壮会思群豪心邦承乐绍功松善厚庆民友裕河哲江政谦亨奇固之轮翰朗"
    "伯言若鸣朋梁栋维启克伦翔旭泽晨辰士以家致树炎德行时泰盛俊峰毅锋帅凯"
)
FEMALE_CHARS = (
    "芳娜秀英敏静丽艳娟霞平桂玉兰梓涵欣怡佳琪雨桐嘉雅婷梦瑶燕春梅红丹华慧巧美淑惠珠翠芝萍娥玲芬彩菊凤洁琳素云莲真"
    "环雪荣爱妹香月莺媛瑞凡琼勤珍贞莉娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩姣婉娴瑾颖露婵雁蓓仪荷蓉眉君琴蕊薇菁岚苑婕馨"
    "韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁晓欢霄枫芸菲寒伊亚思诗"
)
MALE_GIVEN = np.array(sorted(set(MALE_CHARS)))  # unique, in a fixed order
FEMALE_GIVEN = np.array(sorted(set(FEMALE_CHARS)))
GIVEN = np.array(sorted(set(MALE_CHARS) | set(FEMALE_CHARS)))
SURNAME_LIST = np.array(list(SURNAMES))
_SURNAME_WEIGHT = 1.0 / (np.arange(len(SURNAME_LIST)) + 3.0) ** 1.0
RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
MOBILE_SPACE = len(MOBILE_PREFIXES) * 10**8
EMAIL_DOMAINS = ("example.com", "example.cn", "example.net", "mail.example.com")
INDUSTRIES = ("科技", "实业", "贸易", "投资", "电子", "商贸", "建材", "物流", "医疗器械", "食品", "网络", "环保",
              "新能源", "文化传媒", "机械", "服饰", "置业", "供应链")
CORPORATE_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
INSTITUTION_SUFFIXES = ("基金管理有限公司", "资产管理有限公司", "保险资产管理有限公司", "投资管理有限公司",
                        "信托有限责任公司")
PRODUCT_STYLES = ("稳健", "成长", "价值", "量化", "优选", "红利", "进取", "睿远")
BRAND_HEADS = ("华信", "恒通", "鼎盛", "瑞丰", "金桥", "远航", "天成", "安泰", "嘉禾", "中科", "东方", "海天", "银河",
               "宏达", "新元", "华阳", "长城", "南山", "北辰", "永安", "同德", "明德", "正泰", "润和", "晨光", "博信")

_REGIONS = [r for p in PROVINCES for r in p.regions]
_REGION_CODES = np.array([int(r) for r in _REGIONS], dtype=np.int64)
_REGION_START = np.cumsum([0] + [len(p.regions) for p in PROVINCES])[:-1]
_REGION_COUNT = np.array([len(p.regions) for p in PROVINCES])


def chinese_names(rng: np.random.Generator, male: np.ndarray) -> pa.Array:
    """A surname (the common ones more often) and one or two given-name characters that suit the gender."""
    n = len(male)
    surname = pa.array(SURNAME_LIST).take(pa.array(rng.choice(len(SURNAME_LIST), n, p=_norm(_SURNAME_WEIGHT))))
    # One pool: the women's characters, "", the men's characters, "".
    pool = pa.array([*FEMALE_GIVEN.tolist(), "", *MALE_GIVEN.tolist(), ""])
    size = np.where(male, len(MALE_GIVEN), len(FEMALE_GIVEN))
    base = np.where(male, len(FEMALE_GIVEN) + 1, 0)
    first = base + (rng.random(n) * size).astype(np.int64)
    second = base + np.where(rng.random(n) < 0.3, size, (rng.random(n) * size).astype(np.int64))
    return col.join(surname, pool.take(pa.array(first)), pool.take(pa.array(second)))


def _norm(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def region_codes(rng: np.random.Generator, province: np.ndarray, local_share: float = 0.8) -> np.ndarray:
    """A region code per person: mostly from the home branch's province, the rest from anywhere."""
    n = len(province)
    home = _REGION_START[province] + (rng.random(n) * _REGION_COUNT[province]).astype(np.int64)
    anywhere = rng.integers(0, len(_REGION_CODES), n)
    return _REGION_CODES[np.where(rng.random(n) < local_share, home, anywhere)]


def ymd(day_numbers: np.ndarray) -> np.ndarray:
    """yyyymmdd integers from day numbers (through a table of the days in range: no per-row calendar work)."""
    day_numbers = np.asarray(day_numbers, dtype=np.int64)
    if len(day_numbers) == 0:
        return day_numbers
    low, high = int(day_numbers.min()), int(day_numbers.max())
    d = np.arange(low, high + 1).astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    table = ((years.astype(np.int64) + 1970) * 10000 + (months - years).astype(np.int64) * 100
             + 100 + (d - months).astype(np.int64) + 1)
    return table[day_numbers - low]


def resident_ids(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Unique 18-character resident IDs (GB 11643) as an (n, 18) byte matrix.

    Sequence codes are odd for men and even for women; a duplicate gets another free sequence code of the
    same parity (one sort of all numbers, then lookups for the few that move).
    """
    base = region.astype(np.int64) * 10**11 + ymd(birth) * 1000
    sequence = rng.integers(0, 500, len(region)) * 2 + male.astype(np.int64)
    body = base + sequence
    taken = np.sort(body)
    order = np.argsort(body)
    ordered = body[order]
    moving = order[np.flatnonzero(ordered[1:] == ordered[:-1]) + 1]  # all but the first of each duplicate run
    placed = np.zeros(0, dtype=np.int64)
    for _ in range(200):
        if len(moving) == 0:
            break
        sequence[moving] = (sequence[moving] + 2 * rng.integers(1, 250, len(moving))) % 1000
        candidate = base[moving] + sequence[moving]
        clash = _member(candidate, taken) | _member(candidate, placed)
        first = np.zeros(len(candidate), dtype=bool)
        first[np.unique(candidate, return_index=True)[1]] = True
        ok = ~clash & first
        body[moving[ok]] = candidate[ok]
        placed = np.sort(np.concatenate([placed, candidate[ok]]))
        moving = moving[~ok]
    else:  # pragma: no cover - would need ~500 people per region and birthday
        raise RuntimeError("could not make resident IDs unique")
    digits = col.digits(body, 17)
    check = RIC_CHECK[((digits.astype(np.int64) - 48) @ RIC_WEIGHTS) % 11]
    return np.hstack([digits, check.reshape(-1, 1)])


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def org_codes(serial: np.ndarray) -> np.ndarray:
    """9-character organisation codes (GB 11714: 8 digits and a check character) as an (n, 9) byte matrix."""
    base = (np.asarray(serial, dtype=np.int64) * 7_654_321 + 12_345_678) % 10**8
    digits = col.digits(base, 8)
    check = 11 - ((digits.astype(np.int64) - 48) @ ORG_WEIGHTS) % 11
    char = np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), check + 48)).astype(np.uint8)
    return np.hstack([digits, char.reshape(-1, 1)])


def usccs(serial: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Unified social credit codes (GB 32100) for enterprises ('91') as an (n, 18) byte matrix."""
    body = np.hstack([col.text_matrix("91", rows=len(serial)), col.digits(region, 6), org_codes(serial)])
    lookup = np.full(128, -1, dtype=np.int64)
    for i, ch in enumerate(USCC_ALPHABET):
        lookup[ord(ch)] = i
    values = lookup[body]
    check = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    return np.hstack([body, alphabet[check].reshape(-1, 1)])


def amac_codes(serial: np.ndarray) -> np.ndarray:
    """Product filing codes (基金业协会备案编码) such as SXYZ123: 'S', three letters, three digits.

    One code per serial up to 26**3 * 1000 (17.6 million clients): the identity (type, number) is unique in the
    database, so two product clients must never share a code.
    """
    serial = np.asarray(serial, dtype=np.int64) % (26 ** 3 * 1000)
    letters = np.stack([65 + serial // 676_000, 65 + (serial // 26_000) % 26, 65 + (serial // 1000) % 26],
                       axis=1).astype(np.uint8)
    return np.hstack([col.text_matrix("S", rows=len(serial)), letters, col.digits(serial % 1000, 3)])


def mobiles(serials: np.ndarray) -> np.ndarray:
    """Mainland mobiles as an (n, 11) byte matrix: a carrier prefix and eight digits, unique per serial."""
    prefixes = np.array([list(p.encode()) for p in MOBILE_PREFIXES], dtype=np.uint8)
    serials = np.asarray(serials, dtype=np.int64)
    return np.hstack([prefixes[serials % len(MOBILE_PREFIXES)], col.digits(serials // len(MOBILE_PREFIXES), 8)])


def mobile_serials(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct serials out of the 3 billion mobiles MOBILE_PREFIXES can spell."""
    return rng.choice(MOBILE_SPACE, size=n, replace=False).astype(np.int64)


def landlines(rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    """Landlines with the area code of the client's city: 0755 + 8 digits, 0592 + 7 digits."""
    n = len(city)
    area = pa.array([c.area_code for c in CITIES]).take(pa.array(city))
    local_digits = np.array([c.local_digits for c in CITIES])[city]
    number = rng.integers(2, 9, n) * 10 ** (local_digits - 1) + rng.integers(0, 10**7, n) % 10 ** (local_digits - 1)
    return col.join(area, col.int_text(number))


def emails(rng: np.random.Generator, n: int) -> pa.Array:
    length = rng.integers(6, 11, n)
    local = rng.integers(10**5, 10**10, n) % (10**length) + 10 ** (length - 1)
    domain = pa.array(EMAIL_DOMAINS).take(pa.array(rng.integers(0, len(EMAIL_DOMAINS), n)))
    return col.join(col.int_text(local), "@", domain)


def city_prefixes(city: np.ndarray) -> pa.Array:
    """广东省深圳市 / 上海市 for each row's city."""
    labels = []
    for c in CITIES:
        province = next(p for p in PROVINCES if p.code == c.province)
        labels.append(province.full if province.full == f"{c.name}市" else f"{province.full}{c.name}市")
    return pa.array(labels).take(pa.array(city))


def addresses(rng: np.random.Generator, city: np.ndarray, with_room: np.ndarray) -> pa.Array:
    n = len(city)
    road = pa.array(ROADS).take(pa.array(rng.integers(0, len(ROADS), n)))
    number = col.int_text(rng.integers(1, 900, n))
    building = col.int_text(rng.integers(1, 30, n))
    room = col.int_text(rng.integers(1, 33, n) * 100 + rng.integers(1, 9, n))
    room_part = col.join(building, "栋", room, "室")
    room_part = pc.if_else(pa.array(with_room), room_part, "")
    return col.join(city_prefixes(city), road, number, "号", room_part)


def corporate_names(rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    n = len(city)
    city_name = pa.array([c.name for c in CITIES]).take(pa.array(city))
    head = pa.array(BRAND_HEADS).take(pa.array(rng.integers(0, len(BRAND_HEADS), n)))
    industry = pa.array(INDUSTRIES).take(pa.array(rng.integers(0, len(INDUSTRIES), n)))
    suffix = pa.array(CORPORATE_SUFFIXES).take(pa.array(rng.integers(0, len(CORPORATE_SUFFIXES), n)))
    return col.join(city_name, head, industry, suffix)


def institution_names(rng: np.random.Generator, n: int) -> pa.Array:
    head = pa.array(BRAND_HEADS).take(pa.array(rng.integers(0, len(BRAND_HEADS), n)))
    suffix = pa.array(INSTITUTION_SUFFIXES).take(pa.array(rng.integers(0, len(INSTITUTION_SUFFIXES), n)))
    return col.join(head, suffix)


def product_names(rng: np.random.Generator, n: int) -> pa.Array:
    head = pa.array(BRAND_HEADS).take(pa.array(rng.integers(0, len(BRAND_HEADS), n)))
    style = pa.array(PRODUCT_STYLES).take(pa.array(rng.integers(0, len(PRODUCT_STYLES), n)))
    number = col.int_text(rng.integers(1, 60, n))
    kind = pa.array(["号私募证券投资基金", "号集合资产管理计划"]).take(pa.array(rng.integers(0, 2, n)))
    return col.join(head, style, number, kind)
