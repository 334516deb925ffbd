"""Display masking of personal data (JR/T 0171 practice, see DOMAIN.md "Personal data").

Masking is for display: the full value never leaves a selector unless the actor may unmask, and
every unmasked read is audited by the caller (see customers.services.customer_unmask).
"""


def _mask(value: str, keep_start: int, keep_end: int, fill: str = "*") -> str:
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        # Too short to show both ends: show nothing but its length.
        return fill * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + fill * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(value: str) -> str:
    """First 3 + last 4: 110***********1234."""
    return _mask(value or "", 3, 4)


def mask_phone(value: str) -> str:
    """Mainland mobile 138****1234; other numbers keep the first 3 and last 4 as well."""
    return _mask(value or "", 3, 4)


def mask_bank_card(value: str) -> str:
    """First 6 + last 4."""
    return _mask(value or "", 6, 4)


def mask_account(value: str) -> str:
    """Capital and shareholder accounts: first 2 + last 4, enough for a caller to confirm."""
    return _mask(value or "", 2, 4)


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return _mask(value or "", 1, 0)
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    """Keep the first 6 characters (province and city in a Chinese address), hide the rest."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value


def mask_name(value: str, kind: str = "person") -> str:
    """A client's name in lists: a person keeps the surname (张**); an organisation (any other customer kind)
    its first four characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if kind == "person":
        return _mask(value, 1, 0)
    return value[:4] + "****" if len(value) > 4 else _mask(value, 1, 0)
