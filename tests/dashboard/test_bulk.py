"""The nightly refresh computes the figures of every street (and every community) at once: exactly what each scope
computed alone gives, never a record of another scope, in one query per figure's query whatever the number of units.
And a scope's own computation reads its subtree only."""

import datetime
import json

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.registry import BulkContext, figures
from grids.models import Level, OrgNode
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


def _scopes(level):
    return [services.paths_scope([path]) for path in
            OrgNode.objects.filter(level=level).order_by("path").values_list("path", flat=True)]


@pytest.mark.parametrize("level", [Level.STREET, Level.COMMUNITY])
def test_bulk_gives_each_scope_exactly_its_own_figures(dues, level, monkeypatch):
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
    assert any(fig.bulk for fig in figures())


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


def test_the_bulk_queries_do_not_grow_with_the_units(dues, django_assert_num_queries):
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
    assert len(one) == 20  # one per query of the ten bulk figures
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
    assert len(run) == 38


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
