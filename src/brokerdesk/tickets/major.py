"""Which complaints are major (重大投诉): regulator referrals, media, lawyers and lawsuits, group complaints, large
amounts — each a configurable rule (MajorComplaintRule). Pure matching here; the service escalates.

Keywords are matched against jieba's segmentation of the text, with every configured keyword added to jieba's
dictionary first, so "律师函" is found as a word while "律" inside an unrelated word is not.
"""

import re
import threading
from dataclasses import dataclass
from decimal import Decimal

import jieba

from brokerdesk.tickets.choices import MajorRuleKind, TicketKind

_added_words: set[str] = set()
_jieba_lock = threading.Lock()


@dataclass(frozen=True)
class RuleSpec:
    rule_id: int
    name: str
    kind: str
    keywords: tuple[str, ...] = ()
    amount_threshold: Decimal | None = None
    min_clients: int | None = None


@dataclass(frozen=True)
class Facts:
    kind: str
    text: str
    amount: Decimal | None = None
    clients: int = 1


def split_keywords(raw: str) -> tuple[str, ...]:
    return tuple(word for word in (part.strip() for part in re.split(r"[,，、;；\n]+", raw or "")) if word)


def _words(text: str, keywords: set[str]) -> set[str]:
    with _jieba_lock:  # jieba's dictionary is process-global
        for word in keywords - _added_words:
            jieba.add_word(word, freq=100000)
            _added_words.add(word)
        return {token.strip() for token in jieba.lcut(text or "")}


def major_reasons(facts: Facts, rules: list[RuleSpec]) -> list[dict]:
    """The rules that make this ticket major, each as {"rule", "name", "kind", "detail"}; empty when none."""
    keywords = {word for rule in rules if rule.kind == MajorRuleKind.KEYWORDS for word in rule.keywords}
    words = _words(facts.text, keywords) if keywords else set()
    reasons = []
    for rule in rules:
        detail = _match(rule, facts, words)
        if detail is not None:
            reasons.append({"rule": rule.rule_id, "name": rule.name, "kind": rule.kind, "detail": detail})
    return reasons


def _match(rule: RuleSpec, facts: Facts, words: set[str]) -> str | None:
    if rule.kind == MajorRuleKind.REGULATOR_REFERRAL:
        return "regulator referral" if facts.kind == TicketKind.REGULATOR_REFERRAL else None
    if rule.kind == MajorRuleKind.KEYWORDS:
        found = [word for word in rule.keywords if word in words]
        return "、".join(found) if found else None
    if rule.kind == MajorRuleKind.AMOUNT:
        if rule.amount_threshold is not None and facts.amount is not None and facts.amount >= rule.amount_threshold:
            return f"{facts.amount} ≥ {rule.amount_threshold}"
        return None
    if rule.kind == MajorRuleKind.GROUP:
        if rule.min_clients is not None and facts.clients >= rule.min_clients:
            return f"{facts.clients} ≥ {rule.min_clients}"
        return None
    return None  # FLAG: only a handler's explicit escalation
