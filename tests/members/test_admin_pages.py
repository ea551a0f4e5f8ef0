import datetime

import pytest
from django.urls import reverse

from members.development.models import Candidate, FilingStatus, StageFiling
from members.points.models import PointEntry
from tests.factories import MemberFactory
from tests.members.helpers import STEP_DATES, make_candidate, make_points, record_to

pytestmark = pytest.mark.django_db


def test_candidate_admin_registers_and_records_the_next_step(client, tree, community_secretary):
    client.force_login(community_secretary)
    from members.records.validators import make_id_number

    response = client.post(reverse("admin:members_candidate_add"), {
        "name": "孙申请", "gender": "F", "ethnicity": "汉族", "id_number": make_id_number("410105", datetime.date(
            1996, 2, 3), 321), "phone": "", "education": "", "org": tree.grid.pk,
        "applied_on": "2021-01-04", "reviewer": "李书记",
        "steps-TOTAL_FORMS": 0, "steps-INITIAL_FORMS": 0, "filings-TOTAL_FORMS": 0, "filings-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    candidate = Candidate.objects.get(name="孙申请")
    assert candidate.steps.get().step.number == 1
    url = reverse("admin:members_candidate_change", args=[candidate.pk])
    data = {"name": "孙申请", "gender": "F", "ethnicity": "汉族", "phone": "", "education": "", "org": tree.grid.pk,
            "next_step_on": "2021-02-20", "next_step_reviewer": "李书记",
            "steps-TOTAL_FORMS": 1, "steps-INITIAL_FORMS": 1, "filings-TOTAL_FORMS": 0, "filings-INITIAL_FORMS": 0}
    response = client.post(url, data)
    assert response.status_code == 200 and "后 1 个月内进行" in response.content.decode()  # the rule, as a form error (Chinese page)
    response = client.post(url, {**data, "next_step_on": "2021-01-20"})
    assert response.status_code == 302 and candidate.steps.count() == 2


def test_street_files_a_stage_from_the_admin(client, tree, community_secretary, street_secretary):
    candidate = record_to(make_candidate(tree.grid), 3)
    filing = candidate.filings.get()
    url = reverse("admin:members_stagefiling_change", args=[filing.pk])
    client.force_login(community_secretary)
    body = client.post(url, {"decision": "approve", "opinion": ""}).content.decode()
    assert "Only the street" in body or "街道" in body
    client.force_login(street_secretary)
    assert client.post(url, {"decision": "approve", "opinion": "同意"}).status_code == 302
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED and filing.street_by == street_secretary


def test_candidate_page_changes_details_and_step_together(client, tree, community_secretary):
    candidate = record_to(make_candidate(tree.grid), 2)
    url = reverse("admin:members_candidate_change", args=[candidate.pk])
    data = {"name": "张改名", "gender": "M", "ethnicity": "汉族", "phone": "", "education": "", "org": tree.grid.pk,
            "steps-TOTAL_FORMS": 2, "steps-INITIAL_FORMS": 2, "filings-TOTAL_FORMS": 0, "filings-INITIAL_FORMS": 0}
    client.force_login(community_secretary)
    # A refused step leaves the details as they were.
    response = client.post(url, {**data, "next_step_on": "2020-01-01", "next_step_reviewer": "李书记"})
    assert response.status_code == 200 and Candidate.objects.get(pk=candidate.pk).name == "张申请"
    assert client.post(url, data).status_code == 302
    candidate = Candidate.objects.get(pk=candidate.pk)
    assert candidate.name == "张改名" and candidate.history.first().history_user == community_secretary


def test_street_files_stages_from_the_list_each_on_its_own(client, tree, street_secretary):
    waiting = record_to(make_candidate(tree.grid, name="甲"), 3).filings.get()
    blocked = record_to(make_candidate(tree.grid, name="乙"), 17).filings.get(status=FilingStatus.PROPOSED)
    MemberFactory(org=tree.grid, id_number=blocked.candidate.id_number)  # the member record cannot be created
    client.force_login(street_secretary)
    response = client.post(reverse("admin:members_stagefiling_changelist"),
                           {"action": "approve", "_selected_action": [waiting.pk, blocked.pk]}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert StageFiling.objects.get(pk=waiting.pk).status == FilingStatus.APPROVED
    assert StageFiling.objects.get(pk=blocked.pk).status == FilingStatus.PROPOSED
    assert any("乙" in m for m in shown) and any("1" in m for m in shown)


def test_points_admin_add_and_correct(client, tree, community_secretary):
    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_pointentry_add"), {
        "member": tree.member.pk, "on": "2026-03-01", "category": "study", "points": "1.5", "reason": "学习强国"})
    assert response.status_code == 302
    entry = PointEntry.objects.get()
    response = client.post(reverse("admin:members_pointentry_change", args=[entry.pk]), {
        "on": "2026-03-01", "category": "study", "points": "0", "reason": "学习强国"})
    assert response.status_code == 200  # zero points refused
    response = client.post(reverse("admin:members_pointentry_change", args=[entry.pk]), {
        "on": "2026-03-01", "category": "study", "points": "2", "reason": "学习强国"})
    entry.refresh_from_db()
    assert response.status_code == 302 and entry.points == 2 and entry.history.count() == 2
    response = client.post(reverse("admin:members_pointentry_add"), {
        "member": tree.other_member.pk, "on": "2026-03-01", "category": "study", "points": "1", "reason": "x"})
    assert response.status_code == 200 and PointEntry.objects.count() == 1  # a foreign member is not a choice


@pytest.mark.parametrize("name", ["candidate", "stagefiling", "pointentry"])
def test_changelists_fixed_queries(client, tree, community_secretary, django_assert_max_num_queries, name):
    for n in range(3):
        c = make_candidate(tree.grid, name=f"候选{n}")
        if n < 2:
            record_to(c, 3)
        make_points(MemberFactory(org=tree.grid))
    client.force_login(community_secretary)
    url = reverse(f"admin:members_{name}_changelist")
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200


def test_step_dates_are_consistent():
    assert all(STEP_DATES[n] < STEP_DATES[n + 1] for n in range(1, 25))


def test_add_transfer_from_the_admin(client, tree, community_secretary):
    """"Add transfer" used to answer 500 (`Transfer has no from_org` in response_add): the page went on with the
    form's unsaved object, not the transfer the service saved."""
    from members.transfers.models import Transfer

    client.force_login(community_secretary)
    response = client.post(reverse("admin:members_transfer_add"), {
        "member": tree.member.pk, "to_org": tree.other_grid.pk, "destination": "", "reason": "搬家"})
    assert response.status_code == 302, response.content.decode()[:2000]
    transfer = Transfer.objects.get()
    assert (transfer.from_org, transfer.to_org, transfer.status) == (tree.grid, tree.other_grid, "sent")
    assert client.get(response["Location"]).status_code == 200
    # Out of the district: the letter is issued at once.
    other = MemberFactory(org=tree.grid)
    response = client.post(reverse("admin:members_transfer_add"), {
        "member": other.pk, "destination": "郑州市二七区某社区党支部", "reason": "工作调动"})
    assert response.status_code == 302
    assert Transfer.objects.get(member=other).letter_number.startswith("JSZ")
