"""The database's rules, the "3 or more members" flag, and coverage rates against direct counts."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from community import selectors
from community.models import Coverage, JointMeeting, OrgKind, TwoNewOrg, validate_uscc
from tests.community import records as r
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def _refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_database_constraints(tree):
    r.red_home(tree.street)
    _refused(lambda: r.red_home(tree.street))  # one red home per street
    _refused(lambda: r.meeting(tree.community, raised=2, resolved=3))  # solved <= raised
    _refused(lambda: r.org(tree.community, members=2, coverage=Coverage.OWN))  # own needs 3 members
    _refused(lambda: TwoNewOrg.objects.create(
        node=tree.community, kind=OrgKind.ENTERPRISE, name="x", credit_code=r.credit_code(),
        registered_on=r.DAY, coverage=Coverage.INSTRUCTOR,
    ))  # instructor coverage needs an instructor
    _refused(lambda: r.station(tree.community, kind="nonpublic", host=None))  # non-public station needs a host
    r.weak_flag(tree.community)
    _refused(lambda: r.weak_flag(tree.community))  # one open flag per organization
    r.weak_flag(tree.community, closed=True)  # closed ones are history
    issue = r.issue(tree.community)
    issue.resolved_on = r.DAY

    _refused(lambda: issue.save())  # a resolution date only when resolved
    visit = r.visit(r.village(tree.street), outcome="solved")
    visit.completed_on = r.DAY
    _refused(lambda: visit.save())  # only transferred matters complete later
    _refused(lambda: r.rating(tree.building, stars=6))
    r.rating(tree.building, stars=4)
    _refused(lambda: r.rating(tree.building, stars=5))  # one rating a day per building group


def test_credit_code_check_character():
    validate_uscc(r.credit_code())
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_uscc("91410105000000001X")


def test_three_or_more_members_without_own_organization_is_flagged(tree, district_user):
    ok_own = r.org(tree.community, members=5, coverage=Coverage.OWN)
    ok_small = r.org(tree.community, members=2, coverage=Coverage.JOINT)
    broken = r.org(tree.community, members=3, coverage=Coverage.JOINT)
    broken_none = r.org(tree.grid, members=7, coverage=Coverage.NONE)
    flags = {o.pk: o.rule_broken for o in selectors.two_new_org_list(user=district_user)}
    assert flags == {ok_own.pk: False, ok_small.pk: False, broken.pk: True, broken_none.pk: True}
    assert set(selectors.two_new_org_rule_broken(user=district_user)) == {broken, broken_none}
    assert broken.must_form_own and not ok_own.must_form_own


def test_coverage_rates_against_direct_counts(tree, district_user, street_secretary):
    for node, kind, coverage in [
        (tree.community, OrgKind.ENTERPRISE, Coverage.OWN), (tree.community, OrgKind.ENTERPRISE, Coverage.NONE),
        (tree.grid, OrgKind.ENTERPRISE, Coverage.INSTRUCTOR), (tree.community, OrgKind.SOCIAL, Coverage.JOINT),
        (tree.other_community, OrgKind.ENTERPRISE, Coverage.NONE),
        (tree.other_community, OrgKind.SOCIAL, Coverage.NONE),
    ]:
        r.org(node, kind=kind, coverage=coverage, members=3 if coverage == Coverage.OWN else 0)

    def direct(kind, path=""):
        qs = TwoNewOrg.objects.filter(kind=kind, node__path__startswith=path or "/")
        total, covered = qs.count(), qs.exclude(coverage=Coverage.NONE).count()
        return round(100 * covered / total, 1) if total else None

    rates = selectors.coverage_rates(user=district_user)
    assert rates["enterprise"]["rate"] == direct(OrgKind.ENTERPRISE) == 50.0
    assert rates["social"]["rate"] == direct(OrgKind.SOCIAL) == 50.0
    street_rates = selectors.coverage_rates(user=street_secretary)
    assert street_rates["enterprise"]["rate"] == direct(OrgKind.ENTERPRISE, tree.street.path) == pytest.approx(66.7)
    assert street_rates["social"]["rate"] == 100.0

    by_street = {row["code"]: row for row in selectors.coverage_by_unit(user=district_user)}
    assert by_street["S01"]["enterprise_rate"] == direct(OrgKind.ENTERPRISE, tree.street.path)
    assert by_street["S02"]["enterprise_rate"] == direct(OrgKind.ENTERPRISE, tree.other_street.path) == 0
    by_community = selectors.coverage_by_unit(user=street_secretary)
    assert [row["code"] for row in by_community] == ["S01C01"]
    assert by_community[0]["enterprises"] == 3 and by_community[0]["enterprises_covered"] == 2


def test_coverage_with_no_organizations_is_no_rate(tree, district_user):
    assert selectors.coverage_rates(user=district_user)["enterprise"]["rate"] is None


def test_visit_resolution_rate_is_completed_over_transferred(tree):
    village = r.village(tree.street)
    for outcome, completed in [("solved", False), ("transferred", True), ("transferred", True),
                               ("transferred", False), ("advised", False)]:
        r.visit(village, outcome=outcome, completed=completed)
    summary = selectors.visit_summary(selectors.VillageVisit.objects.all())
    assert summary == {"received": 5, "solved": 1, "transferred": 3, "completed": 2, "resolution_rate": 66.7}


def test_current_rating_is_the_latest(tree, district_user):
    r.rating(tree.building, stars=2, rated_on=datetime.date(2016, 12, 1))
    r.rating(tree.building, stars=4, rated_on=datetime.date(2017, 12, 1))
    other = CommunityFactory(code="S01C02", parent=tree.street)
    assert other.level == 2
    stars = {n.code: n.stars for n in selectors.current_ratings(user=district_user)}
    assert stars == {"S01C01G01B01": 4}


def test_meeting_rule_holds_for_updates_too(tree):
    meeting = r.meeting(tree.community, raised=3, resolved=3)
    _refused(lambda: JointMeeting.objects.filter(pk=meeting.pk).update(problems_raised=2))
