"""Importing points, dues and attendance sheets (members.imports.sheet_import): good, bad and mixed files,
scope, re-imports, points from attendance, the background path, query counts and the pages."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.errors import ValidationError
from members.dues.models import DuesPayment
from members.dues.services import dues_record
from members.imports.engine import import_run, sheet_import, template_dataset
from members.imports.models import MemberImport
from members.orglife.models import Attendance, Meeting
from members.orglife.services import ATTENDANCE_POINTS, meeting_attendance_set, meeting_record, meeting_review
from members.points.models import PointEntry
from members.points.services import point_entry_create
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import make_meeting

pytestmark = pytest.mark.django_db

MAY = datetime.date(2026, 5, 8)


def sheet(kind, rows, language="zh-hans"):
    with translation.override(language):
        data = template_dataset(kind)
    for values in rows:
        data.append(list(values))
    return tablib.Dataset().load(data.export("xlsx"), format="xlsx")


def point(member, n=1, **over):
    values = {"id_number": member.id_number, "name": member.name, "on": datetime.date(2026, 3, n % 28 + 1),
              "category": "志愿服务", "points": 2, "reason": f"社区志愿服务{n}"}
    values.update(over)
    return list(values.values())


def dues(member, month="2026-05", **over):
    values = {"id_number": member.id_number, "name": member.name, "month": month, "kind": "employed",
              "income_base": 4000, "amount_paid": 40, "paid_on": datetime.date(2026, 5, 10), "paid_by": ""}
    values.update(over)
    return list(values.values())


def attendance(member, org="S01C01G01", held_on=MAY, kind="主题党日", present="是", reason="", **over):
    values = {"org_code": org, "held_on": held_on, "kind": kind, "id_number": member.id_number,
              "name": member.name, "present": present, "absence_reason": reason}
    values.update(over)
    return list(values.values())


def where(result):
    return {(e.row, e.column) for e in result.errors}


def fresh(user):
    user.__dict__.pop("_jinshui_scope", None)
    return user


# ---------------------------------------------------------------------------------------------------------------
# Points
# ---------------------------------------------------------------------------------------------------------------


def test_points_good_file(tree, community_secretary):
    result = sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", [
        point(tree.member, 1), point(tree.member, 2, category="study", points="-1.5", name="")]))
    assert result.written and (result.created, result.updated) == (2, 0) and not result.errors
    entries = PointEntry.objects.order_by("on")
    assert [(e.category, e.points) for e in entries] == [("volunteer", Decimal("2.0")), ("study", Decimal("-1.5"))]
    assert entries[0].recorded_by == community_secretary
    assert entries[0].history.get().history_user == community_secretary


def test_points_bad_file_names_row_and_column_and_writes_nothing(tree, community_secretary):
    masked = tree.member.id_number[:6] + "********" + tree.member.id_number[-4:]
    result = sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", [
        point(tree.member, 1, name="王小明"),  # the name disagrees with the ID-card number
        point(tree.other_member, 2),  # outside the secretary's area: same answer as unknown
        point(tree.member, 3, id_number="410105199001011234"),
        point(tree.member, 4, id_number=masked),
        point(tree.member, 5, category="打扫卫生"),
        point(tree.member, 6, on="昨天"),
        point(tree.member, 7, points=0),
        point(tree.member, 8, reason=""),
        point(tree.member, 9, on=datetime.date(2099, 1, 1)),
        point(tree.member, 10, points="很多"),
    ]))
    assert not result.written and PointEntry.objects.count() == 0
    assert where(result) == {(2, "B"), (3, "A"), (4, "A"), (5, "A"), (6, "D"), (7, "C"), (8, "E"), (9, "F"),
                             (10, "C"), (11, "E")}
    foreign = next(e for e in result.errors if e.row == 3).message
    unknown = next(e for e in result.errors if e.row == 4).message
    assert foreign.replace(tree.other_member.id_number, "N") == unknown.replace("410105199001011234", "N")
    assert "masked" in next(e for e in result.errors if e.row == 5).message


def test_points_mixed_file_valid_rows_only(tree, community_secretary):
    rows = [point(tree.member, 1), point(tree.other_member, 2), point(tree.member, 3)]
    assert not sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", rows)).written
    result = sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", rows), valid_only=True)
    assert result.written and result.created == 2 and result.error_rows == 1
    assert not PointEntry.objects.filter(member=tree.other_member).exists()


def test_points_reimport_adds_nothing(tree, community_secretary):
    rows = [point(tree.member, 1), point(tree.member, 2)]
    assert sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", rows)).created == 2
    again = sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", rows))
    assert not again.written and where(again) == {(2, ""), (3, "")}
    assert "already recorded" in again.errors[0].message and PointEntry.objects.count() == 2
    twice = sheet_import(kind="points", actor=community_secretary,
                         dataset=sheet("points", [point(tree.member, 5), point(tree.member, 5)]))
    assert where(twice) == {(3, "")} and "row 2" in twice.errors[0].message


def test_points_round_trip_through_the_admin_export(client, tree, community_secretary):
    point_entry_create(actor=community_secretary, member=tree.member, on=datetime.date(2026, 4, 2),
                       category="role", points=3, reason="带头服务")
    client.force_login(community_secretary)
    with translation.override("zh-hans"):
        response = client.post(reverse("admin:members_pointentry_changelist"), {
            "action": "export_xlsx", "_selected_action": list(PointEntry.objects.values_list("pk", flat=True))},
            HTTP_ACCEPT_LANGUAGE="zh-hans")
    exported = tablib.Dataset().load(response.content, format="xlsx")
    assert tree.member.id_number in exported[0]  # in full: the secretary may change this member
    PointEntry.objects.all().delete()
    result = sheet_import(kind="points", actor=community_secretary, dataset=exported)
    assert result.created == 1, result.errors
    entry = PointEntry.objects.get()
    assert (entry.on, entry.category, entry.points, entry.reason) == (datetime.date(2026, 4, 2), "role",
                                                                     Decimal("3.0"), "带头服务")


def test_points_from_meetings_are_not_doubled_by_their_export(tree, community_secretary):
    make_meeting(tree.grid, [tree.member])
    entry = PointEntry.objects.get()
    row = point(tree.member, on=entry.on, category="org_life", points=entry.points, reason=entry.reason)
    result = sheet_import(kind="points", actor=community_secretary, dataset=sheet("points", [row]))
    assert not result.written and "already recorded" in result.errors[0].message


# ---------------------------------------------------------------------------------------------------------------
# Dues
# ---------------------------------------------------------------------------------------------------------------


def test_dues_good_file_month_formats_and_amount_due(tree, community_secretary):
    other = MemberFactory(org=tree.building)
    result = sheet_import(kind="dues", actor=community_secretary, dataset=sheet("dues", [
        dues(tree.member, "2026-05"), dues(tree.member, "2026年6月", kind="离退休", amount_paid="", paid_on=""),
        dues(other, datetime.date(2026, 5, 17), kind="Retired (monthly pension)", income_base="6,000")]))
    assert result.written and (result.created, result.updated) == (3, 0), result.errors
    may = DuesPayment.objects.get(member=tree.member, month=datetime.date(2026, 5, 1))
    assert (may.amount_due, may.amount_paid, may.arrears) == (Decimal("40.00"), Decimal("40.00"), 0)
    june = DuesPayment.objects.get(member=tree.member, month=datetime.date(2026, 6, 1))
    assert (june.kind, june.amount_due, june.amount_paid, june.paid_on) == ("retired", Decimal("20.00"), 0, None)
    assert DuesPayment.objects.get(member=other).amount_due == Decimal("60.00")


def test_dues_reimport_updates_the_month_and_keeps_history(tree, community_secretary):
    dues_record(actor=community_secretary, member=tree.member, month=datetime.date(2026, 5, 1),
                kind="employed", income_base=4000)
    other = MemberFactory(org=tree.grid)
    rows = [dues(tree.member), dues(other, amount_paid="", paid_on="")]
    result = sheet_import(kind="dues", actor=community_secretary, dataset=sheet("dues", rows))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    payment = DuesPayment.objects.get(member=tree.member)
    assert payment.amount_paid == Decimal("40.00") and payment.paid_on == datetime.date(2026, 5, 10)
    assert [h.history_type for h in payment.history.order_by("history_date")] == ["+", "~"]
    assert payment.history.latest().history_user == community_secretary
    again = sheet_import(kind="dues", actor=community_secretary, dataset=sheet("dues", rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2) and payment.history.count() == 2


def test_dues_bad_rows(tree, community_secretary):
    result = sheet_import(kind="dues", actor=community_secretary, dataset=sheet("dues", [
        dues(tree.member, "十一月"), dues(tree.member, "2026-07", kind="打工"), dues(tree.member, "2026-08",
                                                                              paid_on=""),
        dues(tree.member, "2026-09", amount_paid=-1), dues(tree.other_member), dues(tree.member, "2026-10",
                                                                                    income_base="")]))
    assert not result.written and DuesPayment.objects.count() == 0
    assert where(result) == {(2, "C"), (3, "D"), (4, "G"), (5, "F"), (6, "A"), (7, "E")}
    dup = sheet_import(kind="dues", actor=community_secretary,
                       dataset=sheet("dues", [dues(tree.member), dues(tree.member, "2026年5月")]))
    assert where(dup) == {(3, "C")}


# ---------------------------------------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------------------------------------


def _empty_meeting(org, kind="theme_day", held_on=MAY):
    return meeting_record(actor=grant(UserFactory(), Role.DISTRICT_STAFF), org=org, kind=kind,
                          held_on=held_on, topic="学习党章", minutes="会议记录", present=[])


def test_attendance_gives_the_meetings_points(tree, community_secretary):
    meeting = _empty_meeting(tree.grid)
    absent = MemberFactory(org=tree.building, name="缺席者")
    result = sheet_import(kind="attendance", actor=community_secretary, dataset=sheet("attendance", [
        attendance(tree.member, present="✓"), attendance(absent, present="缺席", reason="出差")]))
    assert result.written and (result.created, result.updated) == (2, 0), result.errors
    assert {(a.member_id, a.present, a.absence_reason) for a in meeting.attendance.all()} == {
        (tree.member.pk, True, ""), (absent.pk, False, "出差")}
    entry = PointEntry.objects.get()
    assert (entry.member, entry.meeting, entry.category, entry.points) == (tree.member, meeting, "org_life",
                                                                         Decimal(ATTENDANCE_POINTS[
                                                                             "theme_day"]))
    # A correction: present → absent takes the points away; absent → present gives them; the rest unchanged.
    result = sheet_import(kind="attendance", actor=community_secretary, dataset=sheet("attendance", [
        attendance(tree.member, present="否", reason="生病"), attendance(absent, present="yes")]))
    assert (result.created, result.updated) == (0, 2)
    assert list(PointEntry.objects.values_list("member_id", flat=True)) == [absent.pk]
    again = sheet_import(kind="attendance", actor=community_secretary, dataset=sheet("attendance", [
        attendance(absent, present="1")]))
    assert (again.created, again.updated) == (0, 0) and PointEntry.objects.count() == 1


def test_attendance_bad_rows_and_foreign_meetings(tree, community_secretary):
    _empty_meeting(tree.grid)
    _empty_meeting(tree.other_grid)
    _empty_meeting(tree.grid, kind="group")
    _empty_meeting(tree.grid, kind="group")
    result = sheet_import(kind="attendance", actor=community_secretary, dataset=sheet("attendance", [
        attendance(tree.member, org="S02C01G01"),  # a meeting outside the area: as if there were none
        attendance(tree.member, held_on=datetime.date(2026, 5, 9)),
        attendance(tree.member, kind="党小组会"),  # two such meetings: ambiguous
        attendance(tree.member, present="也许"),
        attendance(tree.member, present="否"),
        attendance(tree.other_member),
        attendance(MemberFactory(org=tree.community)),  # above the grid: not a member of its branch
    ]))
    assert not result.written and Attendance.objects.count() == 0
    assert where(result) == {(2, "A"), (3, "A"), (4, "A"), (5, "F"), (6, "G"), (7, "D"), (8, "D")}
    assert next(e for e in result.errors if e.row == 2).message.startswith("No Theme party day")
    assert "2 meetings" in next(e for e in result.errors if e.row == 4).message


def test_a_reviewed_meetings_attendance_is_closed(tree, community_secretary, street_secretary):
    meeting = _empty_meeting(tree.grid)
    meeting_review(actor=street_secretary, meeting=meeting, opinion="符合要求", on=datetime.date(2026, 5, 20))
    result = sheet_import(kind="attendance", actor=community_secretary, dataset=sheet("attendance", [
        attendance(tree.member)]))
    assert not result.written and where(result) == {(2, "A")}
    assert "reviewed" in result.errors[0].message and Attendance.objects.count() == 0
    with pytest.raises(ValidationError) as caught:
        meeting_attendance_set(actor=community_secretary, rows=[(meeting, tree.member, True, "")])
    assert "meeting" in caught.value.message_dict and PointEntry.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Everyone: scope, query counts, background, pages
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["points", "dues", "attendance"])
def test_a_user_without_write_scope_cannot_import(tree, kind, client):
    inspector = grant(UserFactory(username="insp"), Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        sheet_import(kind=kind, actor=inspector, dataset=sheet(kind, []))
    client.force_login(inspector)
    assert client.get(reverse("members:import") + f"?kind={kind}").status_code == 403
    assert client.get(reverse("members:import-template") + f"?kind={kind}").status_code == 403


def _rows(kind, tree, n, members):
    if kind == "points":
        return [point(members[i % len(members)], i, reason=f"理由{i}") for i in range(n)]
    if kind == "dues":
        return [dues(members[i], "2026-05") for i in range(n)]
    return [attendance(members[i]) for i in range(n)]


@pytest.mark.parametrize("kind", ["points", "dues", "attendance"])
def test_queries_do_not_grow_with_rows(tree, community_secretary, kind, django_assert_num_queries):
    members = [MemberFactory(org=tree.grid) for _ in range(100)]
    if kind == "attendance":
        _empty_meeting(tree.grid)
    with CaptureQueriesContext(connection) as ten:
        result = sheet_import(kind=kind, actor=fresh(community_secretary), dataset=sheet(kind, _rows(
            kind, tree, 10, members[:10])))
    assert result.created == 10 and len(ten) <= 12, [q["sql"][:80] for q in ten]
    if kind == "attendance":
        Attendance.objects.all().delete()
        PointEntry.objects.all().delete()
    else:
        (PointEntry if kind == "points" else DuesPayment).objects.all().delete()
    with django_assert_num_queries(len(ten)):
        result = sheet_import(kind=kind, actor=fresh(community_secretary), dataset=sheet(kind, _rows(
            kind, tree, 100, members)))
    assert result.created == 100


def test_dues_in_the_background_with_progress(client, tree, community_secretary, settings, tmp_path, monkeypatch,
                                              django_capture_on_commit_callbacks):
    from members.imports import engine as imports

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 3)
    members = [MemberFactory(org=tree.grid) for _ in range(8)]
    client.force_login(community_secretary)
    with translation.override("zh-hans"):
        data = template_dataset("dues")
    for member in members:
        data.append(dues(member))
    upload = io.BytesIO(data.export("xlsx"))
    upload.name = "党费.xlsx"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("members:import"), {"kind": "dues", "file": upload})
    job = MemberImport.objects.get()
    assert job.kind == "dues" and response["Location"] == reverse("members:import-status", args=[job.pk])
    assert len(callbacks) == 1
    body = client.get(response["Location"]).content.decode()
    assert "import-progress" in body
    progress = []
    monkeypatch.setattr(imports, "sheet_import", _spy(imports.sheet_import, progress))
    from members.tasks import run_member_import

    assert run_member_import.apply(args=[job.pk]).get() == {"created": 8}
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.created, job.updated) == ("done", 8, 8, 8, 0)
    assert progress == [3, 6] and DuesPayment.objects.count() == 8
    assert import_run(job.pk) is None  # a second run does nothing
    assert "import-done" in client.get(response["Location"]).content.decode()
    client.force_login(grant(UserFactory(username="sec2"), Role.COMMUNITY_SECRETARY, tree.other_community))
    assert client.get(response["Location"]).status_code == 404  # someone else's import


def _spy(function, seen):
    def wrapped(**kwargs):
        inner = kwargs["progress"]

        def progress(rows):
            seen.append(rows)
            inner(rows)

        return function(**{**kwargs, "progress": progress})

    return wrapped


def test_import_page_per_kind_and_templates(client, tree, community_secretary):
    client.force_login(community_secretary)
    body = client.get(reverse("members:import") + "?kind=points").content.decode()
    assert 'value="points" selected' in body and "?kind=dues" in body and "?kind=attendance" in body
    expected = {"members": 12, "points": 6, "dues": 8, "attendance": 7}
    for kind, columns in expected.items():
        response = client.get(reverse("members:import-template") + f"?kind={kind}")
        assert response.status_code == 200 and f"{kind}-template" in response["Content-Disposition"]
        assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_column == columns
    upload = io.BytesIO(sheet("points", [point(tree.member), point(tree.other_member, 2)]).export("xlsx"))
    upload.name = "积分.xlsx"
    body = client.post(reverse("members:import"), {"kind": "points", "file": upload}).content.decode()
    assert "import-rejected" in body and "<td>3</td><td>A</td>" in body and PointEntry.objects.count() == 0
    upload = io.BytesIO(sheet("points", [point(tree.member)]).export("xlsx"))
    upload.name = "积分.xlsx"
    body = client.post(reverse("members:import"), {"kind": "points", "file": upload}).content.decode()
    assert "import-done" in body and PointEntry.objects.count() == 1
    for model, kind in (("pointentry", "points"), ("duespayment", "dues"), ("meeting", "attendance")):
        page = client.get(reverse(f"admin:members_{model}_changelist")).content.decode()
        assert f"/members/import/?kind={kind}" in page, model


def test_exports_mask_ids_outside_the_write_scope(client, tree, community_secretary):
    make_meeting(tree.grid, [tree.member])
    inspector = grant(UserFactory(username="insp"), Role.INSPECTOR)
    client.force_login(inspector)
    response = client.post(reverse("admin:members_meeting_changelist"), {
        "action": "export_attendance_xlsx", "_selected_action": list(Meeting.objects.values_list("pk", flat=True))})
    cells = [c for r in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
             for c in r]
    assert tree.member.masked_id_number in cells and tree.member.id_number not in cells
    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_meeting_changelist"), {
        "action": "export_attendance_xlsx", "_selected_action": list(Meeting.objects.values_list("pk", flat=True))})
    exported = tablib.Dataset().load(response.content, format="xlsx")
    assert tree.member.id_number in exported[0]
    Attendance.objects.all().delete()
    PointEntry.objects.all().delete()
    result = sheet_import(kind="attendance", actor=community_secretary, dataset=exported)
    assert result.created == 1 and PointEntry.objects.count() == 1, result.errors


@pytest.mark.worker
def test_points_import_on_a_real_worker(celery_worker_real, settings, tmp_path):
    """The queued job is picked up by a real worker through the Redis broker and dispatched by its kind."""
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    from members.imports.engine import import_start
    from members.tasks import run_member_import
    from tests.factories import CommunityFactory, GridFactory

    settings.MEDIA_ROOT = tmp_path
    community = CommunityFactory(code="W02C01")
    member = MemberFactory(org=GridFactory(code="W02C01G01", parent=community))
    secretary = grant(UserFactory(username="sec-W02C01"), Role.COMMUNITY_SECRETARY, community)
    content = sheet("points", [point(member, n) for n in range(1, 4)]).export("xlsx")
    job = import_start(actor=secretary, upload=SimpleUploadedFile("积分.xlsx", content), kind="points")
    for _ in range(2):
        run_member_import.apply_async(args=[job.pk])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and MemberImport.objects.get(pk=job.pk).status != "done":
        time.sleep(0.2)
    time.sleep(0.5)
    job.refresh_from_db()
    assert (job.status, job.kind, job.created, job.written) == ("done", "points", 3, True)
    assert PointEntry.objects.filter(member=member).count() == 3
