"""Period keys: years "2026", quarters "2026Q3", months "2026-11" and days "2026-11-25"; the job ledger uses the same
keys.

The one module that parses and formats them."""

import datetime
import re

from django.utils.translation import gettext as _

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_quarter(key):
    """(year, quarter) of a key like "2026Q3"; ValueError with a readable message otherwise."""
    match = QUARTER_RE.match(str(key or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError(_("“%(key)s” is not a quarter: write it like 2026Q3.") % {"key": key})
    return int(match.group(1)), int(match.group(2))


def parse_month(key):
    """(year, month) of a key like "2026-11"; ValueError with a readable message otherwise."""
    match = MONTH_RE.match(str(key or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError(_("“%(key)s” is not a month: write it like 2026-11.") % {"key": key})
    return int(match.group(1)), int(match.group(2))


YEAR_RE = re.compile(r"^(\d{4})$")


def parse_year(key):
    """The year of a key like "2026"; ValueError with a readable message otherwise."""
    match = YEAR_RE.match(str(key or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError(_("“%(key)s” is not a year: write it like 2026.") % {"key": key})
    return int(match.group(1))


def year_key(year):
    return f"{int(year):04d}"


def last_complete_year(today):
    """The default period of a yearly job: the year before the one `today` is in."""
    return year_key(today.year - 1)


def quarter_key(year, quarter):
    return f"{year}Q{quarter}"


def month_key(year, month):
    return f"{year}-{month:02d}"


def quarter_of(day):
    return quarter_key(day.year, (day.month - 1) // 3 + 1)


def month_of(day):
    return month_key(day.year, day.month)


def quarter_start(key):
    year, q = parse_quarter(key)
    return datetime.date(year, 3 * q - 2, 1)


def quarter_end(key):
    """The last day of the quarter."""
    return quarter_start(next_quarter(key)) - datetime.timedelta(days=1)


def previous_quarter(key):
    year, q = parse_quarter(key)
    return quarter_key(year - 1, 4) if q == 1 else quarter_key(year, q - 1)


def next_quarter(key):
    year, q = parse_quarter(key)
    return quarter_key(year + 1, 1) if q == 4 else quarter_key(year, q + 1)


def quarters_back(key, n):
    """The n quarters ending with `key`, oldest first."""
    keys = [key]
    for _ in range(n - 1):
        keys.append(previous_quarter(keys[-1]))
    return keys[::-1]


def year_quarters(year):
    return [quarter_key(year, q) for q in (1, 2, 3, 4)]


def month_start(key):
    year, month = parse_month(key)
    return datetime.date(year, month, 1)


def month_end(key):
    year, month = parse_month(key)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def last_complete_quarter(today):
    """The default period of the quarterly job: the quarter before the one `today` is in."""
    return previous_quarter(quarter_of(today))


def parse_day(key):
    """The date of a key like "2026-11-25"; ValueError with a readable message otherwise."""
    try:
        day = datetime.date.fromisoformat(str(key or "").strip())
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise ValueError(_("“%(key)s” is not a day: write it like 2026-11-25.") % {"key": key})
    return day


def day_key(day):
    return day.isoformat()


HOUR_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3])$")


def parse_hour(key):
    """(date, hour) of a key like "2026-11-25T14" (an hour in Beijing time); ValueError with a readable message
    otherwise."""
    match = HOUR_RE.match(str(key or "").strip())
    try:
        day = datetime.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise ValueError(_("“%(key)s” is not an hour: write it like 2026-11-25T14.") % {"key": key})
    return day, int(match.group(2))


def hour_key(moment):
    """The key of the hour a (local) datetime falls in, e.g. "2026-11-25T14"."""
    return moment.strftime("%Y-%m-%dT%H")


SLOT_MINUTES = 5
SLOT_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)$")


def parse_slot(key):
    """The naive local datetime of a five-minute slot key like "2026-11-25T14:05" (Beijing time; the minute a
    multiple of five); ValueError with a readable message otherwise."""
    match = SLOT_RE.match(str(key or "").strip())
    try:
        day = datetime.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100 or int(match.group(3)) % SLOT_MINUTES:
        raise ValueError(_("“%(key)s” is not a five-minute slot: write it like 2026-11-25T14:05.") % {"key": key})
    return datetime.datetime.combine(day, datetime.time(int(match.group(2)), int(match.group(3))))


def slot_key(moment):
    """The key of the five-minute slot a (local) datetime falls in, e.g. "2026-11-25T14:05"."""
    return moment.replace(minute=moment.minute - moment.minute % SLOT_MINUTES).strftime("%Y-%m-%dT%H:%M")
