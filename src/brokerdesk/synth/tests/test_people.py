"""The synthetic people pass the platform's own validation (synth may import customers; not the reverse)."""

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.customers.identity import normalize_phone, validate_identity
from brokerdesk.synth.people import REGION_CODES, birth_date, chinese_name, mobile, resident_id


@given(seed=st.integers(0, 2**32), born=st.dates(date(1920, 1, 1), date(2010, 12, 31)), male=st.booleans())
def test_it_generates_resident_ids_that_validate_with_their_birth_date_and_gender(seed, born, male):
    number = resident_id(random.Random(seed), born, male)

    identity = validate_identity("resident_id", number)

    assert identity.number == number
    assert identity.birth_date == born
    assert identity.gender == ("M" if male else "F")


def test_it_uses_only_real_region_codes():
    rng = random.Random(5)
    numbers = [resident_id(rng, date(1990, 3, 7), male=True) for _ in range(300)]
    assert {n[:6] for n in numbers} == set(REGION_CODES)
    for number in numbers:
        validate_identity("resident_id", number)


@given(seed=st.integers(0, 2**32), serial=st.one_of(st.none(), st.integers(0, 10**9)))
def test_it_generates_valid_mainland_mobiles(seed, serial):
    number = mobile(random.Random(seed), serial)
    assert normalize_phone(number) == number


def test_it_generates_distinct_mobiles_for_distinct_serials_from_zero():
    rng = random.Random(1)
    assert len({mobile(rng, serial) for serial in range(5000)}) == 5000
    assert mobile(random.Random(1), 0) == mobile(random.Random(2), 0) == "13400000000"  # no random draw


def test_it_is_reproducible_from_a_seed():
    def people(seed):
        rng = random.Random(seed)
        return [(chinese_name(rng), resident_id(rng, birth_date(rng, date(2026, 1, 1)), True)) for _ in range(20)]

    assert people(42) == people(42)
    assert people(42) != people(43)
