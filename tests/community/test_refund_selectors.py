"""Dues refund reads: cut to the user's scope, one query for the list, two for the yearly totals whatever the
number of refunds."""

from decimal import Decimal

import pytest

from accounts.scopes import resolve_scope
from community import selectors
from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def _fill(tree, times):
    """Per time: on the own street a paid, an approved and a sent-back refund; on the other street a paid one."""
    for i in range(times):
        year = 2017 - (i % 2)
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid), year=year, paid=True, amount=Decimal("1000.50"))
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.building), year=year, approved=True,
                          amount=Decimal("200"))
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.community), year=year, returned=True)
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.other_grid), year=year, paid=True, amount=Decimal("7"))


@pytest.fixture
def grid_leader(tree):
    return grant(UserFactory(username="grid-S01C01G01"), Role.GRID_LEADER, tree.grid)


def test_list_is_scoped(tree, district_user, street_secretary, community_secretary, grid_leader):
    _fill(tree, 1)
    inspector = grant(UserFactory(username="inspector"), Role.INSPECTOR)
    assert selectors.dues_refund_list(user=district_user).count() == 4
    assert selectors.dues_refund_list(user=inspector).count() == 4
    assert selectors.dues_refund_list(user=inspector, write=True).count() == 0
    for user in (street_secretary, community_secretary):
        nodes = set(selectors.dues_refund_list(user=user).values_list("org__node__path", flat=True))
        assert len(selectors.dues_refund_list(user=user)) == 3 and all(p.startswith("/S01/") for p in nodes)
    assert {r.org.node for r in selectors.dues_refund_list(user=grid_leader)} == {tree.grid, tree.building}
    assert selectors.dues_refund_list(user=UserFactory(username="nobody")).count() == 0


@pytest.mark.parametrize("times", [1, 5])
def test_list_is_one_query(tree, district_user, times, django_assert_num_queries):
    _fill(tree, times)
    resolve_scope(district_user)
    with django_assert_num_queries(1):
        rows = [(r.org.name, r.org.node.name, r.proposed_by.username, r.reviewed_by and r.reviewed_by.username,
                 r.paid_by and r.paid_by.username) for r in selectors.dues_refund_list(user=district_user)]
    assert len(rows) == 4 * times


@pytest.mark.parametrize("times", [1, 4])
def test_totals_per_street_and_year_in_two_queries(tree, district_user, street_secretary, times,
                                                   django_assert_num_queries):
    _fill(tree, times)
    resolve_scope(district_user)
    with django_assert_num_queries(2):
        totals = selectors.dues_refund_totals(user=district_user)
    per_year = {2017: (times + 1) // 2, 2016: times // 2}
    expected_streets = []
    for year, n in per_year.items():
        if n:
            expected_streets += [
                {"year": year, "street_code": "S01", "street_name": "经八路街道", "paid": n,
                 "paid_amount": Decimal("1000.50") * n, "pending": n, "pending_amount": Decimal("200.00") * n},
                {"year": year, "street_code": "S02", "street_name": "北林路街道", "paid": n,
                 "paid_amount": Decimal("7.00") * n, "pending": 0, "pending_amount": Decimal("0.00")},
            ]
    assert totals["streets"] == expected_streets
    assert [(y["year"], y["paid"], y["paid_amount"], y["pending"]) for y in totals["years"]] == [
        (year, 2 * n, Decimal("1007.50") * n, n) for year, n in per_year.items() if n]
    # A street secretary's totals are their street's only; a year narrows them.
    own = selectors.dues_refund_totals(user=street_secretary, year=2017)
    assert [r["street_code"] for r in own["streets"]] == ["S01"]
    assert own["years"][0]["paid_amount"] == Decimal("1000.50") * per_year[2017]


def test_totals_of_nothing(tree, community_secretary, django_assert_num_queries):
    resolve_scope(community_secretary)
    with django_assert_num_queries(1):
        assert selectors.dues_refund_totals(user=community_secretary) == {"streets": [], "years": []}


def test_year_totals_over_a_queryset(tree, district_user, django_assert_num_queries):
    _fill(tree, 2)
    qs = selectors.dues_refund_list(user=district_user)
    with django_assert_num_queries(1):
        rows = selectors.dues_refund_year_totals(qs)
    assert [(r["year"], r["paid"], r["paid_amount"], r["pending"], r["pending_amount"]) for r in rows] == [
        (2017, 2, Decimal("1007.50"), 1, Decimal("200.00")), (2016, 2, Decimal("1007.50"), 1, Decimal("200.00"))]
