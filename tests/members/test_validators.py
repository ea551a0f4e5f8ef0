import datetime

import pytest

from core.errors import ValidationError
from members.records.masking import mask_id_number, mask_phone
from members.records.validators import (
    birth_date_from_id,
    gender_from_id,
    make_id_number,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_valid_number_passes():
    validate_id_number(VALID)
    assert birth_date_from_id(VALID) == datetime.date(1949, 12, 31)
    assert gender_from_id(VALID) == "F"


def test_lowercase_x_is_accepted_and_normalised():
    validate_id_number(VALID.lower())
    assert normalize_id_number(" 11010519491231002x ") == VALID


@pytest.mark.parametrize(
    "number, code",
    [
        ("110105194912310021", "id_checksum"),  # wrong check digit
        ("11010519491231002", "id_format"),  # too short
        ("1101051949123100AX", "id_format"),  # letters inside
    ],
)
def test_bad_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert exc.value.code == code


def test_impossible_birth_date_is_refused():
    body = "41010519900231001"  # 31 February
    number = body + __import__("stdnum.cn.ric", fromlist=["ric"]).calc_check_digit(body + "0")
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert exc.value.code == "id_date"


def test_make_id_number_round_trips():
    number = make_id_number("410105", datetime.date(1985, 7, 1), 123)
    validate_id_number(number)
    assert birth_date_from_id(number) == datetime.date(1985, 7, 1)
    assert gender_from_id(number) == "M"


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+8613812345678", "037166666666"])
def test_valid_phones(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "+14155552671"])
def test_invalid_phones(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_masking():
    # Only the province: digits 7–14 are the date of birth, 15–17 the sequence and gender, 18 a check digit.
    assert mask_id_number("410105199001011234") == "41****************"
    assert mask_id_number("41010519900101123X") == "41****************"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_unknown_region_code_is_refused():
    from stdnum.cn import ric

    body = "99999919800504311"
    with pytest.raises(ValidationError) as exc:
        validate_id_number(body + ric.calc_check_digit(body + "0"))
    assert exc.value.code == "id_region"


def test_jinshui_number_of_someone_born_before_1983_is_valid():
    # 金水区 (410105) was created in 1983; older residents still carry its code.
    validate_id_number(make_id_number("410105", datetime.date(1950, 10, 1), 12))
