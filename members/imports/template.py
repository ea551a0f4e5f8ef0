"""The blank sheet a secretary downloads to fill in: the headers in their language, an example row (grey; left as
it is, the import skips it), a drop-down list of the allowed values where a column takes a fixed set (gender,
status, category, education, the kind of dues or meeting, yes or no), the ID-card column formatted as text (Excel
would otherwise turn an 18-digit number into 4.10105E+17 and lose its last digits), dates as dates, and columns
wide enough to read."""

import datetime
import io
import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from grids.models import Level
from grids.selectors import org_list
from members.dues.models import DuesKind
from members.orglife.models import MeetingKind
from members.points.models import PointCategory
from members.records.models import Education, Gender, MemberCategory, MemberStatus
from members.records.validators import make_id_number

from .cells import LANGUAGES, cell_text, label_key
from .models import ImportKind
from .sheets import SHEETS

#: Rows of the sheet the drop-down lists cover (the import takes at most 50,000).
FORMATTED_ROWS = 5000
TEXT = "@"
DATE = "yyyy-mm-dd"
_EXAMPLE_ID = make_id_number("410105", datetime.date(1985, 7, 1), 11)


def _examples(kind, org_code):
    """The example row of a kind: field → value (labels in the current language)."""
    person = {"id_number": _EXAMPLE_ID, "name": _("Zhang San (example)")}
    return {
        ImportKind.MEMBERS: {
            **person, "gender": Gender.MALE.label, "ethnicity": "汉族", "birth_date": datetime.date(1985, 7, 1),
            "phone": "13912345678", "education": Education.BACHELOR.label, "joined_on": datetime.date(2010, 7, 1),
            "full_member_on": datetime.date(2011, 7, 1), "status": MemberStatus.FULL.label,
            "category": MemberCategory.DIRECT.label, "org_code": org_code},
        ImportKind.POINTS: {
            **person, "on": datetime.date(2026, 7, 1), "category": PointCategory.labels[0], "points": 2,
            "reason": _("Theme party day")},
        ImportKind.DUES: {
            **person, "month": "2026-07", "kind": DuesKind.labels[0], "income_base": 2000, "amount_paid": 10,
            "paid_on": datetime.date(2026, 7, 10), "paid_by": ""},
        ImportKind.ATTENDANCE: {
            "org_code": org_code, "held_on": datetime.date(2026, 7, 1), "kind": MeetingKind.labels[0], **person,
            "present": "是", "absence_reason": ""},
    }[kind]


def _example_org_code(actor):
    if actor is not None:
        code = org_list(user=actor, write=True).filter(level=Level.GRID).order_by("path").values_list(
            "code", flat=True).first()
        if code:
            return code
    return "S01C01G01"


def example_matches(kind, values):
    """Whether a row (field → cell text) is the template's example left as it was, in any language: the import
    skips it."""
    if cell_text(values.get("id_number", "")).upper() != _EXAMPLE_ID:
        return False
    for language in LANGUAGES:
        with translation.override(language):
            example = _examples(kind, values.get("org_code", ""))
        if label_key(cell_text(values.get("name", ""))) == label_key(example["name"]):
            return True
    return False


def template_workbook(kind=ImportKind.MEMBERS, *, actor=None):
    """The .xlsx bytes of the blank sheet of `kind` (in the current language)."""
    sheet = SHEETS[kind]
    spec = sheet.spec()
    example = _examples(kind, _example_org_code(actor))
    book = Workbook()
    ws = book.active
    ws.title = sheet.title
    bold, grey = Font(bold=True), Font(italic=True, color="808080")
    ws.append([str(header) for header, _kind in spec.values()])
    ws.append([_cell(example.get(name, "")) for name in spec])
    ws.freeze_panes = "A2"
    chooser = sheet(None, None)
    for index, (name, (header, how)) in enumerate(spec.items(), start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index)
        head.font = bold
        head.fill = PatternFill("solid", fgColor="F2F2F2")
        if name in sheet.required:
            head.value = f"{header}*"
        cell = ws.cell(row=2, column=index)
        cell.font = grey
        width = max(_width(f"{header}*"), _width(_cell(example.get(name, "")))) + 4
        if name in ("id_number", "phone", "org_code"):
            # Text, for the whole column: what is typed or pasted there stays as written.
            ws.column_dimensions[letter].number_format = cell.number_format = TEXT
        elif how == "date":
            ws.column_dimensions[letter].number_format = cell.number_format = DATE
            width = 14
        ws.column_dimensions[letter].width = min(max(width, 10), 40)
        labels = _allowed(chooser, name, how)
        if labels:
            listed = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=str(header),
                                    error=_("Choose one of: %(choices)s.") % {"choices": "、".join(labels)})
            listed.add(f"{letter}2:{letter}{FORMATTED_ROWS + 1}")
            ws.add_data_validation(listed)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def _width(value):
    """The characters a value takes on screen (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _cell(value):
    return value if isinstance(value, (int, datetime.date)) else str(value)


def _allowed(chooser, name, how):
    """The labels a column with a fixed set of values takes (current language), or None."""
    if how == "yes_no":
        return ["是", "否"]
    if how != "choice":
        return None
    choices = chooser.choices(name)
    labels = [str(label).replace(",", "，") for label in choices[1].labels] if choices else None
    # An Excel list is at most 255 characters: a longer one is left to the import's own check.
    return labels if labels and len(",".join(labels)) <= 250 else None
