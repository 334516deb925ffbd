"""Chinese text to search terms with jieba (search-engine mode), without stop words and punctuation.

Pure functions over strings: the index (search.py) and the query go through the same terms().
"""

import logging
import re
import threading
from collections import Counter

import jieba

# Brokerage words jieba's general dictionary splits or does not know; with these, "融资融券" stays one term
# (cut_for_search still adds its parts 融资 and 融券).
DOMAIN_WORDS = (
    "融资融券", "两融", "科创板", "创业板", "北交所", "港股通", "沪港通", "深港通", "银证转账", "三方存管",
    "新股申购", "打新", "中签", "风险测评", "风险承受能力", "适当性", "转户", "销户", "开户", "交易密码",
    "资金密码", "手续费", "佣金", "印花税", "过户费", "交易时间", "集合竞价", "转人工", "人工客服", "投诉",
    "身份证", "证券账户", "资金账户", "股东账户", "营业部", "客户经理", "可转债", "国债逆回购", "休眠账户",
)

_STOP_WORDS_TEXT = """
的 了 吗 呢 啊 吧 呀 么 嘛 哦 是 在 有 和 与 及 或 也 都 就 还 又 把 被 给 让 从 到 对 向 于 为 以
而 但 我 你 您 他 她 它 我们 你们 他们 自己 这 那 这个 那个 这些 那些 这样 那样 哪 哪个 哪些 哪里
什么 怎么 怎样 怎么样 如何 为什么 怎么办 我要 多少 几 请问 请 一下 一个 可以 能 能否 能不能 可不可以
是否 要 想 想要 会 需要 应该 已经 现在 时候 问题 一些 没有 不 没 很 非常 谢谢 你好 您好 麻烦 帮 帮忙
帮我 告诉 知道 办理 咨询 关于 如果 的话 之后 以后 以前 然后 a an the of to in on for is are and or
how what do does can i you my
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_SETUP_LOCK = threading.Lock()
_ready = False
_KEEP = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
MAX_TERM_LENGTH = 40


def _setup() -> None:
    global _ready
    if _ready:
        return
    with _SETUP_LOCK:
        if not _ready:
            jieba.setLogLevel(logging.WARNING)
            for word in DOMAIN_WORDS:
                jieba.add_word(word, freq=200000)
            jieba.initialize()
            _ready = True


def terms(text: str) -> list[str]:
    """The search terms of text, in order, repeats kept (their count is the term frequency)."""
    _setup()
    out = []
    for token in jieba.cut_for_search(text or ""):
        token = token.strip().lower()
        if len(token) < 2 or len(token) > MAX_TERM_LENGTH or token in STOP_WORDS or not _KEEP.search(token):
            continue
        if token.isdigit():
            continue
        out.append(token)
    return out


def keyword_terms(keywords: str) -> list[str]:
    """Keywords as written (split on spaces and commas) plus their jieba terms, so a keyword is always a term."""
    parts = [p.strip().lower() for p in re.split(r"[\s,，、;；]+", keywords or "") if p.strip()]
    whole = [p for p in parts if 2 <= len(p) <= MAX_TERM_LENGTH and p not in STOP_WORDS]
    return whole + [t for p in parts for t in terms(p) if t != p]


TITLE_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT = 3, 2, 1


def weighted_terms(title: str, keywords: str, body: str) -> tuple[dict[str, int], set[str]]:
    """term -> weighted frequency (title x3, keywords x2, body x1), and the terms that occur in the title."""
    title_terms = Counter(terms(title))
    weights: Counter = Counter()
    for term, n in title_terms.items():
        weights[term] += n * TITLE_WEIGHT
    for term, n in Counter(keyword_terms(keywords)).items():
        weights[term] += n * KEYWORD_WEIGHT
    for term, n in Counter(terms(body)).items():
        weights[term] += n * BODY_WEIGHT
    return dict(weights), set(title_terms)
