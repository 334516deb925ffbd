"""Synthetic but valid people: Chinese names, resident IDs with real check digits, mainland mobiles.

Pure functions over a random.Random, so a seed gives the same brokerage every time.
"""

import random
from datetime import date, timedelta

from stdnum.iso7064 import mod_11_2

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰文辉鑫宇浩然子轩梓涵"
    "欣怡思远佳琪雨桐嘉怡俊杰晨曦博文天佑雅婷梦瑶志强海燕晓东春梅红霞丹丹"
)
# Real county-level region codes (GB/T 2260): Beijing, Shanghai, Shenzhen, Guangzhou, Hangzhou, Chengdu, Nanjing, Wuhan.
REGION_CODES = ["110105", "110108", "310104", "310115", "440305", "440106", "330106", "510107", "320102", "420106"]
MOBILE_PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
                   "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180",
                   "181", "189", "177", "199"]


def chinese_name(rng: random.Random) -> str:
    given_len = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def resident_id(rng: random.Random, birth: date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male (GB 11643)
    body = f"{rng.choice(REGION_CODES)}{birth:%Y%m%d}{sequence:03d}"
    return body + mod_11_2.calc_check_digit(body)  # (ric.calc_check_digit expects the check digit included)


def birth_date(rng: random.Random, today: date) -> date:
    # Investors from 20 to 85, weighted to the middle.
    age_days = int(rng.triangular(20, 85, 45) * 365.25)
    return today - timedelta(days=age_days)


def mobile(rng: random.Random, serial: int | None = None) -> str:
    """A valid mainland mobile; with serial, unique per serial (for large generated populations)."""
    prefix = MOBILE_PREFIXES[(serial if serial is not None else rng.randrange(10**9)) % len(MOBILE_PREFIXES)]
    tail = serial // len(MOBILE_PREFIXES) if serial is not None else rng.randrange(10**8)
    return f"{prefix}{tail % 10**8:08d}"
