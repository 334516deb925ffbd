"""Display masking of personal data (DOMAIN.md "Personal data": ID 3 + 4, phone 3 + 4, bank card 6 + 4)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.core.masking import (
    mask_account,
    mask_address,
    mask_bank_card,
    mask_email,
    mask_id_number,
    mask_phone,
)

DIGITS_AND_X = st.text(alphabet="0123456789X", min_size=1, max_size=40)


@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (mask_id_number, "110105199003071234", "110***********1234"),
        (mask_id_number, "44030519850521002X", "440***********002X"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "075583688888", "075*****8888"),
        (mask_bank_card, "6222021234567890123", "622202*********0123"),
        (mask_bank_card, "6228480402564890018", "622848*********0018"),
        (mask_account, "660000000123", "66******0123"),
    ],
)
def test_it_masks_identifiers_as_the_domain_rules_say(mask, value, expected):
    assert mask(value) == expected


def test_it_shows_the_documented_example_for_an_id_number():
    masked = mask_id_number("110101199001011234")
    assert masked == "110***********1234"
    assert masked.count("*") == 11


@pytest.mark.parametrize(
    ("mask", "value"),
    [(mask_id_number, "1234567"), (mask_id_number, "123"), (mask_phone, "95555"), (mask_bank_card, "6222021234"),
     (mask_account, "660001")],
)
def test_it_hides_short_values_entirely_but_keeps_their_length(mask, value):
    assert mask(value) == "*" * len(value)


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_bank_card, mask_account, mask_email,
                                  mask_address])
@pytest.mark.parametrize("empty", ["", None])
def test_it_masks_empty_values_as_empty(mask, empty):
    assert mask(empty) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("王小明@公司.中国", "王***@公司.中国"),
        ("@example.com", "***@example.com"),
        ("not-an-email", "n***********"),
    ],
)
def test_it_masks_emails_keeping_the_first_letter_and_the_domain(value, expected):
    assert mask_email(value) == expected


def test_it_hides_the_length_of_an_email_local_part():
    assert mask_email("a@x.com").split("@")[0] == mask_email("alexander.hamilton@x.com").split("@")[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("广东省深圳市福田区深南大道1号", "广东省深圳市****"),
        ("上海市浦东新区世纪大道100号", "上海市浦东新****"),
        ("北京市朝阳区", "北京市朝阳区"),  # nothing beyond province and city to hide
    ],
)
def test_it_masks_addresses_after_province_and_city(value, expected):
    assert mask_address(value) == expected


# --- properties ------------------------------------------------------------------------------------------

RULES = [(mask_id_number, 3, 4), (mask_phone, 3, 4), (mask_bank_card, 6, 4), (mask_account, 2, 4)]


@pytest.mark.parametrize(("mask", "start", "end"), RULES)
@given(value=DIGITS_AND_X)
def test_it_keeps_the_length_of_every_masked_identifier(mask, start, end, value):
    assert len(mask(value)) == len(value)


@pytest.mark.parametrize(("mask", "start", "end"), RULES)
@given(value=DIGITS_AND_X)
def test_it_never_shows_an_identifier_in_full(mask, start, end, value):
    masked = mask(value)
    assert masked != value
    assert "*" in masked


@pytest.mark.parametrize(("mask", "start", "end"), RULES)
@given(data=st.data())
def test_it_keeps_exactly_the_stated_ends_of_long_enough_identifiers(mask, start, end, data):
    value = data.draw(st.text(alphabet="0123456789X", min_size=start + end + 1, max_size=40))
    masked = mask(value)
    assert masked[:start] == value[:start]
    assert masked[len(value) - end:] == value[len(value) - end:]
    assert masked[start:len(value) - end] == "*" * (len(value) - start - end)


@given(local=st.text(alphabet=st.characters(exclude_characters="@*", exclude_categories=("Cs",)), min_size=2),
       domain=st.from_regex(r"[a-z]{1,10}\.(com|cn)", fullmatch=True))
def test_it_never_shows_more_than_the_first_letter_of_an_email(local, domain):
    masked = mask_email(f"{local}@{domain}")
    assert masked == f"{local[0]}***@{domain}"
    assert local not in masked.split("@")[0]


@given(value=st.text(min_size=7, max_size=60))
def test_it_never_shows_more_than_six_characters_of_an_address(value):
    masked = mask_address(value)
    assert masked == value[:6] + "****"
