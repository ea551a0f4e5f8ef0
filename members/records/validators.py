"""Checks for Chinese resident ID-card numbers (GB 11643) and mobile phone numbers."""

import datetime
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum import numdb
from stdnum.cn import ric

from core.text import normalize_name, normalize_text


def normalize_id_number(value):
    """Strip spaces and invisible characters, fold full-width digits (core.text.normalize_text) and upper-case
    the check character (a lowercase x is accepted and stored as X)."""
    return normalize_text(value).replace(" ", "").upper()


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


#: Besides letters, combining marks and digits, a name may hold these (the middle dot of transliterated names,
#: a space, a hyphen, an apostrophe, a full stop).
_NAME_PUNCTUATION = set("·-'. ")


def clean_person_name(value, *, max_length=50):
    """A member's or candidate's name in its stored form (core.text.normalize_name: NFKC, no zero-width, control
    or bidi characters, single spaces); raises ValidationError when nothing readable is left, when it is too
    long, or when it holds symbols a name does not have."""
    name = normalize_name(value)
    if not name or not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise ValidationError(_("Enter the name in letters (汉字 or Latin)."), code="name_empty")
    if len(name) > max_length:
        raise ValidationError(_("At most %(max)s characters.") % {"max": max_length}, code="name_length")
    if any(ch not in _NAME_PUNCTUATION and unicodedata.category(ch)[0] not in "LMN" for ch in name):
        raise ValidationError(_("A name holds only letters, the middle dot (·), spaces and hyphens."),
                              code="name_chars")
    return name
