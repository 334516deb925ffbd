"""Pure validation of identity documents and phone numbers (no Django): real check digits, not regexes.

Resident ID numbers follow GB 11643 (18 characters, ISO 7064 MOD 11-2 check character); unified social
credit codes follow GB 32100. python-stdnum implements both; phonenumbers knows mainland numbering.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc


class InvalidValue(ValueError):
    """A value that failed validation; the message says why, in words a clerk understands."""


@dataclass(frozen=True)
class Identity:
    number: str
    birth_date: date | None = None
    gender: str = ""  # "M" / "F" for resident IDs


def _validate_resident_id(value: str) -> str:
    """ric.validate without its birth-year test of the region code.

    The region code is where the number was first assigned, often years after birth: Pudong (310115,
    created 1992) numbers people born in 1980. stdnum refuses a code created after the birth year, which
    would turn real clients away; an unknown code is still refused.
    """
    number = ric.compact(value)
    if len(number) != 18:
        raise stdnum_errors.InvalidLength()
    if not number[:-1].isdigit() or not number[:-1].isascii():
        raise stdnum_errors.InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise stdnum_errors.InvalidChecksum()
    ric.get_birth_date(number)
    # (stdnum itself raises KeyError for a known province with an unknown county, e.g. 119999.)
    places = {key for _, props in numdb.get("cn/loc").info(number[:6]) for key in props}
    if "county" not in places:
        raise stdnum_errors.InvalidComponent()
    return number


def validate_identity(id_type: str, raw: str) -> Identity:
    # NFKC: full-width letters and digits from a Chinese input method become ASCII.
    value = unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "")
    if not value:
        raise InvalidValue("ID number is required")
    if id_type == "resident_id":
        try:
            number = _validate_resident_id(value)
        except stdnum_errors.InvalidChecksum as exc:
            raise InvalidValue("resident ID check digit is wrong (GB 11643)") from exc
        except stdnum_errors.InvalidLength as exc:
            raise InvalidValue("resident ID must have 18 characters") from exc
        except stdnum_errors.InvalidComponent as exc:
            raise InvalidValue("resident ID has an invalid birth date or region code") from exc
        except stdnum_errors.ValidationError as exc:
            raise InvalidValue("resident ID is not valid") from exc
        # Digit 17 is the sequence code: odd for men, even for women.
        gender = "M" if int(number[16]) % 2 else "F"
        return Identity(number=number, birth_date=ric.get_birth_date(number), gender=gender)
    if id_type == "uscc":
        try:
            return Identity(number=uscc.validate(value))
        except stdnum_errors.InvalidChecksum as exc:
            raise InvalidValue("unified social credit code check character is wrong (GB 32100)") from exc
        except stdnum_errors.ValidationError as exc:
            raise InvalidValue("unified social credit code is not valid (18 characters, GB 32100)") from exc
    if len(value) < 5 or len(value) > 40 or not value.isalnum():
        raise InvalidValue("document number must be 5 to 40 letters or digits")
    return Identity(number=value)


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """National significant number for mainland numbers (13812345678), E.164 (+85291234567) for others."""
    text = (raw or "").strip()
    if not text:
        raise InvalidValue("phone number is required")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue("not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidValue("not a valid phone number")
    if parsed.country_code == 86:
        return str(parsed.national_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone_prefix(text: str) -> bool:
    return text.isdigit() and text.startswith("1") and 3 <= len(text) <= 11
