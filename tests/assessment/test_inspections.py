"""Inspections, findings, follow-ups, publishing and interviews: who writes what."""

import datetime

import pytest
from django.urls import reverse

from assessment import services
from assessment.models import FindingStatus, Interview, InterviewStatus
from core.errors import PermissionDenied, ValidationError
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 3)


def test_an_inspector_writes_own_inspections_only(tree, inspector, district_user, street_secretary):
    other = grant(UserFactory(username="inspector-02"), Role.INSPECTOR)
    entry = services.inspection_plan_add(actor=district_user, month="2026-11", org=tree.community, inspector=inspector)
    with pytest.raises(ValidationError, match="already on the plan"):
        services.inspection_plan_add(actor=district_user, month="2026-11", org=tree.community, inspector=other)
    with pytest.raises(PermissionDenied):
        services.inspection_plan_add(actor=inspector, month="2026-11", org=tree.street, inspector=inspector)
    with pytest.raises(ValidationError, match="not an inspector"):
        services.inspection_plan_add(actor=district_user, month="2026-11", org=tree.street, inspector=street_secretary)
    with pytest.raises(ValidationError):
        services.inspection_plan_add(actor=district_user, month="2026-11", org=tree.grid, inspector=inspector)
    visit = services.inspection_record(actor=inspector, org=tree.community, visited_on=DAY, summary="暗访", plan=entry)
    assert visit.month == "2026-11" and visit.inspector == inspector
    with pytest.raises(PermissionDenied):
        services.inspection_record(actor=street_secretary, org=tree.community, visited_on=DAY, summary="x")
    with pytest.raises(ValidationError):
        services.inspection_record(actor=other, org=tree.community, visited_on=DAY, summary="x", plan=entry)
    finding = services.finding_add(actor=inspector, inspection=visit, description="台账缺失",
                                   deadline=DAY + datetime.timedelta(days=30))
    with pytest.raises(PermissionDenied):
        services.finding_add(actor=other, inspection=visit, description="x", deadline=DAY)
    with pytest.raises(ValidationError, match="before the inspection"):
        services.finding_add(actor=inspector, inspection=visit, description="x", deadline=DAY - datetime.timedelta(1))
    assert finding.org == tree.community and finding.status == FindingStatus.OPEN
    with pytest.raises(PermissionDenied):
        services.inspection_publish(actor=inspector, inspection=visit)
    assert services.inspection_publish(actor=district_user, inspection=visit).published_at is not None


def test_interviews_district_for_streets_street_for_communities(tree, district_user, street_secretary,
                                                                community_secretary):
    kwargs = dict(reason="ranking", interviewee="张书记", held_on=DAY, outcome="限期整改",
                  follow_up_on=DAY + datetime.timedelta(days=30))
    held = services.interview_record(actor=street_secretary, unit=tree.community, **kwargs)
    assert held.status == InterviewStatus.HELD and held.interviewer == street_secretary
    for actor, unit in ((street_secretary, tree.street), (street_secretary, tree.other_community),
                        (community_secretary, tree.community)):
        with pytest.raises(PermissionDenied):
            services.interview_record(actor=actor, unit=unit, **kwargs)
    services.interview_record(actor=district_user, unit=tree.street, **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.interview_record(actor=district_user, unit=tree.street, reason="nope", interviewee="", held_on=None,
                                  outcome="")
    assert set(exc.value.message_dict) == {"reason", "interviewee", "held_on", "outcome"}
    suggested = Interview.objects.create(org=tree.community, interviewee="张书记", reason="ranking", quarter="2026Q3")
    services.interview_record(actor=street_secretary, unit=None, interview=suggested, **kwargs)
    suggested.refresh_from_db()
    assert suggested.status == InterviewStatus.HELD and suggested.outcome == "限期整改"


def test_admin_forms_go_through_the_services(client, tree, district_user, inspector):
    client.force_login(district_user)
    response = client.post(reverse("admin:assessment_inspectionplan_add"),
                           {"month": "2026-13", "org": tree.community.pk, "inspector": inspector.pk},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "is not a month" in response.content.decode()
    response = client.post(reverse("admin:assessment_inspectionplan_add"),
                           {"month": "2026-12", "org": tree.community.pk, "inspector": inspector.pk})
    assert response.status_code == 302
    response = client.post(reverse("admin:assessment_interview_add"), {
        "org": tree.street.pk, "interviewee": "王书记", "reason": "duty", "detail": "党建责任落实不到位",
        "held_on": "2026-11-02", "outcome": "表态整改", "follow_up_on": "2026-12-02"})
    assert response.status_code == 302
    interview = Interview.objects.get(interviewee="王书记")
    assert interview.status == InterviewStatus.HELD and interview.interviewer == district_user


def test_a_street_secretary_records_a_suggested_interview_on_the_page(client, tree, street_secretary,
                                                                     community_secretary):
    own = Interview.objects.create(org=tree.community, interviewee="张书记", reason="ranking", quarter="2026Q3")
    foreign = Interview.objects.create(org=tree.other_community, interviewee="王书记", reason="ranking")
    client.force_login(community_secretary)
    url = reverse("assessment:interview", args=[own.pk])
    assert client.get(url).status_code == 200  # reads its own interview
    data = {"interviewee": "张书记", "reason": "ranking", "held_on": "2026-11-02", "outcome": "限期整改",
            "follow_up_on": "2026-12-02"}
    assert client.post(url, data).status_code == 403  # but does not interview itself
    client.force_login(street_secretary)
    assert client.get(reverse("assessment:interview", args=[foreign.pk])).status_code == 404
    assert client.post(url, {**data, "follow_up_on": "2026-10-01"}).status_code == 400
    assert client.post(url, data).status_code == 302
    own.refresh_from_db()
    assert own.status == InterviewStatus.HELD and own.interviewer == street_secretary
