import datetime
import io

import openpyxl
import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from members.imports.engine import member_import, template_dataset
from members.records.models import Member
from members.records.services import member_export
from members.records.validators import make_id_number

pytestmark = pytest.mark.django_db


def row(n, org="S01C01G01", **over):
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=n * 3)
    values = {
        "name": f"导入{n}", "gender": "男", "ethnicity": "汉族", "birth_date": "",
        "id_number": make_id_number("410105", birth, 700 + n), "phone": f"139{n:08d}", "education": "",
        "joined_on": datetime.date(2005, 7, 1), "full_member_on": datetime.date(2006, 7, 1), "status": "正式党员",
        "category": "", "org_code": org,
    }
    values.update(over)
    if "gender" not in over:  # the gender the number says (the 17th digit: odd for men)
        number = str(values["id_number"])
        values["gender"] = ("男" if int(number[16]) % 2 else "女") if len(number) > 16 and number[16].isdigit() else "男"
    return values


def sheet(rows, language="zh-hans"):
    with translation.override(language):
        data = template_dataset()
    for values in rows:
        data.append(list(values.values()))
    return data


def xlsx_bytes(rows):
    return sheet(rows).export("xlsx")


def test_good_file_imports_every_row(tree, community_secretary):
    data = tablib.Dataset().load(xlsx_bytes([row(1), row(2, org="S01C01G01B01")]), format="xlsx")
    result = member_import(actor=community_secretary, dataset=data)
    assert result.written and result.created == 2 and not result.errors
    member = Member.objects.get(name="导入1")
    assert member.status == "full" and member.gender == "M" and member.category == "direct"
    assert member.birth_date == datetime.date(1980, 1, 4)
    assert member.history.get().history_user == community_secretary


def test_bad_file_names_row_and_column_and_writes_nothing(tree, community_secretary):
    bad = [row(1, id_number="410105198001011230"), row(2, joined_on="not a date"), row(3, status="党员"),
           row(4, org="S02C01G01"), row(5, name=""), row(6, phone="12345")]
    result = member_import(actor=community_secretary, dataset=sheet(bad))
    assert not result.written and Member.objects.count() == 2
    where = {(e.row, e.column) for e in result.errors}
    assert where == {(2, "E"), (3, "H"), (4, "J"), (5, "L"), (6, "A"), (7, "F")}
    foreign = next(e for e in result.errors if e.row == 5)
    assert "S02C01G01" in foreign.message and "your area" in foreign.message  # a foreign org is a row error
    assert str(result.errors[0]).startswith("row 2, column E (")


def test_mixed_file_all_or_nothing_unless_asked(tree, community_secretary):
    taken = row(2, id_number=tree.member.id_number, joined_on=tree.member.joined_on,
                full_member_on=tree.member.full_member_on)  # consistent with that number: only the number is wrong
    rows = [row(1), taken, row(3), row(4, id_number=row(3)["id_number"])]
    result = member_import(actor=community_secretary, dataset=sheet(rows))
    assert not result.written and {(e.row, e.column) for e in result.errors} == {(3, "E"), (5, "E")}
    assert Member.objects.count() == 2
    result = member_import(actor=community_secretary, dataset=sheet(rows), valid_only=True)
    assert result.written and result.created == 2 and result.error_rows == 2
    assert set(Member.objects.filter(name__startswith="导入").values_list("name", flat=True)) == {"导入1", "导入3"}


def test_english_csv_and_missing_columns(tree, district_user):
    data = sheet([row(1, gender="Male", status="Full member")], language="en")
    result = member_import(actor=district_user, dataset=tablib.Dataset().load(data.export("csv"), format="csv"))
    assert result.created == 1
    with pytest.raises(ValidationError, match="no column"):
        member_import(actor=district_user, dataset=tablib.Dataset(["x"], headers=["姓名"]))


def test_inspector_cannot_import(tree):
    from tests.factories import Role, UserFactory, grant

    inspector = grant(UserFactory(username="insp"), Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        member_import(actor=inspector, dataset=sheet([row(1)]))


def test_import_queries_do_not_grow_with_rows(tree, community_secretary, django_assert_max_num_queries):
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_max_num_queries(12):
        result = member_import(actor=community_secretary, dataset=sheet([row(n) for n in range(1, 61)]))
    assert result.created == 60


def test_import_page_shows_errors_then_accepts_the_fixed_file(client, tree, community_secretary):
    client.force_login(community_secretary)
    url = reverse("members:import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO(xlsx_bytes([row(1), row(2, org="S02C01G01")]))
    upload.name = "members.xlsx"
    body = client.post(url, {"file": upload}).content.decode()
    assert "import-rejected" in body and "S02C01G01" in body and Member.objects.count() == 2
    fixed = io.BytesIO(xlsx_bytes([row(1), row(2)]))
    fixed.name = "members.xlsx"
    body = client.post(url, {"file": fixed}).content.decode()
    assert "import-done" in body and Member.objects.count() == 4
    junk = io.BytesIO(b"not a workbook")
    junk.name = "x.xlsx"
    assert "import-file-error" in client.post(url, {"file": junk}).content.decode()
    template = client.get(reverse("members:import-template"))
    assert template.status_code == 200 and openpyxl.load_workbook(io.BytesIO(template.content)).active.max_column == 12


def test_xlsx_export_masked_by_role(client, tree, community_secretary):
    content = member_export(actor=community_secretary, queryset=Member.objects.all(), file_format="xlsx")
    cells = [c for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in r]
    assert tree.member.masked_id_number in cells and tree.member.id_number not in cells
    assert tree.other_member.name not in cells
    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_member_changelist"), {
        "action": "export_masked_xlsx", "_selected_action": [tree.member.pk, tree.other_member.pk]})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and tree.member.id_number not in rows[1]


def test_large_import_runs_in_the_background_with_progress(client, tree, community_secretary, settings, tmp_path,
                                                           monkeypatch, django_capture_on_commit_callbacks):
    from members.imports import engine as imports
    from members.imports.engine import import_run
    from members.imports.models import MemberImport

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 3)
    client.force_login(community_secretary)
    upload = io.BytesIO(xlsx_bytes([row(n) for n in range(1, 9)]))
    upload.name = "members.xlsx"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("members:import"), {"file": upload})
    job = MemberImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:import-status", args=[job.pk])
    assert len(callbacks) == 1  # the task is queued once the upload is committed
    body = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in body and "import-progress" in body
    result = import_run(job.pk)
    assert result.created == 8 and import_run(job.pk) is None  # a second run does nothing
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.created) == ("done", 8, 8, 8)
    assert "import-done" in client.get(response["Location"]).content.decode()
    from tests.factories import Role, UserFactory, grant

    client.force_login(grant(UserFactory(username="sec2"), Role.COMMUNITY_SECRETARY, tree.other_community))
    assert client.get(response["Location"]).status_code == 404  # someone else's import
