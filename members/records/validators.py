"""Checks for Chinese resident ID-card numbers (GB 11643) and mobile phone numbers."""

import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum import numdb
from stdnum.cn import ric


def normalize_id_number(value):
    """Strip spaces and upper-case the check character (a lowercase x is accepted and stored as X)."""
    return (value or "").replace(" ", "").strip().upper()


def validate_id_number(value):
    """Raise ValidationError unless `value` is an 18-character GB 11643 number with a valid check digit."""
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID-card number has 17 digits followed by a digit or X."), code="id_format")
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(_("The check digit of this ID-card number is wrong."), code="id_checksum")
    try:
        ric.get_birth_date(number)
    except (stdnum_exceptions.ValidationError, ValueError):
        raise ValidationError(_("The birth date inside this ID-card number is not a real date."), code="id_date")
    if not region_exists(number[:6]):
        raise ValidationError(_("The region code of this ID-card number does not exist."), code="id_region")


def region_exists(code):
    """Whether a 6-digit administrative division code was ever assigned (GB/T 2260).

    Deliberately not stdnum's get_birth_place(): that one also demands the code existed in the birth
    year, but numbers are issued later with the current code (金水区 410105 dates from 1983, and its
    older residents carry it), so the year test would refuse real people.
    """
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return bool(info.get("county"))


def birth_date_from_id(value):
    return ric.get_birth_date(normalize_id_number(value))


def gender_from_id(value):
    """GB 11643: the 17th character is odd for men and even for women."""
    return "M" if int(normalize_id_number(value)[16]) % 2 else "F"


def make_id_number(region, birth_date: datetime.date, sequence: int):
    """Build a valid number from a 6-digit region code, a birth date and a 3-digit sequence."""
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def normalize_phone(value):
    return (value or "").replace(" ", "").replace("-", "").strip()


def validate_phone(value):
    number = normalize_phone(value)
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed) or parsed.country_code != 86:
        raise ValidationError(_("Enter a valid mainland China phone number."), code="phone")
