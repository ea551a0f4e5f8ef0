"""The street pre-reviews a filing with the facts on the page: the candidate's steps with their dates, opinions
and materials; the decision starts empty; branches are named with their community."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.development.models import FilingStatus
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import make_candidate, record_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(tree, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    candidate = make_candidate(tree.grid)
    record = candidate.steps.get()
    record.opinion = "申请书内容真实"
    record.attachment = SimpleUploadedFile("入党申请书.pdf", b"%PDF-1.4 application")
    record.save()
    candidate = record_to(candidate, 3)
    return candidate.filings.get(status=FilingStatus.PROPOSED)


def test_the_filing_page_shows_the_steps_opinions_and_materials(client, tree, street_secretary, filing):
    client.force_login(street_secretary)
    page = client.get(reverse("admin:members_stagefiling_change", args=[filing.pk])).content.decode()
    steps = list(filing.candidate.steps.select_related("step").order_by("step__number"))
    for record in steps:
        assert record.step.name in page and record.done_on.strftime("%Y-%m-%d") in page
    assert "申请书内容真实" in page and "入党申请书" in page
    assert reverse("members:step-attachment", args=[steps[0].pk]) in page
    assert "省委社区 · 第一网格" in page
    assert 'type="radio" name="decision"' in page and "checked" not in page.split('name="decision"', 1)[1][:400]


def test_the_decision_must_be_chosen(client, tree, street_secretary, filing):
    client.force_login(street_secretary)
    response = client.post(reverse("admin:members_stagefiling_change", args=[filing.pk]), {"opinion": "同意"})
    assert response.status_code == 200 and "请选择" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.PROPOSED


def test_materials_download_in_scope_only(client, tree, street_secretary, filing):
    record = filing.candidate.steps.get(step__number=1)
    url = reverse("members:step-attachment", args=[record.pk])
    client.force_login(street_secretary)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 application"
    foreign = grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street)
    client.force_login(foreign)
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:members_stagefiling_change", args=[filing.pk])).status_code in (302, 404)


def test_branches_are_named_with_their_community_in_lists_without_a_query_per_row(client, tree, district_user,
                                                                                   street_secretary, filing):
    assert tree.grid.label == "省委社区 · 第一网格"
    assert tree.building.label == "省委社区 · 第一网格 · 1号楼组" and tree.community.label == "省委社区"
    client.force_login(street_secretary)
    assert "省委社区 · 第一网格" in client.get(reverse("admin:members_stagefiling_changelist")).content.decode()
    assert "省委社区 · 第一网格" in client.get(reverse("admin:members_candidate_changelist")).content.decode()
    client.force_login(district_user)
    url = reverse("admin:members_member_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        MemberFactory(org=tree.building if i % 2 else tree.other_grid)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "省委社区 · 第一网格 · 1号楼组" in page and "鑫苑社区 · 第一网格" in page
    assert len(many) <= len(few) + 1
