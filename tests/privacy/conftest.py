"""The privacy suite's people and records: one member and one candidate with distinctive numbers, seen by
those who may change them and by those who may only look."""

import datetime
import io
import re

import pytest
from guardian.shortcuts import assign_perm

from members.records.validators import make_id_number
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.conftest import _member_definitions  # noqa: F401  (the step definitions, after a flush)

BIRTH = datetime.date(1987, 9, 23)
PHONE = "13907654321"
CANDIDATE_BIRTH = datetime.date(1992, 11, 17)
CANDIDATE_PHONE = "13566778899"


@pytest.fixture
def inspector(db):
    return grant(UserFactory(username="inspector"), Role.INSPECTOR)


@pytest.fixture
def onlooker(tree):
    """Sees the community S01C01 (a guardian view permission), may change nothing."""
    user = UserFactory(username="onlooker")
    assign_perm("grids.view_orgnode", user, tree.community)
    return user


@pytest.fixture
def subject(tree):
    """A member of grid S01C01G01 whose ID number, phone and birth date occur nowhere else."""
    return MemberFactory(org=tree.grid, name="赵隐私", id_number=make_id_number("410105", BIRTH, 357), birth_date=BIRTH,
                         phone=PHONE, joined_on=datetime.date(2012, 7, 1), full_member_on=datetime.date(2013, 7, 1))


@pytest.fixture
def candidate(tree):
    from members.development.services import candidate_update
    from tests.members.helpers import district_actor, make_candidate

    made = make_candidate(tree.grid, name="钱申请", birth=CANDIDATE_BIRTH)
    return candidate_update(actor=district_actor(), candidate=made, phone=CANDIDATE_PHONE)


def _date_forms(day):
    return {day.isoformat(), day.strftime("%Y%m%d"), f"{day.year}年{day.month}月{day.day}日", f"{day.year}/{day.month}/{day.day}",
            day.strftime("%Y/%m/%d"), day.strftime("%d/%m/%Y"), day.strftime("%b. %d, %Y"), day.strftime("%B %d, %Y"),
            f"{day:%B} {day.day}, {day.year}", day.strftime("%Y.%m.%d")}


def rebuild_leaks(text, id_number, phone, birth):
    """What in `text` would let a reader rebuild a masked ID-card number or phone: the full values, a run of six
    or more of the ID number's digits after the province (place, birth date, sequence, check digit), the
    date of birth in any usual form, the old mask's tail (`*1234`). Empty when nothing leaks."""
    found = []
    if id_number in text:
        found.append("full ID-card number")
    if phone and phone in text:
        found.append("full phone")
    for start in range(2, len(id_number) - 5):
        if id_number[start:start + 6] in text:
            found.append(f"ID digits {start + 1}–{start + 6}")
    for form in _date_forms(birth):
        if form in text:
            found.append(f"birth date {form}")
    tail = re.escape(id_number[-4:])
    for match in re.finditer(r"[0-9*]*\*" + tail, text):
        # Someone's masked phone (138****1234) may end in the same four digits: a sequence of test phones does.
        if not re.fullmatch(r"1\d{2}\*{4}" + tail, match.group()):
            found.append("ID-card number's last digits after the mask")
            break
    return found


def xlsx_text(content):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def xlsx_cells(content):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def answer_text(response):
    """The text of an answer, whatever its kind (page, JSON, CSV, Excel)."""
    kind = response.get("Content-Type", "")
    if kind.startswith("application/vnd.openxmlformats"):
        return xlsx_text(response.content)
    if kind.startswith("application/json"):
        import json

        return json.dumps(json.loads(response.content), ensure_ascii=False)
    return response.content.decode()
