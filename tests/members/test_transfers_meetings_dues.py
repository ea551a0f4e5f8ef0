import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from members.dues.selectors import dues_arrears, dues_branch_totals
from members.dues.services import dues_monthly_amount, dues_record, dues_review
from members.orglife.selectors import meeting_list
from members.orglife.services import meeting_record, meeting_review
from members.points.models import PointEntry
from members.points.selectors import points_ranking
from members.records.models import Member
from members.transfers.models import Transfer
from members.transfers.selectors import transfer_list
from members.transfers.services import transfer_accept, transfer_complete_out, transfer_return, transfer_send
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import make_dues, make_meeting, make_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_secretary(tree):
    return grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)


def test_transfer_inside_the_district_accepted(tree, community_secretary, other_secretary):
    make_points(tree.member)
    transfer = transfer_send(actor=community_secretary, member=tree.member, to_org=tree.other_grid,
                             reason="搬家")
    with pytest.raises(ValidationError, match="already has a transfer"):
        transfer_send(actor=community_secretary, member=tree.member, to_org=tree.other_grid, reason="x")
    with pytest.raises(PermissionDenied, match="receiving branch"):
        transfer_accept(actor=community_secretary, transfer=transfer)  # the sender cannot accept
    assert transfer in transfer_list(user=other_secretary)  # the receiving side sees it
    transfer_accept(actor=other_secretary, transfer=transfer)
    member = Member.objects.get(pk=tree.member.pk)
    assert member.org == tree.other_grid and member.history.first().history_user == other_secretary
    assert member.point_entries.count() == 1 and member.history.count() >= 2  # the record follows the member
    with pytest.raises(ValidationError, match="already been decided"):
        transfer_return(actor=other_secretary, transfer=transfer, note="x")


def test_transfer_sent_back(tree, community_secretary, other_secretary):
    transfer = transfer_send(actor=community_secretary, member=tree.member, to_org=tree.other_grid,
                             reason="搬家")
    with pytest.raises(ValidationError, match="Say why"):
        transfer_return(actor=other_secretary, transfer=transfer, note="")
    transfer_return(actor=other_secretary, transfer=transfer, note="查无此人")
    assert Member.objects.get(pk=tree.member.pk).org == tree.grid
    assert Transfer.objects.get().status == "returned"


def test_transfer_rules_and_foreign_member(tree, community_secretary):
    with pytest.raises(PermissionDenied):
        transfer_send(actor=community_secretary, member=tree.other_member, to_org=tree.grid, reason="x")
    with pytest.raises(ValidationError, match="either a branch"):
        transfer_send(actor=community_secretary, member=tree.member, reason="x")
    with pytest.raises(ValidationError, match="another party branch"):
        transfer_send(actor=community_secretary, member=tree.member, to_org=tree.grid, reason="x")


def test_transfer_out_of_the_district_with_a_letter(client, tree, community_secretary, other_secretary):
    transfer = transfer_send(actor=community_secretary, member=tree.member, destination="中共郑州市中原区某街道工委",
                             reason="工作调动")
    assert transfer.status == "letter" and transfer.letter_number.startswith("JSZ")
    client.force_login(community_secretary)
    url = reverse("members:transfer-letter", args=[transfer.pk])
    body = client.get(url).content.decode()
    assert "介绍信" in body and "中原区" in body and tree.member.id_number not in body
    assert "未登记党费缴纳" in body  # no dues recorded yet
    for month, paid in ((1, 500), (2, 500), (3, 0), (4, 500)):
        make_dues(tree.member, month=datetime.date(2026, month, 1), paid=paid)
    assert "党费已交至2026年2月" in client.get(url).content.decode()  # March is owed: paid up to February
    client.force_login(other_secretary)
    assert client.get(url).status_code == 404
    transfer_complete_out(actor=community_secretary, transfer=transfer)
    assert not Member.objects.filter(pk=tree.member.pk).exists()
    assert Member.history.filter(id=tree.member.pk, history_type="-").exists()


def test_meeting_attendance_feeds_points_once(tree, community_secretary, django_assert_num_queries):
    absent = MemberFactory(org=tree.building, name="缺")
    meeting = meeting_record(actor=community_secretary, org=tree.community, kind="members",
                             held_on=datetime.date(2026, 4, 1), topic="党员大会", minutes="记录",
                             present=[tree.member], absent={absent: "出差"})
    entry = PointEntry.objects.get()
    assert entry.member == tree.member and entry.meeting == meeting and entry.points == 2
    assert entry.category == "org_life"
    ranking = {m.name: m.total for m in points_ranking(user=community_secretary, branch=tree.community, year=2026)}
    assert ranking == {"王明": Decimal("2.0"), "缺": Decimal("0")}
    with pytest.raises(ValidationError, match="reason"):
        meeting_record(actor=community_secretary, org=tree.community, kind="group",
                       held_on=datetime.date(2026, 4, 2), topic="t", minutes="m", present=[],
                       absent={absent: " "})
    with pytest.raises(ValidationError, match="Only members of this branch"):
        meeting_record(actor=community_secretary, org=tree.building, kind="group",
                       held_on=datetime.date(2026, 4, 2), topic="t", minutes="m", present=[tree.member])
    with pytest.raises(PermissionDenied):
        meeting_record(
            actor=community_secretary, org=tree.other_grid, kind="group", held_on=datetime.date(2026, 4, 2),
            topic="t", minutes="m", present=[])
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):
        rows = list(meeting_list(user=community_secretary))
    assert [(m.present_count, m.absent_count) for m in rows] == [(1, 1)]


def test_meeting_reviewed_by_the_level_above(tree, community_secretary, street_secretary):
    grid_leader = grant(UserFactory(username="gl"), Role.GRID_LEADER, tree.grid)
    grid_meeting = make_meeting(tree.grid, [tree.member])
    with pytest.raises(PermissionDenied, match="level above"):
        meeting_review(actor=grid_leader, meeting=grid_meeting, opinion="好")
    meeting_review(actor=community_secretary, meeting=grid_meeting, opinion="规范")
    community_meeting = make_meeting(tree.community, [tree.member], kind="lecture")
    with pytest.raises(PermissionDenied):
        meeting_review(actor=community_secretary, meeting=community_meeting, opinion="好")
    meeting_review(actor=street_secretary, meeting=community_meeting, opinion="好")
    with pytest.raises(ValidationError, match="already been reviewed"):
        meeting_review(actor=street_secretary, meeting=community_meeting, opinion="好")


@pytest.mark.parametrize("kind,base,due", [
    ("employed", 3000, "15.00"), ("employed", 3000.01, "30.00"), ("employed", 5000, "50.00"),
    ("employed", 8000, "120.00"), ("employed", 10000, "150.00"), ("employed", 12000, "240.00"),
    ("retired", 5000, "25.00"), ("retired", 6000, "60.00"), ("low", 0, "0.20"), ("employed", 10, "0.20"),
])
def test_dues_brackets(kind, base, due):
    assert dues_monthly_amount(income_base=base, kind=kind) == Decimal(due)


def test_dues_payments_arrears_and_branch_totals(tree, community_secretary, django_assert_num_queries):
    may = datetime.date(2026, 5, 1)
    make_dues(tree.member, paid=40)  # due 40 (4,000 × 1%)
    other = MemberFactory(org=tree.grid, name="欠")
    dues_record(actor=community_secretary, member=other, month=may, kind="employed", income_base=6000,
                amount_paid=50, paid_on=datetime.date(2026, 5, 12), paid_by="配偶代缴")
    with pytest.raises(ValidationError, match="date of the payment"):
        dues_record(actor=community_secretary, member=other, month=may, kind="employed", income_base=6000,
                    amount_paid=5)
    with pytest.raises(PermissionDenied):
        dues_record(
            actor=community_secretary, member=tree.other_member, month=may, kind="low", income_base=0)
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):
        arrears = [(p.member.name, p.missing) for p in dues_arrears(user=community_secretary)]
    assert arrears == [("欠", Decimal("40.00"))]
    with django_assert_num_queries(1):
        totals = list(dues_branch_totals(user=community_secretary, month=may))
    assert totals[0]["due"] == Decimal("130.00") and totals[0]["paid"] == Decimal("90.00")
    assert totals[0]["arrears"] == Decimal("40.00")


@pytest.mark.parametrize("name", ["transfer", "meeting", "duespayment"])
def test_changelists_fixed_queries(client, tree, community_secretary, django_assert_max_num_queries, name):
    for n in range(3):
        member = MemberFactory(org=tree.grid)
        transfer_send(actor=community_secretary, member=member, to_org=tree.building, reason="x")
        make_meeting(tree.grid, [member])
        make_dues(member)
    client.force_login(community_secretary)
    url = reverse(f"admin:members_{name}_changelist")
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_admin_receiving_secretary_accepts(client, tree, community_secretary, other_secretary):
    transfer = transfer_send(actor=community_secretary, member=tree.member, to_org=tree.other_grid,
                             reason="搬家")
    client.force_login(other_secretary)
    url = reverse("admin:members_transfer_change", args=[transfer.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "accept", "decision_note": ""}).status_code == 302
    assert Member.objects.get(pk=tree.member.pk).org == tree.other_grid


def test_points_dues_attendance_export_to_excel_scoped(client, tree, community_secretary):
    import io

    import openpyxl

    make_meeting(tree.grid, [tree.member])
    make_meeting(tree.other_grid, [tree.other_member])
    make_dues(tree.member)
    make_dues(tree.other_member)
    client.force_login(community_secretary)
    from members.dues.models import DuesPayment
    from members.orglife.models import Meeting

    for name, action, ids in (
        ("pointentry", "export_xlsx", PointEntry.objects.values_list("pk", flat=True)),
        ("duespayment", "export_xlsx", DuesPayment.objects.values_list("pk", flat=True)),
        ("meeting", "export_attendance_xlsx", Meeting.objects.values_list("pk", flat=True)),
    ):
        response = client.post(reverse(f"admin:members_{name}_changelist"),
                                {"action": action, "_selected_action": list(ids)})
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) == 2 and "王明" in rows[1] and all("李红" not in r for r in rows), name


def test_dues_reviewed_by_the_community_then_the_street(tree, community_secretary, street_secretary):
    may = datetime.date(2026, 5, 1)
    make_dues(tree.member, paid=40)
    with pytest.raises(PermissionDenied):
        dues_review(actor=community_secretary, community=tree.other_community, month=may)
    first = dues_review(actor=community_secretary, community=tree.community, month=may)
    assert (first.level, first.members, first.due, first.paid) == ("community", 1, Decimal("40.00"),
                                                                   Decimal("40.00"))
    with pytest.raises(PermissionDenied, match="street reviews next"):
        dues_review(actor=community_secretary, community=tree.community, month=may)
    assert dues_review(actor=street_secretary, community=tree.community, month=may).level == "street"
    with pytest.raises(ValidationError, match="already reviewed"):
        dues_review(actor=street_secretary, community=tree.community, month=may)
    with pytest.raises(ValidationError, match="No dues"):
        dues_review(actor=community_secretary, community=tree.community, month=datetime.date(2026, 6, 1))


def test_meeting_absentees_typed_a_line_each(client, tree, community_secretary):
    absent = MemberFactory(org=tree.building, name="缺席甲")
    meeting = meeting_record(actor=community_secretary, org=tree.community, kind="theme_day",
                             held_on=datetime.date(2026, 4, 1), topic="主题党日", minutes="记录", present=[tree.member],
                             absent_text=f"{absent.id_number}：出差\n\n")
    assert meeting.attendance.get(member=absent).absence_reason == "出差"
    with pytest.raises(ValidationError, match="No member “李红”"):  # not a member of this branch
        meeting_record(actor=community_secretary, org=tree.community, kind="group", held_on=datetime.date(2026, 4, 2),
                       topic="t", minutes="m", present=[], absent_text="李红: 病假")
    client.force_login(community_secretary)
    url = reverse("admin:members_meeting_add") + f"?org={tree.community.pk}"
    response = client.post(url, {
        "kind": "group", "held_on": "2026-04-03", "topic": "党小组会", "minutes": "记录",
        "attendance_present": [tree.member.pk], f"attendance_reason_{absent.pk}": "病假",
        "attendance-TOTAL_FORMS": 0, "attendance-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.context["adminform"].form.errors
    response = client.post(url, {
        "kind": "group", "held_on": "2026-04-04", "topic": "党小组会", "minutes": "记录",
        "attendance_present": [tree.member.pk], "attendance-TOTAL_FORMS": 0, "attendance-INITIAL_FORMS": 0})
    assert response.status_code == 200 and "缺席甲" in str(response.context["adminform"].form.errors["attendance"])
