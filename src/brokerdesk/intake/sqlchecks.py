"""SQL building blocks for batch validation: contract types, value formats, check digits, phones, calendar.

Everything here returns DuckDB SQL text (or small Python lookup data: region codes, calendar days) so that the
checks run as vectorised SQL over millions of rows. The check-digit algorithms are the ones python-stdnum
implements (cn.ric: ISO 7064 MOD 11-2 per GB 11643; cn.uscc: GB 32100), written as arithmetic over
characters; the tests compare them with stdnum on random numbers.
"""

# Expressions are assembled from the contract's names and literals quoted by q(), never from user input.
# ruff: noqa: S608

import re
from datetime import date, timedelta
from functools import cache

from stdnum import numdb

from brokerdesk.core.calendar import is_trading_day

from .manifest import non_trading_reason

_DECIMAL = re.compile(r"decimal\((\d+),(\d+)\)")


def q(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def decimal_parts(type_: str) -> tuple[int, int] | None:
    match = _DECIMAL.fullmatch(type_.replace(" ", ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def duck_type(type_: str) -> str:
    """DuckDB type of a contract type (text, int, decimal(p,s), date, time, bool)."""
    parts = decimal_parts(type_)
    if parts:
        return f"DECIMAL({parts[0]},{parts[1]})"
    try:
        return {"text": "VARCHAR", "int": "BIGINT", "date": "DATE", "time": "TIME", "bool": "BOOLEAN"}[type_]
    except KeyError:
        raise ValueError(f"unknown contract type {type_!r}") from None


def text_format(type_: str) -> tuple[str, str]:
    """(RE2 pattern a CSV value must fully match, reason when it does not) for a non-text contract type.

    Stricter than DuckDB's casts on purpose: a cast would round 1.5 to 2 shares, 12.345 to 12.35 yuan, or read
    2025/06/30 and 0x10; the core system must send exactly the contract's form.
    """
    parts = decimal_parts(type_)
    if parts:
        precision, scale = parts
        digits = precision - scale
        if scale == 0:
            return rf"-?[0-9]{{1,{precision}}}", f"not a whole number of at most {precision} digits ({type_})"
        return (rf"-?[0-9]{{1,{digits}}}(\.[0-9]{{1,{scale}}})?",
                f"not a decimal with at most {digits} digits before the point and {scale} after ({type_})")
    if type_ == "int":
        return r"-?[0-9]{1,18}", "not a whole number (digits only, optional minus sign)"
    if type_ == "date":
        return r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "not a valid date (YYYY-MM-DD)"
    if type_ == "time":
        return r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", "not a valid time (HH:MM:SS, 00:00:00-23:59:59)"
    if type_ == "bool":
        return r"(?i)true|false|1|0", "not a boolean (true or false)"
    raise ValueError(f"no text format for contract type {type_!r}")


def parquet_type_ok(type_: str, found: str) -> bool:
    """Whether a Parquet column of DuckDB type `found` carries the contract type without loss."""
    found = found.upper().replace(" ", "")
    integers = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
    parts = decimal_parts(type_)
    if parts:
        scale = parts[1]
        match = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", found)
        if match:  # any precision: values too large for the contract are reported row by row
            return int(match.group(2)) <= scale
        return found in integers
    if type_ == "int":
        return found in integers
    if type_ == "text":
        return found == "VARCHAR"
    if type_ == "date":
        return found == "DATE"
    if type_ == "time":
        return found.startswith("TIME") and "ZONE" not in found and not found.startswith("TIMESTAMP")
    if type_ == "bool":
        return found == "BOOLEAN"
    return False


# --- identity documents ------------------------------------------------------------------------------------

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
RIC_CHECK = "10X98765432"  # check character for (sum mod 11)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

RIC_REASONS = {
    "length": "resident ID must have 18 characters",
    "format": "resident ID must be 17 digits and a check character (0-9 or X)",
    "check": "resident ID check character is wrong (GB 11643)",
    "birth": "resident ID has an invalid birth date",
    "region": "resident ID has an unknown region code",
}
USCC_REASONS = {
    "length": "unified social credit code must have 18 characters",
    "format": "unified social credit code must be 8 digits then 10 digits or capital letters (no I, O, S, V, Z)",
    "check": "unified social credit code check character is wrong (GB 32100)",
}
OTHER_DOCUMENT_REASON = "document number must be 5 to 40 letters or digits"


@cache
def region_codes() -> tuple[str, ...]:
    """Six-digit administrative codes python-stdnum knows down to county level (what identity.py accepts)."""
    codes: list[str] = []

    def walk(prefix: str, nodes, county: bool) -> None:
        for length, low, high, props, children in nodes:
            for number in range(int(low), int(high) + 1):
                code = prefix + str(number).zfill(length)
                has_county = county or "county" in props
                if len(code) == 6 and has_county:
                    codes.append(code)
                if children and len(code) < 6:
                    walk(code, children, has_county)

    walk("", numdb.get("cn/loc").prefixes, False)
    return tuple(sorted(set(codes)))


def resident_id_reason(x: str, business_date: date, region_known: str) -> str:
    """SQL: NULL when x (upper-cased text) is a valid resident ID, else the reason. Checked in identity.py's order:
    length, format, check character (ISO 7064 MOD 11-2), birth date (a real date, 1880..business date), region.

    region_known: SQL that is true when the first six characters are a county-level code (region_codes()); a
    column from a LEFT JOIN with the code table is far cheaper than a subquery inside this CASE."""
    total = " + ".join(f"(ascii(substr({x}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(RIC_WEIGHTS))
    birth = f"try_cast(substr({x}, 7, 4) || '-' || substr({x}, 11, 2) || '-' || substr({x}, 13, 2) AS DATE)"
    return (
        f"CASE WHEN length({x}) <> 18 THEN {q(RIC_REASONS['length'])} "
        f"WHEN NOT regexp_full_match({x}, '[0-9]{{17}}[0-9X]') THEN {q(RIC_REASONS['format'])} "
        f"WHEN substr({q(RIC_CHECK)}, (({total}) % 11) + 1, 1) <> substr({x}, 18, 1) THEN {q(RIC_REASONS['check'])} "
        f"WHEN {birth} IS NULL OR {birth} < DATE '1880-01-01' OR {birth} > DATE '{business_date.isoformat()}' "
        f"THEN {q(RIC_REASONS['birth'])} "
        f"WHEN NOT ({region_known}) THEN {q(RIC_REASONS['region'])} "
        f"END"
    )


def uscc_reason(x: str) -> str:
    """SQL: NULL when x (upper-cased text) is a valid unified social credit code (GB 32100), else the reason."""
    total = " + ".join(
        f"(strpos({q(USCC_ALPHABET)}, substr({x}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS)
    )
    return (
        f"CASE WHEN length({x}) <> 18 THEN {q(USCC_REASONS['length'])} "
        f"WHEN NOT regexp_full_match({x}, '[0-9]{{8}}[0-9A-HJ-NPQRTUWXY]{{10}}') THEN {q(USCC_REASONS['format'])} "
        f"WHEN substr({q(USCC_ALPHABET)}, ((31 - ({total}) % 31) % 31) + 1, 1) <> substr({x}, 18, 1) "
        f"THEN {q(USCC_REASONS['check'])} END"
    )


def other_document_reason(x: str) -> str:
    return f"CASE WHEN NOT regexp_full_match({x}, '[0-9A-Za-z]{{5,40}}') THEN {q(OTHER_DOCUMENT_REASON)} END"


def id_number_reason(number: str, id_type: str, business_date: date, region_known: str) -> str:
    """SQL: the reason an id_number is wrong for its id_type, or NULL (also NULL when either is missing or the
    id_type is unknown: the required and choices checks report those)."""
    x = f"upper({number})"
    return (
        f"CASE WHEN {number} IS NULL OR {id_type} IS NULL THEN NULL "
        f"WHEN {id_type} = 'resident_id' THEN {resident_id_reason(x, business_date, region_known)} "
        f"WHEN {id_type} = 'uscc' THEN {uscc_reason(x)} "
        f"WHEN {id_type} IN ('passport', 'hk_macau_permit', 'other') THEN {other_document_reason(number)} END"
    )


# --- phones ------------------------------------------------------------------------------------------------

MOBILE_PATTERN = r"1[3-9][0-9]{9}"
MOBILE_REASON = "not a mainland mobile number (11 digits starting 13-19)"
PHONE_REASON = ("not a valid phone number: expected a mainland mobile (11 digits starting 13-19), a landline "
                "with area code, or +<country code> and an international number")
# Separators people type: spaces, hyphens, dots, brackets.
_PHONE_SEPARATORS = r"[ \-.()]"
# Mainland numbers, with an optional +86 / 0086: mobiles, landlines (0 + 2-3 digit area code + 7-8 digits),
# 400/800 service numbers.
_MAINLAND = r"(\+86|0086)?(1[3-9][0-9]{9}|0[1-9][0-9]{8,10}|[48]00[0-9]{7})"
_INTERNATIONAL = r"(\+|00)[1-9][0-9]{4,16}"


def phone_compact(x: str) -> str:
    return f"regexp_replace({x}, '{_PHONE_SEPARATORS}', '', 'g')"


def phone_is_mainland(compact: str) -> str:
    return f"regexp_full_match({compact}, '{_MAINLAND}')"


def phone_is_international(compact: str) -> str:
    """Candidates for phonenumbers: + or 00 then digits, not a +86 number."""
    return (f"(regexp_full_match({compact}, '{_INTERNATIONAL}') AND NOT starts_with({compact}, '+86') "
            f"AND NOT starts_with({compact}, '0086'))")


def phone_bad(x: str, bad_international_table: str) -> str:
    """SQL: true when x is not a phone per contract check "phone". International numbers are judged by
    phonenumbers beforehand; the ones it refuses are in bad_international_table(number)."""
    compact = phone_compact(x)
    # Plain mobiles (nearly every row) are settled by one cheap match; CASE evaluates the rest only for the others.
    return (f"CASE WHEN {x} IS NULL OR regexp_full_match({x}, '{MOBILE_PATTERN}') THEN false "
            f"ELSE NOT {phone_is_mainland(compact)} AND NOT ({phone_is_international(compact)} "
            f"AND {compact} NOT IN (SELECT number FROM {bad_international_table})) END")


def international_phone_invalid(numbers: list[str]) -> list[str]:
    """The compact international numbers (from SQL, distinct) that phonenumbers says are not valid numbers.

    A loop over distinct foreign numbers only: mainland numbers (nearly all rows) never reach Python.
    """
    import phonenumbers

    bad = []
    for number in numbers:
        text = "+" + number[2:] if number.startswith("00") else number
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(text, None))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            bad.append(number)
    return bad


# --- calendar ----------------------------------------------------------------------------------------------

def non_trading_days(first: date, last: date) -> list[tuple[date, str]]:
    """(day, why) for every day in first..last that is not a trading day (core.calendar.is_trading_day).

    A loop over calendar days (a few hundred a year), never over data rows.
    """
    days = []
    day = first
    while day <= last:
        if not is_trading_day(day):
            days.append((day, non_trading_reason(day)))
        day += timedelta(days=1)
    return days
