"""Writes go through community.services: scope-checked, level-checked, one step at a time."""

import datetime

import pytest

from community import services
from community.models import Coverage, IssueStage, OrgKind, VisitOutcome
from core.errors import PermissionDenied, ValidationError
from tests.community import records as r
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def inspector(db):
    return grant(UserFactory(username="inspector"), Role.INSPECTOR)


def test_secretary_writes_in_their_subtree_only(tree, community_secretary, street_secretary, inspector):
    issue = services.issue_create(actor=community_secretary, node=tree.grid, title="加装电梯", raised_on=DAY)
    assert issue.stage == IssueStage.SOLICITED
    with pytest.raises(PermissionDenied):
        services.issue_create(actor=community_secretary, node=tree.other_grid, title="x", raised_on=DAY)
    with pytest.raises(PermissionDenied):
        services.issue_create(actor=inspector, node=tree.grid, title="x", raised_on=DAY)
    # A red home hangs off a street: the street's secretary may keep it, the community's may not.
    with pytest.raises(PermissionDenied):
        services.red_home_create(actor=community_secretary, node=tree.street, name="红色家园", opened_on=DAY)
    home = services.red_home_create(actor=street_secretary, node=tree.street, name="红色家园", opened_on=DAY)
    with pytest.raises(ValidationError):
        services.red_home_create(actor=street_secretary, node=tree.street, name="第二个", opened_on=DAY)
    assert home.node == tree.street


def test_moving_a_record_needs_scope_on_both_sides(tree, community_secretary, district_user):
    issue = services.issue_create(actor=district_user, node=tree.other_grid, title="x", raised_on=DAY)
    issue.node = tree.grid
    with pytest.raises(PermissionDenied):
        services.record_save(actor=community_secretary, obj=issue, original_node=tree.other_grid)


def test_levels_are_checked(tree, district_user):
    with pytest.raises(ValidationError):
        services.meeting_record(actor=district_user, node=tree.grid, held_on=DAY, topic="x")
    with pytest.raises(ValidationError):
        services.red_home_create(actor=district_user, node=tree.community, name="x", opened_on=DAY)
    with pytest.raises(ValidationError):  # a community is not a village
        services.visit_record(actor=district_user, node=tree.community, visited_on=DAY, visitor="张", matter="x",
                              outcome=VisitOutcome.SOLVED)
    with pytest.raises(ValidationError):
        services.rating_record(actor=district_user, node=tree.grid, stars=3, rated_on=DAY)
    with pytest.raises(ValidationError):
        services.meeting_record(actor=district_user, node=tree.street, held_on=DAY, topic="x", problems_raised=1,
                                problems_resolved=2)


def test_issue_goes_through_every_step_to_resolution(tree, community_secretary):
    issue = services.issue_create(actor=community_secretary, node=tree.community, title="无主管楼院", raised_on=DAY)
    stages = []
    for _ in range(4):
        issue = services.issue_advance(actor=community_secretary, issue=issue)
        stages.append(issue.stage)
    assert stages == ["proposed", "deliberated", "decided", "decision_published"]
    with pytest.raises(ValidationError):  # the result is published with its resolution
        services.issue_advance(actor=community_secretary, issue=issue)
    issue = services.issue_advance(actor=community_secretary, issue=issue, resolution="物业进驻", on=DAY)
    assert (issue.stage, issue.resolved_on) == (IssueStage.RESOLVED, DAY)
    with pytest.raises(ValidationError):
        services.issue_advance(actor=community_secretary, issue=issue)


def test_visit_completion_and_weak_flag_closure(tree, street_secretary):
    village = r.village(tree.street)
    visit = services.visit_record(actor=street_secretary, node=village, visited_on=DAY, visitor="王", matter="修路",
                                  outcome=VisitOutcome.TRANSFERRED)
    visit = services.visit_complete(actor=street_secretary, visit=visit, on=DAY)
    assert visit.completed_on == DAY
    solved = services.visit_record(actor=street_secretary, node=village, visited_on=DAY, visitor="李", matter="证明",
                                   outcome=VisitOutcome.SOLVED)
    with pytest.raises(ValidationError):
        services.visit_complete(actor=street_secretary, visit=solved)

    flag = services.weak_flag_open(actor=street_secretary, node=village, flagged_on=DAY, reasons="班子不团结")
    with pytest.raises(ValidationError):
        services.weak_flag_open(actor=street_secretary, node=village, flagged_on=DAY, reasons="again")
    with pytest.raises(ValidationError):  # no plan on file yet
        services.weak_flag_close(actor=street_secretary, flag=flag, closure_note="done")
    flag.rectification_plan = "选派第一书记"
    flag.first_secretary = "赵书记"
    services.record_save(actor=street_secretary, obj=flag)
    flag = services.weak_flag_close(actor=street_secretary, flag=flag, closure_note="验收合格", on=DAY)
    assert not flag.is_open


def test_instructor_assignment_covers_and_must_be_in_area(tree, community_secretary, district_user):
    org = services.two_new_org_create(actor=community_secretary, node=tree.community, kind=OrgKind.ENTERPRISE,
                                      name="华信科技", credit_code=r.credit_code(), registered_on=DAY,
                                      party_members=1, employees=20)
    own_instructor = services.instructor_create(actor=community_secretary, node=tree.community, name="刘",
                                                appointed_on=DAY)
    foreign_instructor = services.instructor_create(actor=district_user, node=tree.other_community, name="陈",
                                                    appointed_on=DAY)
    with pytest.raises(ValidationError):
        services.instructor_assign(actor=community_secretary, org=org, instructor=foreign_instructor)
    org.refresh_from_db()
    org = services.instructor_assign(actor=community_secretary, org=org, instructor=own_instructor)
    assert org.coverage == Coverage.INSTRUCTOR
    with pytest.raises(ValidationError):  # an own organization needs 3 members
        services.two_new_org_set_coverage(actor=community_secretary, org=org, coverage=Coverage.OWN)
    with pytest.raises(ValidationError):
        services.two_new_org_create(actor=community_secretary, node=tree.community, kind=OrgKind.SOCIAL,
                                    name="x", credit_code="91410105000000001X", registered_on=DAY)


def test_station_needs_a_host_when_in_a_nonpublic_organization(tree, district_user):
    host = r.org(tree.community, members=5, coverage=Coverage.OWN)
    with pytest.raises(ValidationError):
        services.station_create(actor=district_user, node=tree.community, kind="nonpublic", name="x", opened_on=DAY)
    station = services.station_create(actor=district_user, node=tree.community, kind="nonpublic", name="x",
                                      opened_on=DAY, host=host, enterprises_covered=12)
    assert station.host == host


def test_pairings_and_meetings(tree, street_secretary):
    unit = services.unit_create(actor=street_secretary, node=tree.community, name="省直机关")
    pairing = services.pairing_create(actor=street_secretary, node=tree.street, unit=unit, started_on=DAY)
    meeting = services.meeting_record(actor=street_secretary, node=tree.street, held_on=DAY, topic="一季度",
                                      problems_raised=4, problems_resolved=3, agreements_signed=1, joint_services=2)
    assert pairing.node == meeting.node == tree.street
    with pytest.raises(ValidationError):
        services.pairing_create(actor=street_secretary, node=tree.street, unit=unit, started_on=DAY)
    rating = services.rating_record(actor=street_secretary, node=tree.building, stars=5, rated_on=DAY)
    assert rating.rated_by == street_secretary
