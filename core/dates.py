"""The range every date a person types must fall in, and the fields that enforce it.

A date far outside it is never meant (0001-01-01, 9999-12-31) and breaks date arithmetic (a day added to
9999-12-31 overflows), so forms, the API and the services refuse it with a message instead of a 500.
`check_date` is the one rule; `BoundedDateField` (forms) and `core.api.BoundedDateField` /
`BoundedDateTimeField` (the API) apply it.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

#: No record of the portal is dated before this day (the oldest living members were born after it).
EARLIEST = datetime.date(1900, 1, 1)
#: Nor after this one (a plan, a deadline or a booking as far ahead as anyone plans).
LATEST = datetime.date(2100, 12, 31)
#: The founding of the Communist Party of China: no one joined before it.
PARTY_FOUNDED = datetime.date(1921, 7, 1)


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _resolve(bound):
    if bound == "today":
        return timezone.localdate()
    return bound() if callable(bound) else bound


def date_problem(value, *, earliest=EARLIEST, latest=LATEST):
    """The message saying why `value` (a date or datetime) is out of range, or None when it is in range.
    `earliest` and `latest` are dates, callables returning one, or "today" (no future date)."""
    if value is None:
        return None
    day, low, high = _day(value), _resolve(earliest) or EARLIEST, _resolve(latest) or LATEST
    if day < low:
        return _("The date cannot be before %(date)s.") % {"date": low.isoformat()}
    if day > high:
        if latest == "today":
            return _("The date cannot be in the future.")
        return _("The date cannot be after %(date)s.") % {"date": high.isoformat()}
    return None


def check_date(value, *, earliest=EARLIEST, latest=LATEST):
    """Raise ValidationError (code "date_range") when `value` is outside [earliest, latest]."""
    problem = date_problem(value, earliest=earliest, latest=latest)
    if problem:
        raise ValidationError(problem, code="date_range")
    return value


def date_errors(*, earliest=EARLIEST, latest=LATEST, **values):
    """{field: [message]} for each of `values` (field=date) out of range: a service merges it into its errors."""
    errors = {}
    for name, value in values.items():
        problem = date_problem(value, earliest=earliest, latest=latest)
        if problem:
            errors[name] = [problem]
    return errors


def parse_day(value, default=None, *, earliest=EARLIEST, latest=LATEST):
    """A day from a query string ("2026-11-25"); `default` when it is missing, unreadable or out of range."""
    try:
        day = datetime.date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return default
    if day is None or date_problem(day, earliest=earliest, latest=latest):
        return default
    return day


class BoundedDateField(forms.DateField):
    """A form's date field that refuses dates outside [earliest, latest] (EARLIEST–LATEST unless given)."""

    def __init__(self, *args, earliest=EARLIEST, latest=LATEST, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        check_date(value, earliest=self.earliest, latest=self.latest)
