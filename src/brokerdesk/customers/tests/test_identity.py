"""Pure rules: identity documents (GB 11643, GB 32100), phone numbers, search classification."""

import random
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from brokerdesk.customers.identity import InvalidValue, looks_like_phone_prefix, normalize_phone, validate_identity
from brokerdesk.customers.rules import classify_search, prefix_upper_bound

CHECK_CHARACTERS = "0123456789X"


def _with_check(body: str) -> str:
    return body + mod_11_2.calc_check_digit(body)


# --- resident ID (GB 11643) ----------------------------------------------------------------------------------


# Real county-level codes of different ages: Beijing Chaoyang, Shanghai Pudong (1992), Shenzhen Nanshan (1990).
REGIONS = ["110105", "110108", "310104", "310115", "440305", "440106", "330106", "510107", "320102", "420106"]


def resident_id(rng: random.Random, born: date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return _with_check(f"{rng.choice(REGIONS)}{born:%Y%m%d}{sequence:03d}")


@given(seed=st.integers(0, 2**32), born=st.dates(date(1920, 1, 1), date(2010, 12, 31)), male=st.booleans())
def test_it_accepts_valid_resident_ids_and_derives_birth_date_and_gender(seed, born, male):
    number = resident_id(random.Random(seed), born, male)

    identity = validate_identity("resident_id", number)

    assert identity.number == number
    assert identity.birth_date == born
    assert identity.gender == ("M" if male else "F")


@pytest.mark.parametrize(("sequence", "gender"), [("001", "M"), ("013", "M"), ("999", "M"), ("000", "F"),
                                                  ("024", "F"), ("998", "F")])
def test_it_reads_the_gender_from_the_17th_digit(sequence, gender):
    number = _with_check(f"44030519850521{sequence}")
    assert validate_identity("resident_id", number).gender == gender


def test_it_accepts_a_lowercase_x_check_character_and_surrounding_spaces():
    body = next(b for n in range(1000) if mod_11_2.calc_check_digit(b := f"11010519900307{n:03d}") == "X")
    identity = validate_identity("resident_id", f"  {body}x ")
    assert identity.number == f"{body}X"


@pytest.mark.parametrize(("region", "born"), [("310115", date(1980, 4, 2)), ("440305", date(1975, 8, 9)),
                                              ("110105", date(1950, 1, 1))])
def test_it_accepts_a_district_code_created_after_the_birth_year(region, born):
    # The code is where the number was first issued: Pudong (1992) numbered people born in 1980.
    number = _with_check(f"{region}{born:%Y%m%d}123")
    assert validate_identity("resident_id", number).birth_date == born


def test_it_reads_full_width_characters_typed_with_a_chinese_input_method():
    number = _with_check("11010519900307123")
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    assert validate_identity("resident_id", full_width).number == number
    assert validate_identity("passport", "Ｅ１２３４５６７８").number == "E12345678"
    assert validate_identity("uscc", "９１１１００００６０００３７３４１Ｌ").number == "91110000600037341L"


def test_it_strips_spaces_inside_a_typed_number():
    number = _with_check("11010519900307123")
    assert validate_identity("resident_id", f"110105 19900307 {number[-4:]}").number == number


@given(seed=st.integers(0, 2**32), wrong=st.sampled_from(CHECK_CHARACTERS))
def test_it_rejects_any_wrong_check_character(seed, wrong):
    number = resident_id(random.Random(seed), date(1985, 5, 21), male=True)
    assume(wrong != number[-1])
    with pytest.raises(InvalidValue, match="check digit is wrong"):
        validate_identity("resident_id", number[:-1] + wrong)


@given(seed=st.integers(0, 2**32), position=st.integers(0, 16))
def test_it_rejects_a_single_mistyped_digit(seed, position):
    number = resident_id(random.Random(seed), date(1985, 5, 21), male=False)
    digit = str((int(number[position]) + 1) % 10)
    with pytest.raises(InvalidValue):
        validate_identity("resident_id", number[:position] + digit + number[position + 1:])


@pytest.mark.parametrize("number", ["11010519900307123", "1101051990030712345", "110105900307123", "1101"])
def test_it_rejects_a_resident_id_of_the_wrong_length(number):
    with pytest.raises(InvalidValue, match="18 characters"):
        validate_identity("resident_id", number)


@pytest.mark.parametrize("body", ["11010519901307123", "11010519900230123", "99999919900307123",
                                  "11999919900307123"])  # a known province with an unknown county
def test_it_rejects_an_impossible_birth_date_or_region(body):
    with pytest.raises(InvalidValue, match="birth date or region"):
        validate_identity("resident_id", _with_check(body))


@pytest.mark.parametrize("number", ["11010519900307ABCD", "1101051990030712X4"])
def test_it_rejects_letters_inside_a_resident_id(number):
    with pytest.raises(InvalidValue, match="not valid"):
        validate_identity("resident_id", number)


@pytest.mark.parametrize("id_type", ["resident_id", "uscc", "passport"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_it_requires_a_document_number(id_type, blank):
    with pytest.raises(InvalidValue, match="required"):
        validate_identity(id_type, blank)


def test_it_derives_nothing_from_other_documents():
    identity = validate_identity("passport", " e12345678 ")
    assert identity.number == "E12345678"
    assert identity.birth_date is None and identity.gender == ""


@pytest.mark.parametrize("number", ["E123", "E1234-5678", "A" * 41, "E1234/5678"])
def test_it_rejects_other_documents_that_are_not_5_to_40_letters_or_digits(number):
    with pytest.raises(InvalidValue, match="5 to 40"):
        validate_identity("passport", number)


# --- unified social credit code (GB 32100) -------------------------------------------------------------------


def test_it_accepts_a_valid_unified_social_credit_code():
    assert validate_identity("uscc", "91110000600037341L").number == "91110000600037341L"
    assert validate_identity("uscc", "91110000600037341l").number == "91110000600037341L"


@given(wrong=st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"))
def test_it_rejects_a_unified_social_credit_code_with_a_wrong_check_character(wrong):
    assume(wrong != uscc.calc_check_digit("91110000600037341"))
    with pytest.raises(InvalidValue, match="check character is wrong"):
        validate_identity("uscc", "91110000600037341" + wrong)


@pytest.mark.parametrize("number", ["9111000060003734", "91110000600037341LL", "911100006000373I1L"])
def test_it_rejects_a_malformed_unified_social_credit_code(number):
    with pytest.raises(InvalidValue, match="not valid"):
        validate_identity("uscc", number)


# --- phones -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", " 138 1234-5678 ", "+86 138 1234 5678", "+8613812345678",
     "008613812345678", "(+86) 138-1234-5678"],
)
def test_it_normalises_a_mainland_mobile_to_its_11_digits(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0755-83688888", "75583688888"), ("(0755) 8368 8888", "75583688888"), ("+86 755 8368 8888", "75583688888"),
     ("010-12345678", "1012345678"), ("400-820-8820", "4008208820")],
)
def test_it_normalises_a_landline_to_its_national_significant_number(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("+852 9123 4567", "+85291234567"), ("+1 650 253 0000", "+16502530000")])
def test_it_keeps_foreign_numbers_in_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "1381234567", "138123456789", "10086", "95555", "+86 123"])
def test_it_rejects_numbers_that_cannot_exist(raw):
    with pytest.raises(InvalidValue, match="not a valid phone number"):
        normalize_phone(raw)


@pytest.mark.parametrize("raw", ["abc", "电话"])
def test_it_rejects_text_that_is_not_a_phone_number(raw):
    with pytest.raises(InvalidValue, match="not a phone number"):
        normalize_phone(raw)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_it_requires_a_phone_number(raw):
    with pytest.raises(InvalidValue, match="required"):
        normalize_phone(raw)


@given(prefix=st.sampled_from(["134", "138", "150", "177", "186", "199"]),
       rest=st.from_regex(r"[0-9]{8}", fullmatch=True),
       separator=st.sampled_from(["", " ", "-"]), country=st.sampled_from(["", "+86 ", "+86", "0086"]))
def test_it_normalises_every_spelling_of_a_mobile_to_the_same_number(prefix, rest, separator, country):
    typed = f"{country}{prefix}{separator}{rest[:4]}{separator}{rest[4:]}"
    assert normalize_phone(typed) == prefix + rest


@pytest.mark.parametrize(("text", "expected"), [("138", True), ("13812345678", True), ("13", False),
                                                ("138123456789", False), ("0755", False), ("13a", False)])
def test_it_recognises_a_mobile_prefix(text, expected):
    assert looks_like_phone_prefix(text) is expected


# --- search terms -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "is_name", "is_identifier"),
    [
        ("张三", "张三", True, False),
        ("  欧阳 娜娜 ", "欧阳娜娜", True, False),
        ("zhang", "zhang", True, False),
        ("138", "138", False, True),
        ("138 1234-5678", "13812345678", False, True),
        ("11010519900307123x", "11010519900307123X", False, True),
        ("a123456789", "A123456789", False, True),  # Shanghai shareholder account
        ("ab12", "ab12", True, False),
        ("１３８", "１３８", True, False),  # full-width digits are not an identifier
        ("", "", False, False),
        ("   ", "", False, False),
        (None, "", False, False),
    ],
)
def test_it_classifies_search_terms(raw, text, is_name, is_identifier):
    term = classify_search(raw)
    assert (term.text, term.is_name, term.is_identifier) == (text, is_name, is_identifier)


@given(st.text(max_size=30))
def test_it_classifies_every_non_blank_search_as_exactly_one_kind(raw):
    term = classify_search(raw)
    assert not (term.is_name and term.is_identifier)
    assert (term.is_name or term.is_identifier) == bool(term.text)


@pytest.mark.parametrize(("prefix", "upper"), [("138", "139"), ("张", "弡"), ("A12", "A13"), ("19", "1:")])
def test_it_computes_the_upper_bound_of_a_prefix_range(prefix, upper):
    assert prefix_upper_bound(prefix) == upper


@given(prefix=st.text(min_size=1, max_size=8), suffix=st.text(max_size=8))
def test_it_puts_every_string_starting_with_the_prefix_inside_the_range(prefix, suffix):
    upper = prefix_upper_bound(prefix)
    assert upper is None or prefix <= prefix + suffix < upper
    if upper is not None:
        upper.encode("utf-8")  # a bound the database can be sent


@given(prefix=st.text(min_size=1, max_size=8), other=st.text(max_size=12))
def test_it_keeps_strings_without_the_prefix_outside_the_range(prefix, other):
    assume(not other.startswith(prefix))
    upper = prefix_upper_bound(prefix)
    assert not (prefix <= other and (upper is None or other < upper))


@pytest.mark.parametrize("prefix", ["\U0010ffff", "\U0010ffff\U0010ffff"])
def test_it_has_no_upper_bound_for_a_prefix_of_only_the_last_code_point(prefix):
    assert prefix_upper_bound(prefix) is None


@pytest.mark.parametrize(("prefix", "upper"), [("a\U0010ffff", "b"), ("\ud7ff", "\ue000")])
def test_it_computes_an_upper_bound_that_is_valid_unicode(prefix, upper):
    assert prefix_upper_bound(prefix) == upper
