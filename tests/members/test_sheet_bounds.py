"""Reading an uploaded sheet is bounded: a workbook that declares A1:XFD1048576, one that unpacks to far more
XML than it weighs, one past the row limit, DTDs in its parts; CSV files in GBK, with a BOM, with a NUL byte or
in an encoding the portal does not read; the losing copy of a file imported twice at once; names pasted with
invisible characters; dates no one means."""

import datetime
import io
import time
import tracemalloc
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import ConflictError, ValidationError
from members.imports import cells
from members.imports.cells import SheetRefused, TooBigForNow, read_sheet
from members.imports.engine import member_import, sheet_import, template_dataset
from members.records.models import Member
from members.records.services import member_create, member_update
from tests.members.test_import import row, sheet, xlsx_bytes

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats'
                 b'.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                 b'-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                 b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                 b'.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                 b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
            b'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted_xlsx(rows_xml, dimension="A1:B2", prolog=""):
    """A minimal workbook written by hand, with whatever dimension and rows a test needs."""
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/'
                 f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>').encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(sheet_xml)
            for chunk in rows_xml:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


HEADER_ROW = f'<row r="1">{_cell("A1", "姓名")}{_cell("B1", "公民身份号码")}</row>'.encode()


def test_a_declared_dimension_of_the_whole_sheet_is_not_trusted():
    """5 KB declaring A1:XFD1048576 with a row far down: reading keeps the header's two columns."""
    content = crafted_xlsx([HEADER_ROW, f'<row r="2">{_cell("A2", "李四")}</row>'.encode(),
                            f'<row r="3000">{_cell("XFD3000", "x")}</row>'.encode()], dimension="A1:XFD1048576")
    assert len(content) < 6000
    tracemalloc.start()
    started = time.monotonic()
    dataset = read_sheet(content, "bomb.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert dataset.headers == ["姓名", "公民身份号码"] and dataset.height == 2999 and dataset[0] == ("李四", None)
    assert peak < 30 * 1024 * 1024 and time.monotonic() - started < 5


def test_a_row_past_the_last_excel_row_stops_at_the_limit():
    content = crafted_xlsx([HEADER_ROW, f'<row r="1048576">{_cell("A1048576", "x")}</row>'.encode()],
                           dimension="A1:XFD1048576")
    started = time.monotonic()
    with pytest.raises(SheetRefused, match="50,000"):
        read_sheet(content, "bomb.xlsx")
    assert time.monotonic() - started < 10


def test_xml_far_bigger_than_the_file_is_refused_before_parsing():
    """A few hundred KB holding 90 MB of rows: refused from the zip directory, in well under a second."""
    row_xml = f'<row>{_cell("A1", "张三")}{_cell("B1", "410105198001011234")}</row>'.encode()
    content = crafted_xlsx([HEADER_ROW, row_xml * (90 * 1024 * 1024 // len(row_xml))])
    assert len(content) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(SheetRefused, match="MB") as refused:
        read_sheet(content, "bomb.xlsx")
    assert time.monotonic() - started < 1
    assert "90 MB" in str(refused.value.messages[0])


def test_rows_past_the_limit_stop_the_reading():
    content = xlsx_bytes([row(n) for n in range(1, 31)])
    with pytest.raises(SheetRefused, match="At most 20 rows"):
        read_sheet(content, "members.xlsx", max_rows=20)
    with pytest.raises(TooBigForNow):
        read_sheet(content, "members.xlsx", interactive=True, interactive_rows=10)
    assert read_sheet(content, "members.xlsx", interactive=True, interactive_rows=30).height == 30


def test_dtds_and_entities_are_refused():
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    content = crafted_xlsx([HEADER_ROW], prolog=laughs)
    with pytest.raises(SheetRefused, match="DTD"):
        read_sheet(content, "laughs.xlsx")


@pytest.mark.parametrize("content,expected", [
    (b"not a workbook", "not an .xlsx"),
    (b"PK\x03\x04 damaged", "damaged"),
])
def test_files_that_are_not_workbooks_say_so(content, expected):
    with pytest.raises(SheetRefused, match=expected):
        read_sheet(content, "x.xlsx")


def _csv(rows, encoding, bom=b""):
    text = "\r\n".join(",".join(str(v) for v in r.values()) for r in rows)
    with translation.override("zh-hans"):
        header = ",".join(str(h) for h in template_dataset().headers)
    return bom + (header + "\r\n" + text + "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding,bom", [("gbk", b""), ("gb18030", b""), ("utf-8", b""),
                                          ("utf-8", b"\xef\xbb\xbf")])
def test_csv_in_gbk_and_utf8_with_or_without_bom(tree, community_secretary, encoding, bom):
    dataset = read_sheet(_csv([row(1), row(2)], encoding, bom), "党员.csv")
    result = member_import(actor=community_secretary, dataset=dataset)
    assert result.created == 2 and not result.errors
    assert set(Member.objects.filter(name__startswith="导入").values_list("name", flat=True)) == {"导入1", "导入2"}


def test_csv_with_a_nul_byte_or_an_unread_encoding_says_which(tree):
    content = _csv([row(1)], "utf-8").replace("导入1".encode(), b"\x00")
    with pytest.raises(SheetRefused, match="NUL byte on line 2"):
        read_sheet(content, "党员.csv")
    latin = "name,id\r\nJosé Müller,1\r\nFrançois Hétu,2\r\n".encode("cp1252")
    with pytest.raises(SheetRefused) as refused:
        read_sheet(latin, "members.csv")
    message = refused.value.messages[0]
    assert "neither UTF-8 nor GBK" in message and "CSV UTF-8" in message


def test_the_import_page_names_the_encoding(client, tree, community_secretary):
    client.force_login(community_secretary)
    upload = io.BytesIO("姓名\r\n".encode("utf-16-le") + b"\xff\xfe\x00" * 20)
    upload.name = "党员.csv"
    body = client.post(reverse("members:import"), {"file": upload}).content.decode()
    assert "import-file-error" in body and "无法读取为电子表格" not in body


def test_a_large_xml_file_is_read_in_the_background(client, tree, community_secretary, settings, tmp_path,
                                                     monkeypatch, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(cells, "INTERACTIVE_BYTES", 1000)
    read = []
    monkeypatch.setattr(cells, "_openpyxl_rows", lambda content: read.append(1))
    client.force_login(community_secretary)
    upload = io.BytesIO(xlsx_bytes([row(1), row(2)]))
    upload.name = "members.xlsx"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("members:import"), {"file": upload})
    assert response.status_code == 302 and read == []  # not parsed in the request: once, in the worker


def test_the_losing_copy_of_a_double_import_is_told_so(client, tree, community_secretary, monkeypatch):
    """Two imports of one file at once: both find the ID numbers new; the second to write loses the race."""
    from members.imports.sheets import MemberSheet

    original, rivals = MemberSheet.finish, []

    def finish_then_lose(self, items, error):
        kept = original(self, items, error)
        if rivals:  # the other copy, checked at the same moment, writes first
            member_import(actor=community_secretary, dataset=sheet(rivals.pop()))
        return kept

    monkeypatch.setattr(MemberSheet, "finish", finish_then_lose)
    rivals.append([row(1), row(2)])
    with pytest.raises(ConflictError, match="Another import"):
        member_import(actor=community_secretary, dataset=sheet([row(1), row(2)]))
    rivals.append([row(3)])
    client.force_login(community_secretary)
    upload = io.BytesIO(xlsx_bytes([row(3)]))
    upload.name = "members.xlsx"
    body = client.post(reverse("members:import"), {"file": upload}).content.decode()
    assert "import-file-error" in body and "另一个导入" in body


# --- names --------------------------------------------------------------------------------------------------------

INVISIBLE = ["李\u200b四", "\u202e李四", "\ufeff李四", "李四\u200d", " 李四\u2066", "\u200f李\u00ad四"]


@pytest.mark.parametrize("typed", INVISIBLE)
def test_names_are_stored_without_invisible_characters(tree, community_secretary, typed):
    member = member_create(actor=community_secretary, **_fields(tree, name=typed))
    assert member.name == "李四"


@pytest.mark.parametrize("typed", ["\u200b\u200b", "\u202e", "\ufeff ", "123", "<李四>"])
def test_names_of_nothing_or_symbols_are_refused(tree, community_secretary, typed):
    with pytest.raises(ValidationError) as refused:
        member_create(actor=community_secretary, **_fields(tree, name=typed))
    assert "name" in refused.value.message_dict


@pytest.mark.parametrize("kind", ["points", "dues"])
def test_a_visually_identical_name_matches_in_the_sheets(tree, community_secretary, kind):
    from tests.members.test_sheet_imports import dues, point
    from tests.members.test_sheet_imports import sheet as kind_sheet

    tree.member.name = "李四"
    tree.member.save()
    values = (point if kind == "points" else dues)(tree.member, 1) if kind == "points" else dues(tree.member)
    values[1] = "\u202e李\u200b四\ufeff"
    result = sheet_import(kind=kind, actor=community_secretary, dataset=kind_sheet(kind, [values]))
    assert not result.errors and result.written


def test_candidate_names_are_normalised(tree, community_secretary):
    from members.development.services import candidate_create
    from members.records.validators import make_id_number

    candidate = candidate_create(
        actor=community_secretary, name="\u200b王\u202e五 ", gender="M", org=tree.grid,
        id_number=make_id_number("410105", datetime.date(1999, 3, 4), 123), applied_on=datetime.date(2024, 1, 5),
        reviewer="张书记")
    assert candidate.name == "王五"


# --- dates --------------------------------------------------------------------------------------------------------

def _fields(tree, **over):
    from members.records.validators import make_id_number

    values = {"name": "李四", "gender": "M", "ethnicity": "汉族", "id_number": make_id_number(
        "410105", datetime.date(1980, 5, 6), 321), "phone": "", "education": "", "org": tree.grid,
              "joined_on": datetime.date(2005, 7, 1), "full_member_on": datetime.date(2006, 7, 1), "status": "full",
              "category": "direct"}
    values.update(over)
    return values


@pytest.mark.parametrize("field,value", [
    ("joined_on", datetime.date(9999, 12, 30)), ("joined_on", datetime.date(1900, 1, 1)),
    ("full_member_on", datetime.date.today() + datetime.timedelta(days=2)),
])
def test_member_dates_are_bounded(tree, community_secretary, field, value):
    with pytest.raises(ValidationError) as refused:
        member_create(actor=community_secretary, **_fields(tree, **{field: value}))
    assert field in refused.value.message_dict
    member = member_create(actor=community_secretary, **_fields(tree))
    with pytest.raises(ValidationError):
        member_update(actor=community_secretary, member=member, **{field: value})


def test_a_future_join_date_in_a_sheet_is_a_row_error(tree, community_secretary):
    soon = datetime.date.today() + datetime.timedelta(days=30)
    result = member_import(actor=community_secretary, dataset=sheet([
        row(1, joined_on=datetime.date(9999, 12, 30)), row(2, joined_on=soon, full_member_on="")]))
    assert not result.written
    assert [(e.row, e.header, e.message) for e in result.errors if e.header == "入党日期"] == [
        (2, "入党日期", "The date cannot be after 2100-12-31."), (3, "入党日期", "The date cannot be in the future.")]


@pytest.mark.parametrize("kind,column", [("points", 2), ("dues", 2)])
@pytest.mark.parametrize("far", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_far_dates_in_a_sheet_are_cell_errors(tree, community_secretary, kind, column, far):
    from tests.members.test_sheet_imports import dues, point
    from tests.members.test_sheet_imports import sheet as kind_sheet

    values = point(tree.member, 1) if kind == "points" else dues(tree.member)
    values[column] = far if kind == "points" else far[:7]
    result = sheet_import(kind=kind, actor=community_secretary, dataset=kind_sheet(kind, [values]))
    assert not result.written and result.errors and result.errors[0].column == "C"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(A1)", "-2+3", "plain", "-5"])
def test_an_escaped_export_cell_imports_back_as_it_was(text):
    from core.downloads import escape_cell
    from members.imports.cells import cell_text

    assert cell_text(escape_cell(text)) == text
