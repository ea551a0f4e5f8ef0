"""Interviews followed through (actions, closing, dismissing, reminders) and committees: terms, warnings, the
three thirds, the five ones, the node's secretary, the reserve pool; contact points."""

import datetime

import pytest
from django.urls import reverse

from accountability import services
from accountability.jobs import term_warnings
from accountability.models import Committee, ReserveCadre
from assessment import services as assessment_services
from assessment.jobs import interview_action_reminders
from assessment.models import Interview, InterviewReason, InterviewStatus
from core.errors import PermissionDenied, ValidationError
from inbox.models import Message

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def held(tree, street_secretary):
    interview = Interview.objects.create(org=tree.community, interviewee="张书记", reason=InterviewReason.RANKING,
                                         quarter="2026Q2")
    return assessment_services.interview_record(
        actor=street_secretary, unit=tree.community, interview=interview, reason=InterviewReason.RANKING,
        interviewee="张书记", held_on=datetime.date(2026, 7, 20), outcome="限期整改", minutes="约谈记录……")


def test_an_interview_closes_only_when_every_action_is_done(held, street_secretary, community_secretary,
                                                            other_street_secretary):
    with pytest.raises(ValidationError, match="Record the actions"):
        assessment_services.interview_close(actor=street_secretary, interview=held, note="x")
    action = assessment_services.interview_action_add(actor=street_secretary, interview=held,
                                                      description="补齐三会一课记录", owner_name="张书记",
                                                      deadline=datetime.date(2026, 8, 31))
    with pytest.raises(PermissionDenied):
        assessment_services.interview_action_add(actor=other_street_secretary, interview=held, description="x",
                                                 owner_name="y", deadline=datetime.date(2026, 8, 31))
    with pytest.raises(ValidationError, match="not done yet"):
        assessment_services.interview_close(actor=street_secretary, interview=held, note="x")
    with pytest.raises(PermissionDenied):
        assessment_services.interview_action_done(actor=other_street_secretary, action=action, note="x")
    assessment_services.interview_action_done(actor=community_secretary, action=action, note="已补齐")
    with pytest.raises(PermissionDenied):
        assessment_services.interview_close(actor=community_secretary, interview=held, note="x")
    closed = assessment_services.interview_close(actor=street_secretary, interview=held, note="整改到位")
    assert closed.status == InterviewStatus.CLOSED and closed.closed_on
    with pytest.raises(ValidationError, match="closed"):
        assessment_services.interview_action_add(actor=street_secretary, interview=held, description="x",
                                                 owner_name="y", deadline=datetime.date(2026, 9, 1))


def test_a_proposal_is_dismissed_only_with_a_reason(tree, street_secretary):
    proposal, created = assessment_services.interview_propose(unit=tree.community, reason=InterviewReason.DUTY,
                                                              detail="述职差", source_key="duty:1")
    again, created_again = assessment_services.interview_propose(unit=tree.community, reason=InterviewReason.DUTY,
                                                                 detail="述职差", source_key="duty:1")
    assert created and not created_again and again.pk == proposal.pk
    with pytest.raises(ValidationError, match="why"):
        assessment_services.interview_dismiss(actor=street_secretary, interview=proposal, reason=" ")
    dismissed = assessment_services.interview_dismiss(actor=street_secretary, interview=proposal, reason="已整改")
    assert dismissed.status == InterviewStatus.DROPPED and dismissed.dismissed_reason == "已整改"


def test_action_reminders_before_and_after_are_sent_once(held, street_secretary, community_secretary):
    due = assessment_services.interview_action_add(actor=street_secretary, interview=held, description="整改一",
                                                   owner_name="张书记", deadline=datetime.date(2026, 11, 27))
    late = assessment_services.interview_action_add(actor=street_secretary, interview=held, description="整改二",
                                                    owner_name="张书记", deadline=datetime.date(2026, 11, 20))
    first = interview_action_reminders("2026-11-25")
    assert first == {"actions": 2, "messages": 3}  # due: the unit; late: the unit and the interviewer
    assert interview_action_reminders("2026-11-25")["messages"] == 0
    assert interview_action_reminders("2026-11-26")["messages"] == 0
    keys = set(Message.objects.values_list("key", flat=True))
    assert keys == {f"assessment:action:{due.pk}:before", f"assessment:action:{late.pk}:overdue"}


def test_interview_page_records_actions_and_shows_the_next_rank(client, held, street_secretary,
                                                                other_street_secretary, community_secretary):
    url = reverse("assessment:interview", args=[held.pk])
    client.force_login(other_street_secretary)
    assert client.get(url).status_code == 404
    client.force_login(community_secretary)
    assert client.get(url).status_code == 200
    assert client.post(url, {"step": "action", "description": "x", "owner_name": "y",
                             "deadline": "2026-12-01"}).status_code == 403
    client.force_login(street_secretary)
    assert client.post(url, {"step": "action", "description": "x", "owner_name": "y",
                             "deadline": "not a date"}).status_code == 400
    assert client.post(url, {"step": "action", "description": "补齐台账", "owner_name": "张书记",
                             "deadline": "2026-12-01"}).status_code == 302
    response = client.post(url, {"step": "close", "note": "done"})
    assert response.status_code == 400 and "整改措施未完成" in response.content.decode()
    assert "下一季度排名" in client.get(url).content.decode()


def test_committee_terms_secretary_and_warnings(tree, street_secretary, community_secretary, district_user):
    committee = services.committee_record(
        actor=street_secretary, org=tree.community, term_start=datetime.date(2021, 12, 10),
        members=[("王书记", "secretary", "13800000001"), ("李委员", "organization", "")])
    assert committee.term_years == 5 and committee.term_end == datetime.date(2026, 12, 10)
    tree.community.refresh_from_db()
    assert tree.community.secretary_name == "王书记" and tree.community.secretary_phone == "13800000001"
    assert committee.five_ones.count() == 5
    with pytest.raises(ValidationError, match="exactly one secretary"):
        services.committee_record(actor=street_secretary, org=tree.grid, term_start=datetime.date(2025, 1, 1),
                                  members=[("a", "member", "")])
    grid = services.committee_record(actor=community_secretary, org=tree.grid, term_start=datetime.date(2025, 1, 1),
                                     members=[("网格书记", "secretary", "")])
    assert grid.term_years == 3
    with pytest.raises(PermissionDenied):
        services.committee_record(actor=community_secretary, org=tree.other_community,
                                  term_start=datetime.date(2025, 1, 1), members=[("x", "secretary", "")])
    result = term_warnings("2026-11")
    assert result["stages"] == {"3m": 1} and result["messages"] == 2  # the community and its street
    assert term_warnings("2026-11")["messages"] == 0
    assert term_warnings("2027-01")["stages"] == {"overdue": 1}


def test_a_slate_off_the_thirds_is_refused_and_the_election_starts_a_term(tree, street_secretary, district_user):
    slate = services.slate_create(actor=street_secretary, org=tree.community, election_on=datetime.date(2026, 11, 1))
    pool = services.reserve_cadre_add(actor=street_secretary, street=tree.street, name="青年甲", gender="F",
                                      birth_date=datetime.date(1998, 5, 1), education="本科", source="graduate")
    for name, source, post in (("甲", "street_staff", "secretary"), ("乙", "street_staff", "member"),
                               ("丙", "community_worker", "member")):
        services.candidate_add(actor=street_secretary, slate=slate, name=name, source=source, post=post)
    with pytest.raises(ValidationError, match="Three thirds"):
        services.slate_confirm(actor=street_secretary, slate=slate)
    slate.candidates.filter(name="乙").delete()
    services.candidate_add(actor=street_secretary, slate=slate, name="", source="street_staff", cadre=pool)
    services.slate_confirm(actor=street_secretary, slate=slate)
    committee = services.slate_elect(actor=street_secretary, slate=slate, elected_on=datetime.date(2026, 11, 2))
    assert committee.members.count() == 3 and Committee.objects.get(org=tree.community, ended_on=None) == committee
    assert ReserveCadre.objects.get(pk=pool.pk).status == "elected"
    item = committee.five_ones.get(kind="oath")
    services.five_one_done(actor=street_secretary, item=item, note="重温誓词")
    with pytest.raises(ValidationError, match="already done"):
        services.five_one_done(actor=street_secretary, item=item, note="x")


def test_reserve_and_committee_pages_are_scoped(client, tree, street_secretary, other_street_secretary,
                                                django_assert_max_num_queries):
    services.reserve_cadre_add(actor=street_secretary, street=tree.street, name="青年乙", gender="M",
                               birth_date=datetime.date(1997, 1, 1), education="硕士", source="graduate")
    committee = services.committee_record(actor=street_secretary, org=tree.community,
                                          term_start=datetime.date(2022, 1, 1), members=[("王", "secretary", "")])
    client.force_login(other_street_secretary)
    assert "青年乙" not in client.get(reverse("accountability:reserve")).content.decode()
    assert client.get(reverse("accountability:committee", args=[committee.pk])).status_code == 404
    response = client.post(reverse("accountability:reserve"), {"street": tree.street.pk, "name": "x", "gender": "M",
                                                                "birth_date": "1990-01-01", "education": "本科",
                                                                "source": "graduate"})
    assert response.status_code == 400 and not ReserveCadre.objects.filter(name="x").exists()
    client.force_login(street_secretary)
    with django_assert_max_num_queries(12):
        assert "青年乙" in client.get(reverse("accountability:reserve")).content.decode()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("accountability:committees")).status_code == 200
    assert client.post(reverse("accountability:committee", args=[committee.pk]),
                       {"step": "slate", "election_on": "garbage"}).status_code == 400


def test_contact_points_only_district_records_visits(client, tree, district_user, street_secretary):
    from accountability.models import ContactPoint, StandingMember

    point = ContactPoint.objects.create(member=StandingMember.objects.create(name="刘常委", post="区委副书记"),
                                        org=tree.street, since=datetime.date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        services.contact_visit_record(actor=street_secretary, point=point, visited_on=TODAY, summary="x")
    with pytest.raises(ValidationError, match="cannot exceed"):
        services.contact_visit_record(actor=district_user, point=point, visited_on=TODAY, summary="x", problems=1,
                                      solved=2)
    services.contact_visit_record(actor=district_user, point=point, visited_on=TODAY, summary="调研", problems=2,
                                  solved=1)
    client.force_login(street_secretary)
    body = client.get(reverse("accountability:contacts"), {"year": 2026}).content.decode()
    assert "刘常委" in body
    assert client.post(reverse("accountability:contacts"), {"point": point.pk}).status_code == 403


def test_the_dashboard_shows_the_contact_points_per_scope(tree, district_user):
    from accountability.models import ContactPoint, StandingMember
    from dashboard import services as dashboard_services
    from dashboard.figures import present_contacts

    member = StandingMember.objects.create(name="刘常委", post="区委副书记")
    point = ContactPoint.objects.create(member=member, org=tree.street, since=datetime.date(2026, 1, 1))
    ContactPoint.objects.create(member=member, org=tree.other_community, since=datetime.date(2026, 1, 1))
    services.contact_visit_record(actor=district_user, point=point, visited_on=TODAY, summary="调研", problems=3,
                                  solved=2)
    district = dashboard_services.compute(dashboard_services.district_scope())["figures"]["contacts"]
    street = dashboard_services.compute(dashboard_services.paths_scope([tree.other_street.path]))["figures"]["contacts"]
    assert district["points"] == 2 and district["by_year"]["2026"] == [["刘常委", 1, 3, 2]]
    assert street["points"] == 1 and street["by_year"] == {}

    class View:
        year = 2026

    card = present_contacts(district, View())
    assert card.stats[1][1] == "1" and card.chart is not None
