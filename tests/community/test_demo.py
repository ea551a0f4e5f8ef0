"""The demo records add up to the 2018 report's figures, N times at scale N, the same for the same seed."""

import datetime

import pytest
from django.db.models import Sum

from demo import community as community_demo
from community.models import (
    Coverage,
    DuesRefund,
    Instructor,
    IssueStage,
    JointMeeting,
    OrgKind,
    RedHome,
    ResidentIssue,
    ServiceStation,
    StarRating,
    StationKind,
    TwoNewOrg,
    VillageVisit,
    WeakOrgFlag,
)
from demo import tree as demo
from grids.models import Level, OrgNode

pytestmark = pytest.mark.django_db
SMALL = demo.Counts(streets=3, level2=7, villages=2, grids=12, building_groups=20, members=30, residents=2)
TODAY = datetime.date(2026, 3, 1)


def _figures():
    def rate(kind):
        qs = TwoNewOrg.objects.filter(kind=kind)
        return round(100 * qs.exclude(coverage=Coverage.NONE).count() / qs.count())

    meetings = JointMeeting.objects.filter(held_on__year=2017).aggregate(
        resolved=Sum("problems_resolved"), agreements=Sum("agreements_signed"), services=Sum("joint_services"))
    visits = VillageVisit.objects.filter(visited_on__year=2017)
    return {
        "enterprise_rate": rate(OrgKind.ENTERPRISE), "social_rate": rate(OrgKind.SOCIAL),
        "meetings": JointMeeting.objects.filter(held_on__year=2017).count(), **meetings,
        "visits": visits.count(), "solved": visits.filter(outcome="solved").count(),
        "transferred": visits.filter(outcome="transferred").count(),
        "completed": visits.filter(completed_on__isnull=False).count(),
        "issues_resolved": ResidentIssue.objects.filter(stage=IssueStage.RESOLVED).count(),
        "red_homes": RedHome.objects.count(),
        "stations_buildings": ServiceStation.objects.exclude(kind=StationKind.NONPUBLIC).count(),
        "stations_nonpublic": ServiceStation.objects.filter(kind=StationKind.NONPUBLIC).count(),
        "enterprises_covered": ServiceStation.objects.aggregate(n=Sum("enterprises_covered"))["n"],
        "instructors": Instructor.objects.count(),
        "weak_closed": WeakOrgFlag.objects.filter(closed_on__isnull=False).count(),
    }


REPORT = {
    "enterprise_rate": 73, "social_rate": 80, "meetings": 653, "resolved": 609, "agreements": 196, "services": 647,
    "visits": 810, "solved": 419, "transferred": 203, "completed": 192, "issues_resolved": 720,
    "stations_buildings": 31, "stations_nonpublic": 228, "enterprises_covered": 4326, "instructors": 216,
    "weak_closed": 2,  # the 4 weak villages of the report, as far as SMALL's 2 villages go
}


def test_seed_reproduces_the_report_and_scales():
    demo.build(1, counts=SMALL, today=TODAY)
    lines = community_demo.seed(scale=1, seed=1, hashed_password="x", today=TODAY)
    figures = _figures()
    assert figures == {**REPORT, "red_homes": 3}
    assert round(100 * 192 / 203) == 95
    assert StarRating.objects.count() == 2 * OrgNode.objects.filter(level=Level.BUILDING_GROUP).count()
    assert dict(lines)["red homes"] == 3 and all(isinstance(count, int) for _label, count in lines)
    snapshot = list(TwoNewOrg.objects.order_by("credit_code").values_list("credit_code", "name", "party_members"))
    refunds = _refunds()

    # The same seed gives the same records; scale 2 doubles every figure.
    for model in (DuesRefund, ServiceStation, TwoNewOrg, Instructor, JointMeeting, VillageVisit, ResidentIssue, RedHome,
                  StarRating, WeakOrgFlag):
        model.objects.all().delete()
    from community.models import Pairing, ResidentUnit

    Pairing.objects.all().delete()
    ResidentUnit.objects.all().delete()
    community_demo.seed(scale=1, seed=1, hashed_password="x", today=TODAY)
    assert list(TwoNewOrg.objects.order_by("credit_code").values_list("credit_code", "name", "party_members")) \
        == snapshot
    assert _refunds() == refunds


def _refunds():
    return list(DuesRefund.objects.order_by("voucher_number", "org__credit_code").values_list(
        "org__credit_code", "status", "amount", "dues_collected", "paid_on", "voucher_number"))


def test_dues_refunded_add_up_to_the_report():
    """"返还“两新”党组织党费24万余元": 2017's paid refunds add up to a little over 240,000 yuan, the others are
    still in the workflow or sent back; every refund goes to an organization with its own party organization,
    proposed by its community's secretary and decided by its street's."""
    demo.build(1, counts=SMALL, today=TODAY)
    lines = community_demo.seed(scale=1, seed=1, hashed_password="x", today=TODAY)
    paid = DuesRefund.objects.filter(year=2017, status="paid").aggregate(n=Sum("amount"))["n"]
    assert 240_000 <= paid < 250_000
    assert set(DuesRefund.objects.values_list("status", flat=True)) == {"proposed", "approved", "returned", "paid"}
    assert not DuesRefund.objects.exclude(org__coverage=Coverage.OWN).exists()
    assert dict(lines)["dues refunds to two-new organizations"] == DuesRefund.objects.count()
    for refund in DuesRefund.objects.filter(status="paid").select_related("org__node", "proposed_by",
                                                                          "reviewed_by")[:20]:
        community_code = refund.org.node.path.strip("/").split("/")[1]
        assert refund.proposed_by.username == f"sec-{community_code}"
        assert refund.reviewed_by.username == f"sec-{refund.org.node.path.strip('/').split('/')[0]}"
        assert refund.amount <= refund.dues_collected and refund.paid_on.year == 2017
    assert DuesRefund.history.count() == DuesRefund.objects.count()


def test_scale_two_doubles_the_figures():
    demo.build(2, counts=SMALL, today=TODAY)
    community_demo.seed(scale=2, seed=1, hashed_password="x", today=TODAY)
    figures = _figures()
    doubled = {k: (v if k.endswith("_rate") else 2 * v) for k, v in REPORT.items()}
    assert figures == {**doubled, "red_homes": 6}
    paid = DuesRefund.objects.filter(status="paid").aggregate(n=Sum("amount"))["n"]
    assert paid == 2 * community_demo.REFUNDS_PAID_TOTAL


def test_seed_demo_runs_the_extension(settings, monkeypatch):
    import io

    from django.core.management import call_command
    from django.utils import translation

    monkeypatch.setattr(demo, "JINSHUI", SMALL)
    settings.DEBUG = True
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    assert "joint meetings: 653" in out.getvalue() and "red homes: 3" in out.getvalue()
    assert "dues refunds to two-new organizations: 117" in out.getvalue()


def test_this_years_meetings_and_visits_up_to_today():
    """The dashboard opens on the current year: the demo gives it meetings and visits, none after the seeding day."""
    today = datetime.date(2026, 11, 30)
    demo.build(1, counts=SMALL, today=today)
    community_demo.seed(scale=1, seed=1, hashed_password="x", today=today)
    meetings = JointMeeting.objects.filter(held_on__year=2026)
    visits = VillageVisit.objects.filter(visited_on__year=2026)
    assert meetings.count() >= 3 * 4 and visits.count() > 500  # every street each quarter; the yearly pace so far
    assert not meetings.filter(held_on__gt=today).exists() and not visits.filter(visited_on__gt=today).exists()
    assert not visits.filter(completed_on__gt=today).exists()
    assert JointMeeting.objects.filter(held_on__year=2017).count() == 653  # the report's year unchanged
