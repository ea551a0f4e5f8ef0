"""File downloads the portal hands out (exports and empty import sheets): one place for content types, the BOM
that lets Excel open a UTF-8 CSV in Chinese, the attachment header, and the one cell escaper every export's
cells go through (a text starting with = + - @, a tab or a carriage return is a formula to Excel and LibreOffice:
`=HYPERLINK(...)` typed as a points reason must reach the sheet as text, not as a live formula)."""

import re

import tablib
from django.http import HttpResponse

from core.replica import replica_reads

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The first characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that some
#: spreadsheets skip before reading the formula that follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9,]*(\.[0-9]+)?$")


def escape_cell(value):
    """A cell value safe in CSV and Excel: a text that a spreadsheet would take for a formula gets a leading
    apostrophe (shown as text, the way Excel marks typed text); numbers, dates and plain negative numbers
    written as text ("-5") stay as they are (defusedcsv's rule)."""
    if not isinstance(value, str) or not value or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def unescape_cell(text):
    """The text a cell held before `escape_cell` marked it (a sheet the portal exported comes back as it was)."""
    if isinstance(text, str) and text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def escape_row(row):
    return [escape_cell(value) for value in row]


def safe_dataset(dataset):
    """The same tablib Dataset with every cell (and header) escaped, ready for `.csv` or `.export("xlsx")`."""
    safe = tablib.Dataset(*(escape_row(row) for row in dataset),
                          headers=escape_row(dataset.headers) if dataset.headers else None, title=dataset.title)
    return safe


def sheet(title, headers, rows):
    """A Dataset of already-scoped rows with every cell escaped (rows still to be read come from the replica,
    when there is one: core.replica)."""
    with replica_reads():
        return tablib.Dataset(*(escape_row(row) for row in rows), headers=escape_row([str(h) for h in headers]),
                              title=title)


class EscapedResourceMixin:
    """For django-import-export resources: every exported cell goes through `escape_cell`."""

    def export(self, *args, **kwargs):
        with replica_reads():  # an export may lag the primary by a moment: read it from the replica, if any
            return safe_dataset(super().export(*args, **kwargs))


def csv_download(content, file_name):
    """A CSV text as an attachment, with a byte-order mark (Excel reads UTF-8 Chinese only with it)."""
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def xlsx_download(content, file_name):
    """Excel workbook bytes as an attachment."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
