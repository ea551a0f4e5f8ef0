"""Recording a meeting as a secretary does: the branch first, then its members as a checklist with a reason for
each absence; the attendance shown on the meeting's page; the recorder never reviews it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from members.orglife.models import Attendance, Meeting
from members.orglife.services import meeting_record, meeting_review
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import make_meeting

pytestmark = pytest.mark.django_db

ADD = "admin:members_meeting_add"
FORMSET = {"attendance-TOTAL_FORMS": 0, "attendance-INITIAL_FORMS": 0}


def _meeting_data(**extra):
    return {"kind": "members", "held_on": "2026-04-03", "topic": "支部党员大会", "minutes": "学习并讨论", **FORMSET,
            **extra}


def test_the_branch_comes_first_and_no_member_list_before(client, tree, district_user):
    client.force_login(district_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(ADD))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="org"' in page and "省委社区 · 第一网格" in page and "省委社区 · 第一网格 · 1号楼组" in page
    assert "王明" not in page and "attendance_present" not in page  # no member is listed before the branch
    assert len(queries) <= 12


def test_the_chosen_branch_lists_its_own_members_as_a_checklist(client, tree, community_secretary):
    inside = MemberFactory(org=tree.building, name="楼组党员")
    client.force_login(community_secretary)
    response = client.get(reverse(ADD) + f"?org={tree.grid.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'name="attendance_present" value="{tree.member.pk}"' in page
    assert f'name="attendance_reason_{inside.pk}"' in page
    assert "李红" not in page and 'name="org"' not in page and "省委社区 · 第一网格" in page
    assert "members/attendance." in page


def test_a_foreign_branch_is_refused(client, tree, community_secretary):
    client.force_login(community_secretary)
    response = client.get(reverse(ADD) + f"?org={tree.other_community.pk}")
    page = response.content.decode()
    assert "attendance_present" not in page and "李红" not in page and "鑫苑社区" not in page
    assert "请选择您辖区内的党支部" in page
    response = client.post(reverse(ADD) + f"?org={tree.other_community.pk}",
                           _meeting_data(attendance_present=[tree.other_member.pk]))
    assert response.status_code == 200 and not Meeting.objects.exists()


def test_ticked_present_and_absences_with_reasons_are_stored_and_shown(client, tree, community_secretary):
    absent = MemberFactory(org=tree.building, name="缺席甲")
    client.force_login(community_secretary)
    response = client.post(reverse(ADD) + f"?org={tree.community.pk}", _meeting_data(
        attendance_present=[tree.member.pk], **{f"attendance_reason_{absent.pk}": "出差"}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting = Meeting.objects.get()
    assert meeting.org == tree.community and meeting.recorded_by == community_secretary
    assert {(a.member.name, a.present, a.absence_reason) for a in meeting.attendance.all()} == {
        ("王明", True, ""), ("缺席甲", False, "出差")}
    response = client.get(reverse("admin:members_meeting_change", args=[meeting.pk]))
    page = response.content.decode()
    assert "王明" in page and "缺席甲" in page and "出差" in page


def test_an_absence_without_reason_is_named(client, tree, community_secretary):
    MemberFactory(org=tree.building, name="缺席乙")
    client.force_login(community_secretary)
    response = client.post(reverse(ADD) + f"?org={tree.community.pk}", _meeting_data(
        attendance_present=[tree.member.pk]))
    assert response.status_code == 200
    assert "缺席乙" in str(response.context["adminform"].form.errors["attendance"])
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_the_recorder_never_reviews_their_meeting(tree, street_secretary):
    meeting = meeting_record(actor=street_secretary, org=tree.community, kind="members",
                             held_on=datetime.date(2026, 4, 3), topic="t", minutes="m", present=[tree.member])
    with pytest.raises(PermissionDenied, match="someone else"):
        meeting_review(actor=street_secretary, meeting=meeting, opinion="好")
    other = grant(UserFactory(username="sec-S01-b"), Role.STREET_SECRETARY, tree.street)
    assert meeting_review(actor=other, meeting=meeting, opinion="好").reviewed_by == other
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        Meeting.objects.filter(pk=meeting.pk).update(reviewed_by=street_secretary)


def test_the_review_opinion_shows_once_and_only_to_a_reviewer(client, tree, street_secretary, community_secretary):
    meeting = meeting_record(actor=street_secretary, org=tree.community, kind="members",
                             held_on=datetime.date(2026, 4, 3), topic="t", minutes="m", present=[tree.member])
    url = reverse("admin:members_meeting_change", args=[meeting.pk])
    client.force_login(street_secretary)  # the recorder
    page = client.get(url).content.decode()
    assert 'name="opinion"' not in page and "您记录了这次会议" in page
    reviewer = grant(UserFactory(username="sec-S01-b"), Role.STREET_SECRETARY, tree.street)
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert page.count('name="opinion"') == 1 and page.count("审核意见") == 1
    response = client.post(url, {"opinion": "规范", **FORMSET, "attendance-TOTAL_FORMS": 1,
                                 "attendance-INITIAL_FORMS": 1})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.reviewed_by == reviewer and meeting.review_opinion == "规范"
    page = client.get(url).content.decode()
    assert page.count("审核意见") == 1 and "规范" in page and 'name="opinion"' not in page


def test_a_foreign_meeting_is_not_found(client, tree):
    meeting = make_meeting(tree.other_grid, [tree.other_member])
    outsider = grant(UserFactory(username="sec-S01"), Role.STREET_SECRETARY, tree.street)
    client.force_login(outsider)
    assert client.get(reverse("admin:members_meeting_change", args=[meeting.pk])).status_code in (302, 404)
    assert "李红" not in client.get(reverse("admin:members_meeting_changelist")).content.decode()
