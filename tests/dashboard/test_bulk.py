"""The nightly refresh computes the figures of every street (and every community) at once: exactly what each scope
computed alone gives, never a record of another scope, in one query per figure's query whatever the number of units.
And a scope's own computation reads its subtree only."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from dashboard import services
from dashboard.registry import BulkContext, figures
from grids.models import Kind, Level, OrgNode
from tests.community import records as r
from tests.factories import CommunityFactory, MemberFactory, StreetFactory
from tests.members.helpers import make_dues

pytestmark = pytest.mark.django_db


def _figures(payload):
    return json.loads(json.dumps(payload["figures"], default=str))


@pytest.fixture
def dues(filled):
    month = timezone.localdate().replace(day=1)
    make_dues(filled.member, month=month, paid=0)
    make_dues(filled.other_member, month=month, paid=0)
    make_dues(MemberFactory(org=filled.other_community), month=month, paid=0)
    from accountability.models import ContactPoint, ContactVisit, StandingMember

    liu, wang = (StandingMember.objects.create(name=name, post="区委常委") for name in ("刘常委", "王常委"))
    for member, org, visits in [(liu, filled.street, 2), (wang, filled.community, 1), (liu, filled.other_grid, 3)]:
        point = ContactPoint.objects.create(member=member, org=org, since=datetime.date(2016, 1, 1))
        for i in range(visits):
            ContactVisit.objects.create(point=point, visited_on=datetime.date(2016 + i, 3, 1), summary="走访",
                                        problems=2, solved=i)
    return filled


def _local(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def everything(dues, district_user):
    """On top of `dues`: learning this quarter and before it, contests (district-wide, open to one street or one
    community, unpublished, long closed) and attempts, dues refunds, the streets' and the communities' rankings,
    service centers with rooms, opening hours and bookings, in different streets and communities."""
    from learning.models import Contest, ContestAttempt, Lesson, LessonRead, PracticeAnswer, Question, Topic

    t = dues
    villages = {street: OrgNode.objects.get(parent=street, kind=Kind.VILLAGE) for street in (t.street, t.other_street)}
    t.village_member = MemberFactory(org=villages[t.street])
    t.community_member = MemberFactory(org=t.community)
    now = timezone.now()
    quarter = timezone.make_aware(datetime.datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1))
    topic = Topic.objects.create(name="党章党规")
    lessons = [Lesson.objects.create(title=f"第{i}课", topic=topic, body="正文", created_by=district_user,
                                     published_at=now - datetime.timedelta(days=400)) for i in range(2)]
    questions = [Question.objects.create(topic=topic, text=f"第{i}题", created_by=district_user) for i in range(2)]
    for member, lesson, at in [(t.member, 0, now), (t.member, 1, now), (t.other_member, 0, now),
                               (t.village_member, 0, quarter - datetime.timedelta(days=1))]:
        LessonRead.objects.create(lesson=lessons[lesson], member=member, read_at=at)
    for member, question, at in [(t.community_member, 0, now), (t.community_member, 1, now),
                                 (t.village_member, 1, quarter + datetime.timedelta(hours=1)),
                                 (t.other_member, 1, quarter - datetime.timedelta(days=1))]:
        PracticeAnswer.objects.create(member=member, question=questions[question], correct=True, answered_at=at)

    def contest(title, org=None, published=True, closes=now + datetime.timedelta(days=1)):
        return Contest.objects.create(title=title, org=org, opens_at=closes - datetime.timedelta(days=10),
                                      closes_at=closes, published=published, created_by=district_user)

    contests = [contest("全区竞赛", closes=now + datetime.timedelta(days=3)),
                contest("北林路街道竞赛", t.other_street, closes=now + datetime.timedelta(days=2)),
                contest("省委社区竞赛", t.community),
                contest("草稿", published=False), contest("前年竞赛", closes=now - datetime.timedelta(days=400))]
    for c, member, status, score in [
        (0, t.member, "submitted", 80), (0, t.other_member, "submitted", 95), (0, t.village_member, "started", 0),
        (0, t.community_member, "submitted", 70), (1, t.other_member, "submitted", 60),
        (2, t.community_member, "submitted", 90), (3, t.member, "submitted", 50), (4, t.member, "submitted", 40),
    ]:
        ContestAttempt.objects.create(contest=contests[c], member=member, org=member.org, status=status, score=score,
                                      started_at=now - datetime.timedelta(minutes=30),
                                      deadline=now - datetime.timedelta(minutes=10),
                                      submitted_at=None if status == "started"
                                      else now - datetime.timedelta(minutes=20))

    from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory

    for node, year, trait in [(t.grid, 2017, "paid"), (t.grid, 2018, "paid"), (t.community, 2018, "paid"),
                              (t.street, 2018, "paid"), (t.other_grid, 2017, "paid"), (t.other_grid, 2018, "approved")]:
        DuesRefundFactory(org=TwoNewOrgFactory(node=node), year=year, amount=Decimal("1200.50"), **{trait: True})

    from assessment.models import RankingRow, RankingSnapshot

    streets = RankingSnapshot.objects.create(quarter="2026Q3", level="street", ranked_count=2)
    RankingSnapshot.objects.create(quarter="2026Q2", level="street", ranked_count=1)  # an older one: not shown
    for org, rank, total, interview in [(t.street, 2, 80, True), (t.other_street, 1, 91.5, False)]:
        RankingRow.objects.create(snapshot=streets, org=org, unit_code=org.code, unit_name=org.name, rank=rank,
                                  total=total, interview_suggested=interview)
    communities = RankingSnapshot.objects.create(quarter="2026Q3", level="community", ranked_count=3)
    for org, rank, total, interview in [(t.community, 1, 88, False), (villages[t.street], 1, 88, True),
                                        (t.other_community, 3, 70.25, True),
                                        (villages[t.other_street], None, None, False)]:
        RankingRow.objects.create(snapshot=communities, org=org, unit_code=org.code, unit_name=org.name, rank=rank,
                                  total=total, interview_suggested=interview)

    from servicecenters.models import Booking, BookingStatus, RoomKind
    from tests.factories import UserFactory
    from tests.servicecenters.factories import CenterFactory, RoomFactory

    resident = UserFactory(username="resident-bulk", is_staff=False)
    half_days = [(d, datetime.time(9, 0), datetime.time(17, 30)) for d in range(6)]
    rooms = [RoomFactory(center=CenterFactory(street=t.street)),
             RoomFactory(center=CenterFactory(street=t.street, open_hours=half_days), kind=RoomKind.READING_BAR),
             RoomFactory(center=CenterFactory(street=t.other_street))]
    rooms.append(RoomFactory(center=rooms[1].center))  # two centers' multi-function rooms
    RoomFactory(center=rooms[0].center, kind=RoomKind.GYM, bookable=False)  # not counted
    CenterFactory(street=t.other_street, open_hours=[])  # a center with no room: counted, no capacity
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    for room, day, hours, status in [
        (0, monday, 3, BookingStatus.CONFIRMED), (0, monday - datetime.timedelta(weeks=3), 2, BookingStatus.COMPLETED),
        (1, monday + datetime.timedelta(days=1), 4, BookingStatus.CHECKED_IN), (1, monday, 5, BookingStatus.PENDING),
        (2, monday - datetime.timedelta(weeks=1), 6, BookingStatus.CONFIRMED),
        (3, monday - datetime.timedelta(weeks=9), 1, BookingStatus.COMPLETED),  # before the 8 weeks
        (3, monday - datetime.timedelta(weeks=2), 1, BookingStatus.CANCELLED),
    ]:
        Booking.objects.create(room=rooms[room], resident=resident, start=_local(day, 9),
                               end=_local(day, 9 + hours), attendees=5, status=status)
    return t


def _scopes(level):
    return [services.paths_scope([path]) for path in
            OrgNode.objects.filter(level=level).order_by("path").values_list("path", flat=True)]


@pytest.mark.parametrize("level", [Level.STREET, Level.COMMUNITY])
def test_bulk_gives_each_scope_exactly_its_own_figures(everything, level, monkeypatch):
    monkeypatch.setattr(services, "BULK_FROM", 1)
    scopes = _scopes(level)
    assert len(scopes) >= 2  # (the villages of the fixture are communities too)
    bulk = services.compute_many(scopes)
    assert set(bulk) == {services.scope_key(scope) for scope in scopes}
    for scope in scopes:
        alone = services.compute(scope)
        got = bulk[services.scope_key(scope)]
        assert _figures(got) == _figures(alone), scope.read_paths
        assert (got["scope"], got["years"], got["paths"]) == (alone["scope"], alone["years"], alone["paths"])
    # Every figure computes in bulk, and those converted last have data in more than one unit here.
    assert all(fig.bulk for fig in figures())
    present = {
        "coverage": lambda d: d["totals"]["enterprise"]["total"] and d["units"],
        "ranking": lambda d: d["quarter"] and d["own"],
        "learning": lambda d: d["active"],
        "contests": lambda d: any(row["took_part"] for row in d["contests"]),
        "bookings": lambda d: d["weeks"] if level == Level.STREET else True,
    }
    for key, has_data in present.items():
        assert sum(bool(has_data(_figures(p)[key])) for p in bulk.values()) >= 2, key


def test_the_bulk_figures_are_the_direct_counts(dues):
    street, other = dues.street.path, dues.other_street.path
    units = BulkContext(level=Level.STREET, paths=(street, other))
    by_key = {fig.key: fig.compute(units) for fig in figures() if fig.bulk}
    assert by_key["members"][street]["total"] == 2  # the fixture's member and the "filled" one
    assert by_key["members"][other]["total"] == 3
    assert by_key["dues"][street]["members_in_arrears"] == 1 and by_key["dues"][other]["members_in_arrears"] == 2
    assert by_key["stations"][street]["red_homes"] == by_key["stations"][other]["red_homes"] == 1
    assert by_key["tree"][street]["levels"]["1"] == 1
    assert (by_key["contacts"][street]["points"], by_key["contacts"][street]["members"]) == (2, 2)
    assert by_key["contacts"][other]["by_year"]["2018"] == [["刘常委", 1, 2, 2]]
    assert by_key["ratings"][street]["stars"]["4"] == 1 and "4" not in by_key["ratings"][other]["stars"]


def test_the_last_converted_figures_in_bulk_are_the_direct_counts(everything):
    """Coverage, ranking, bookings, learning and contests per street, against the records (and the selectors the
    figures computed with one scope at a time)."""
    from community.selectors import coverage_by_unit, coverage_rates
    from dashboard.registry import ScopeUser
    from learning.selectors import coverage
    from servicecenters.models import ServiceCenter
    from servicecenters.selectors import occupancy

    t = everything
    street, other = t.street.path, t.other_street.path
    units = BulkContext(level=Level.STREET, paths=(street, other))
    by_key = {fig.key: fig.compute(units) for fig in figures() if fig.key in (
        "coverage", "ranking", "bookings", "learning", "contests")}
    for path in (street, other):
        scope = services.paths_scope([path])
        members, active = coverage(member_q=Q(org__path__startswith=path), since=_quarter_start())
        assert (by_key["learning"][path]["members"], by_key["learning"][path]["active"]) == (members, active)
        got = _figures({"figures": by_key["coverage"][path]})
        assert got["totals"] == _figures({"figures": coverage_rates(user=ScopeUser(scope))})
        assert got["units"] == _figures({"figures": coverage_by_unit(scope=scope)})
        centers = list(ServiceCenter.objects.filter(street__path=path).values_list("pk", flat=True))
        monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
        expected = occupancy(user=None, center_ids=centers, first_week=monday - datetime.timedelta(weeks=7))
        assert by_key["bookings"][path]["kinds"] == expected["kinds"]
    learning = by_key["learning"]
    assert [learning[street][k] for k in ("members", "active", "reads", "answers")] == [4, 3, 2, 3]
    assert [learning[other][k] for k in ("members", "active", "reads", "answers")] == [3, 1, 1, 0]
    assert learning[street]["rate"] == 75.0
    contests = {path: [(r["title"], r["took_part"], r["members"], r["avg"])
                       for r in by_key["contests"][path]["contests"]] for path in (street, other)}
    assert contests == {street: [("全区竞赛", 2, 4, 75.0), ("省委社区竞赛", 1, 3, 90.0)],
                        other: [("全区竞赛", 1, 3, 95.0), ("北林路街道竞赛", 1, 3, 60.0)]}
    assert by_key["coverage"][street]["refunds"] == {"2017": [1, "1200.50"], "2018": [3, "3601.50"]}
    assert by_key["coverage"][other]["refunds"] == {"2017": [1, "1200.50"]}
    assert by_key["coverage"][street]["unit_label"] == "organization below"
    ranking = by_key["ranking"]
    assert (ranking[street]["quarter"], ranking[street]["ranked"], ranking[street]["own"]) == (
        "2026Q3", 2, [["经八路街道", 2, 80.0, True]])
    assert ranking[other]["own"] == [["北林路街道", 1, 91.5, False]]
    bookings = by_key["bookings"]
    assert bookings[street]["centers"] == bookings[other]["centers"] == 2
    assert bookings[street]["kinds"] == {"multi_function": [0, 0, 0, 0, 1.4, 0, 0, 2.1],
                                         "reading_bar": [0, 0, 0, 0, 0, 0, 0, 7.8]}
    assert bookings[other]["kinds"] == {"multi_function": [0, 0, 0, 0, 0, 0, 6.6, 0]}


def _quarter_start():
    now = timezone.now()
    return timezone.make_aware(datetime.datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1))


def test_streets_without_their_own_ranking_show_their_communities(tree):
    """No streets' ranking yet: a street sees its communities' places, the same in bulk as alone, and a community
    its own place."""
    from assessment.models import RankingRow, RankingSnapshot
    from dashboard.optional import compute_ranking
    from dashboard.registry import ComputeContext

    snapshot = RankingSnapshot.objects.create(quarter="2026Q1", level="community", ranked_count=2)
    for org, rank in [(tree.community, 2), (tree.other_community, 1)]:
        RankingRow.objects.create(snapshot=snapshot, org=org, unit_code=org.code, unit_name=org.name, rank=rank,
                                  total=90 - rank)
    for level in (Level.STREET, Level.COMMUNITY):
        paths = tuple(OrgNode.objects.filter(level=level).values_list("path", flat=True))
        bulk = compute_ranking(BulkContext(level=level, paths=paths))
        for path in paths:
            assert bulk[path] == compute_ranking(ComputeContext(scope=services.paths_scope([path]))), path
    assert bulk[tree.community.path]["own"] == [["省委社区", 2, 88.0, False]]
    street = compute_ranking(BulkContext(level=Level.STREET, paths=(tree.street.path,)))[tree.street.path]
    assert (street["quarter"], street["ranked"], street["own"]) == ("2026Q1", 2, [["省委社区", 2, 88.0, False]])
    district = compute_ranking(ComputeContext(scope=services.district_scope()))
    assert district == {"quarter": None}  # the district sees the streets' ranking only


def test_a_figure_failing_in_bulk_is_computed_scope_by_scope(dues, monkeypatch):
    from dashboard import optional, registry

    calls = []

    def flaky(ctx):
        calls.append(type(ctx).__name__)
        if isinstance(ctx, BulkContext):
            raise RuntimeError("grouped query failed")
        return {"ok": True}

    monkeypatch.setitem(registry._FIGURES, "ranking", registry.Figure(
        key="ranking", title="x", order=90, compute=optional._guarded(flaky), present=optional.present_ranking,
        bulk=True))
    monkeypatch.setattr(services, "BULK_FROM", 1)
    payloads = services.compute_many(_scopes(Level.STREET))
    assert all(p["figures"]["ranking"] == {"ok": True} for p in payloads.values())
    assert calls == ["BulkContext"] + ["ComputeContext"] * len(payloads)


def test_the_bulk_queries_do_not_grow_with_the_units(everything, django_assert_num_queries):
    dues = everything
    small = BulkContext(level=Level.STREET, paths=(dues.street.path,))
    bulk_figures = [fig for fig in figures() if fig.bulk]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        for fig in bulk_figures:
            fig.compute(small)
    for i in range(3):
        street = StreetFactory(code=f"S1{i}")
        r.red_home(street)
        MemberFactory(org=CommunityFactory(code=f"S1{i}C01", parent=street))
    every = BulkContext(level=Level.STREET, paths=tuple(
        OrgNode.objects.filter(level=Level.STREET).values_list("path", flat=True)))
    with django_assert_num_queries(len(one)):
        result = {fig.key: fig.compute(every) for fig in bulk_figures}
    # One per query of the fifteen bulk figures: 20 for the first ten; coverage 4, ranking 3 (the newest quarters,
    # the streets among the units, the rows), bookings 2, learning 3, contests 3 (the contests, the attempts, the
    # members each could take part).
    assert len(one) == 35
    assert result["stations"]["/S10/"]["red_homes"] == 1


def test_scoped_figures_never_count_another_scope(dues):
    """Records added in the other street change the district's figures and not the street's or its community's."""
    mine = [services.paths_scope([dues.street.path]), services.paths_scope([dues.community.path])]
    before = [_figures(services.compute(scope)) for scope in mine]
    services.BULK_FROM, saved = 1, services.BULK_FROM
    try:
        bulk_before = [_figures(p) for p in services.compute_many(mine).values()]
    finally:
        services.BULK_FROM = saved
    district_before = _figures(services.compute(services.district_scope()))
    r.instructor(dues.other_community, full_time=True)
    r.issue(dues.other_grid, resolved=True)
    r.meeting(dues.other_community, held_on=timezone.localdate())
    r.station(dues.other_community, covered=3)
    make_dues(MemberFactory(org=dues.other_grid), month=timezone.localdate().replace(day=1), paid=0)
    assert [_figures(services.compute(scope)) for scope in mine] == before
    assert [_figures(p) for p in services.compute_many(mine).values()] == bulk_before
    assert _figures(services.compute(services.district_scope())) != district_before


def test_a_street_is_read_through_its_own_nodes(dues, django_assert_num_queries):
    """The street's computation: the planner settings (set, and put back inside the test's transaction), its nodes'
    ids and names (1), then each figure's
    queries, cut by the ids of the street's nodes rather than by a join on the path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = services.paths_scope([dues.street.path])
    with CaptureQueriesContext(connection) as run:
        services.compute(scope)
    sql = [q["sql"] for q in run.captured_queries]
    assert sum("random_page_cost" in s for s in sql) == 2
    member_queries = [s for s in sql if 'FROM "members_member"' in s and "members_duespayment" not in s]
    assert member_queries and all("LIKE" not in s for s in member_queries if "org_id\" IN" in s)
    with django_assert_num_queries(len(run)):
        services.compute(scope)
    # 37 (was 38): the ranking reads the newest quarter of every level at once (one query, was one per level tried,
    # and one for the level of the scope's nodes), learning counts the members and the active ones in one query;
    # bookings runs its two grouped queries also when no center serves the street (was one query then, four when
    # one does).
    assert len(run) == 37


def test_few_scopes_are_computed_one_by_one(dues, monkeypatch):
    """The hourly run's few changed streets are not worth a grouped query over the whole district."""
    made = []

    class Spy(BulkContext):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(kwargs["level"])

    monkeypatch.setattr(services, "BulkContext", Spy)
    streets = _scopes(Level.STREET)
    services.compute_many(streets)
    assert made == []  # two streets, under BULK_FROM
    monkeypatch.setattr(services, "BULK_FROM", 2)
    services.compute_many(streets[:1] + _scopes(Level.COMMUNITY))
    assert made == [Level.COMMUNITY]
    monkeypatch.setattr(services, "BULK_SHARE", 1)  # all of a level's nodes, or one by one
    made.clear()
    services.compute_many(_scopes(Level.COMMUNITY)[:-1])
    assert made == []


def test_every_unit_at_once_in_a_fixed_number_of_queries(everything, monkeypatch):
    """Once every figure computes in bulk, the units' payloads are put together with no query of their own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(services, "BULK_FROM", 1)
    scopes = _scopes(Level.COMMUNITY)
    with CaptureQueriesContext(connection) as few:
        services.compute_many(scopes)
    for i in range(4):
        MemberFactory(org=CommunityFactory(code=f"S01C1{i}", parent=everything.street))
    scopes = _scopes(Level.COMMUNITY)
    with CaptureQueriesContext(connection) as many:
        payloads = services.compute_many(scopes)
    assert len(payloads) == len(scopes) >= 8
    # The bulk figures' 35 queries, the level's nodes counted (BULK_SHARE) and their names read.
    assert len(many) == len(few) == 37
