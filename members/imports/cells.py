"""Reading an uploaded sheet and its cells: dates, months, amounts, yes or no, and choices by label or code in
every language the portal speaks."""

import datetime
import re
from decimal import Decimal, InvalidOperation

import tablib
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import ValidationError


LANGUAGES = ("zh-hans", "en")


def load_dataset(content, file_name):
    """Read uploaded bytes into a tablib Dataset (xlsx or CSV, chosen by the name's ending)."""
    if file_name.lower().endswith(".xlsx"):
        return tablib.Dataset().load(content, format="xlsx")
    if file_name.lower().endswith(".csv"):
        return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    raise ValidationError({"file": [_("Upload an Excel workbook (.xlsx) or a CSV file.")]})


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    text = text.removesuffix(" 00:00:00")
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", text)
    parts = list(match.groups()) if match else text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(text)


def parse_month(value):
    """2026-11, 2026/11, 2026年11月, or any date in the month → the month's first day."""
    if value in (None, ""):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return parse_date(value).replace(day=1)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*月?", text)
    if match:
        return datetime.date(int(match[1]), int(match[2]), 1)
    return parse_date(text).replace(day=1)


def parse_decimal(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError(text)
    return number


def label_key(text):
    """How a label is compared: case, spaces and full-width brackets or commas do not matter."""
    return str(text).strip().lower().translate(_FOLD).replace(" ", "")


_FOLD = str.maketrans({"（": "(", "）": ")", "，": ",", "、": ","})


def choice_table(choices, extra=None):
    """Label or code → code, in every language the portal speaks."""
    mapping = {label_key(value): value for value in choices.values}
    for language in LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                mapping[label_key(label)] = value
    mapping.update({label_key(k): v for k, v in (extra or {}).items()})
    return mapping


def yes_no_table():
    table = {}
    for word in ("是", "出席", "到", "参加", "yes", "y", "1", "✓", "✔", "√", "true", "present"):
        table[word] = True
    for word in ("否", "缺席", "未到", "未参加", "no", "n", "0", "✗", "✘", "×", "false", "absent"):
        table[word] = False
    for language in LANGUAGES:
        with translation.override(language):
            table[label_key(_("present"))] = True
            table[label_key(_("absent"))] = False
    return table


class CellError(Exception):
    """A cell that cannot be read; the message says how to write it."""


def read_cell(kind, raw, *, choices=None):
    if kind == "text":
        return cell_text(raw)
    if kind == "date":
        try:
            return parse_date(raw)
        except (ValueError, TypeError):
            raise CellError(_("Not a date: write it as 2024-07-01.")) from None
    if kind == "month":
        try:
            return parse_month(raw)
        except (ValueError, TypeError):
            raise CellError(_("Not a month: write it as 2026-11 or 2026年11月.")) from None
    if kind == "decimal":
        try:
            return parse_decimal(raw)
        except (InvalidOperation, ValueError, TypeError):
            raise CellError(_("Not a number.")) from None
    if kind == "yes_no":
        text = cell_text(raw)
        if not text:
            return None
        value = choices.get(label_key(text))
        if value is None:
            raise CellError(_("“%(value)s” is neither yes nor no: write 是 or 否.") % {"value": text})
        return value
    if kind == "choice":
        text = cell_text(raw)
        if not text:
            return ""
        if label_key(text) in choices[0]:
            return choices[0][label_key(text)]
        raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {
            "value": text, "choices": ", ".join(str(label) for label in choices[1].labels)})
    raise AssertionError(kind)
