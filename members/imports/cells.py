"""Reading an uploaded sheet and its cells: dates, months, amounts, yes or no, and choices by label or code in
every language the portal speaks.

Reading a file is bounded before anything big is built (`read_sheet`): an .xlsx is a zip of XML parts, so
its members are counted and their uncompressed sizes added up from the zip directory before a byte is
inflated (a 290 KB file may hold 98 MB of XML), a part declaring a DTD or entities is refused (openpyxl parses
the workbook's parts with defusedxml, installed for it), the sheet's declared dimension is not trusted (a
5.6 KB file may declare A1:XFD1048576: rows are streamed in openpyxl's read-only mode, cut to the header's
width, and reading stops at the first row past the limit), and a CSV is decoded as UTF-8 (with or without BOM)
or GB18030 (GBK's superset), or refused with the encoding found named. Every refusal is a ValidationError
with a message that says what to do. The same function serves the web request (small files, `interactive`)
and the background worker (the whole file).
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation

import tablib
from django.utils import translation
from django.utils.translation import gettext as _

from core.dates import date_problem
from core.downloads import unescape_cell
from core.errors import ValidationError
from core.text import normalize_text


LANGUAGES = ("zh-hans", "en")

#: An uploaded file may not be larger than this (compressed, as uploaded).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: The XML inside an .xlsx, uncompressed, all parts together (a 50,000-row, 12-column sheet is about 33 MB).
MAX_XLSX_XML_BYTES = 80 * 1024 * 1024
#: Parts in an .xlsx (a workbook of one sheet has about ten).
MAX_XLSX_PARTS = 500
#: Data rows in one file (the header row not counted).
MAX_ROWS = 50_000
#: Columns read (the sheets have at most a dozen; cells further right are ignored).
MAX_COLUMNS = 100
#: The shared-strings part of an .xlsx (read whole by openpyxl; 50,000 rows of distinct names take ~12 MB).
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
#: Up to this many rows and this much XML (or CSV) a file is read in the web request; larger files go to the
#: background import, read there once.
INTERACTIVE_ROWS = 1000
INTERACTIVE_BYTES = 4 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_PROLOG_BYTES = 64 * 1024


class SheetRefused(ValidationError):
    """A file that cannot be imported; the message (on "file") says why and what to do."""

    def __init__(self, message):
        super().__init__({"file": [message]})


class TooBigForNow(Exception):
    """Raised by read_sheet(interactive=True) for a file within the limits but too big to read in the web
    request: the caller hands it to the background import, which reads it once."""


def _mb(size):
    return f"{size / 1024 / 1024:.0f} MB"


def read_sheet(content, file_name, *, max_rows=MAX_ROWS, interactive=False, interactive_rows=INTERACTIVE_ROWS):
    """The uploaded bytes as a tablib Dataset (first row the headers), an .xlsx or a CSV by the name's ending.

    Raises SheetRefused (a ValidationError) for a file that is too big, is not what its name says, or cannot be
    read, and for more than `max_rows` data rows. With `interactive` (the web request), raises TooBigForNow
    instead of reading a file of more than `interactive_rows` rows or INTERACTIVE_BYTES of content."""
    name = (file_name or "").lower()
    if len(content) > MAX_UPLOAD_BYTES:
        raise SheetRefused(_("The file is larger than %(max)s.") % {"max": _mb(MAX_UPLOAD_BYTES)})
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content, interactive=interactive)
    elif name.endswith(".csv"):
        if interactive and len(content) > INTERACTIVE_BYTES:
            raise TooBigForNow
        rows = _csv_rows(content)
    else:
        raise SheetRefused(_("Upload an Excel workbook (.xlsx) or a CSV file."))
    limit = min(max_rows, interactive_rows) if interactive else max_rows
    return _dataset(rows, limit=limit, interactive=interactive and interactive_rows < max_rows,
                    max_rows=max_rows)


def load_dataset(content, file_name):
    """Read uploaded bytes into a tablib Dataset, whole (the background import; see read_sheet)."""
    return read_sheet(content, file_name)


def _dataset(rows, *, limit, interactive, max_rows):
    try:
        header = next(rows, None)
        if header is None:
            raise SheetRefused(_("The file is empty: the first row must hold the column headers."))
        header = [cell_text(value) for value in header[:MAX_COLUMNS]]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise SheetRefused(_("The first row must hold the column headers; it is empty."))
        width = len(header)
        dataset = tablib.Dataset(headers=_unique_headers(header))
        for row in rows:
            if dataset.height >= limit:
                if interactive:
                    raise TooBigForNow
                raise SheetRefused(_("At most %(max)s rows in one file.") % {"max": f"{max_rows:,}"})
            row = list(row[:width])
            dataset.append(row + [None] * (width - len(row)))
    except (SheetRefused, TooBigForNow):
        raise
    except csv.Error as exc:
        raise SheetRefused(_("The CSV file could not be read (%(reason)s): save it again from Excel or WPS as "
                             "“CSV UTF-8” and upload it.") % {"reason": exc}) from None
    except Exception as exc:  # openpyxl and the XML parser raise many kinds (KeyError, ParseError, ValueError …)
        raise SheetRefused(_("The workbook could not be read (%(reason)s): open it in Excel or WPS, save it as "
                             "an .xlsx workbook and upload it again.") % {"reason": exc.__class__.__name__}) from None
    return dataset


def _unique_headers(header):
    """tablib wants headers as given; duplicates are kept (the engine reads the first of each)."""
    return [text or f"_{index + 1}" for index, text in enumerate(header)]


def _xlsx_rows(content, *, interactive):
    if not content.startswith(_XLSX_MAGIC):
        raise SheetRefused(_("This is not an .xlsx workbook (an old .xls, or another kind of file renamed?): "
                             "open it in Excel or WPS and save it as an .xlsx workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise SheetRefused(_("The workbook is damaged (not a readable .xlsx): open it in Excel or WPS and save "
                             "it again.")) from None
    if len(parts) > MAX_XLSX_PARTS:
        raise SheetRefused(_("The workbook holds too many parts (%(count)s): save the sheet alone in a new "
                             "workbook.") % {"count": len(parts)})
    total = sum(part.file_size for part in parts)
    if total > MAX_XLSX_XML_BYTES:
        raise SheetRefused(_("The workbook unpacks to %(size)s, more than %(max)s: keep only the sheet to import "
                             "(at most %(rows)s rows) and save it again.") % {
            "size": _mb(total), "max": _mb(MAX_XLSX_XML_BYTES), "rows": f"{MAX_ROWS:,}"})
    try:
        _check_parts(archive, parts)
    except SheetRefused:
        raise
    except Exception:  # a part that cannot be inflated (damaged, encrypted, an unknown compression)
        raise SheetRefused(_("The workbook is damaged (not a readable .xlsx): open it in Excel or WPS and save "
                             "it again.")) from None
    if interactive and total > INTERACTIVE_BYTES:
        raise TooBigForNow
    return _openpyxl_rows(content)


def _check_parts(archive, parts):
    """Refuse an oversized shared-strings part and any XML part declaring a DTD or entities."""
    for part in parts:
        if part.filename.lower().endswith("sharedstrings.xml") and part.file_size > MAX_SHARED_STRINGS_BYTES:
            raise SheetRefused(_("The workbook's text takes %(size)s, more than %(max)s: keep only the sheet to "
                                 "import and save it again.") % {
                "size": _mb(part.file_size), "max": _mb(MAX_SHARED_STRINGS_BYTES)})
        if part.filename.endswith((".xml", ".rels")) and part.file_size:
            with archive.open(part) as handle:
                head = handle.read(_PROLOG_BYTES)
            element = _ELEMENT.search(head)
            # Only the prolog (before the first element) may declare a DTD or entities; Excel never writes one.
            if _DTD.search(head[:element.start()] if element else head):
                raise SheetRefused(_("The workbook holds XML declarations Excel never writes (a DTD or "
                                     "entities): it cannot be imported."))


def _openpyxl_rows(content):
    import openpyxl  # noqa: PLC0415  (only when a workbook is read)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, a damaged part
        raise SheetRefused(_("The workbook could not be read (%(reason)s): open it in Excel or WPS, save it as an "
                             ".xlsx workbook and upload it again.") % {"reason": exc.__class__.__name__}) from None
    sheet = workbook.active or (workbook.worksheets[0] if workbook.worksheets else None)
    if sheet is None or not hasattr(sheet, "iter_rows"):
        raise SheetRefused(_("The workbook has no sheet to import."))

    def rows():
        try:
            # The declared dimension is not trusted: without it, rows are as long as their cells, cut here.
            sheet.reset_dimensions()
            yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        finally:
            workbook.close()

    return rows()


def _decode_csv(content):
    """The text of a CSV: UTF-8 (with or without BOM) or GB18030 (which reads GBK and GB2312); otherwise
    SheetRefused naming the encoding found (charset-normalizer) and how to save the file."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise SheetRefused(_("The CSV file holds a NUL byte on line %(line)s: it is not plain text (an Excel "
                                 "workbook renamed to .csv?). Save it from Excel or WPS as “CSV UTF-8” or as an "
                                 ".xlsx workbook.") % {"line": line})
        return text
    from charset_normalizer import from_bytes  # noqa: PLC0415

    best = from_bytes(content[:200_000]).best()
    found = best.encoding if best is not None else _("unknown")
    raise SheetRefused(_("The CSV file is neither UTF-8 nor GBK/GB18030 (it looks like %(encoding)s): save it "
                         "from Excel or WPS as “CSV UTF-8” and upload it again.") % {"encoding": found})


def _csv_rows(content):
    text = _decode_csv(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    return (row[:MAX_COLUMNS] for row in reader)


def cell_text(value):
    """A cell as text in its normal form (core.text.normalize_text: no zero-width, control or bidi characters,
    single spaces, full-width letters and digits folded), without the apostrophe the portal's exports put before
    a formula-looking text (core.downloads.escape_cell), so an exported sheet imports back as it was."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(unescape_cell(value))


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


def _in_range(day):
    """A date between core.dates.EARLIEST and LATEST (1900–2100), or CellError saying which bound it passed."""
    problem = date_problem(day)
    if problem:
        raise CellError(problem)
    return day


def read_cell(kind, raw, *, choices=None):
    if kind == "text":
        return cell_text(raw)
    if kind == "date":
        try:
            return _in_range(parse_date(raw))
        except (ValueError, TypeError, OverflowError):
            raise CellError(_("Not a date: write it as 2024-07-01.")) from None
    if kind == "month":
        try:
            return _in_range(parse_month(raw))
        except (ValueError, TypeError, OverflowError):
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
