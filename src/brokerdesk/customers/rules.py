"""Pure customer rules (no Django): search-term classification, risk-assessment expiry."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class SearchTerm:
    text: str
    is_name: bool
    is_identifier: bool


def classify_search(raw: str) -> SearchTerm:
    """Chinese or Latin letters search names; digits (with an X for IDs, a letter for SH accounts)
    search phones, ID numbers, capital and shareholder accounts."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    if not text:
        return SearchTerm("", False, False)
    identifier_chars = sum(ch.isdigit() for ch in text)
    is_identifier = identifier_chars >= max(1, len(text) - 1) and text.isascii()
    return SearchTerm(text.upper() if is_identifier else text, not is_identifier, is_identifier)


def prefix_upper_bound(prefix: str) -> str | None:
    """Smallest string greater than every string starting with prefix: a B-tree range instead of LIKE.

    None when there is none (the prefix is all U+10FFFF). Surrogates are skipped: a bound the database
    driver cannot encode would turn a search into a server error.
    """
    for i in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[i]) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:i] + chr(code)
    return None


def risk_expiry(assessed_on: date | None, validity_days: int) -> date | None:
    return assessed_on + timedelta(days=validity_days) if assessed_on else None


def risk_status(expires_on: date | None, today: date, warn_days: int) -> str:
    """"missing", "expired", "expiring" (within warn_days) or "valid"."""
    if expires_on is None:
        return "missing"
    if expires_on < today:
        return "expired"
    if (expires_on - today).days <= warn_days:
        return "expiring"
    return "valid"
