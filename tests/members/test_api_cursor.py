"""Keyset ("cursor") pages of the API's lists (core.api.Pagination, core.pagination.keyset_page): a walk by
cursor meets every row of the caller's list once, in the list's order, forwards and back, whatever the ordering;
a cursor cannot reach outside the caller's scope nor make the server fail; pages cost a fixed number of queries
at any depth; page numbers stop at PAGE_NUMBER_ROWS rows with a 400 in Chinese pointing at the cursor."""

import base64
import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from core import api as core_api
from core.pagination import KeysetError, keyset_page
from members.records.models import Member, MemberStatus
from tests.factories import GridFactory, MemberFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/members/"


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def crowd(tree):
    """31 more members over four grids of both streets, names repeated (ties broken by id), some probationary."""
    grids = [tree.grid, GridFactory(code="S01C01G02", name="第二网格", parent=tree.community), tree.other_grid,
             GridFactory(code="S02C01G02", name="第二网格", parent=tree.other_community)]
    for n in range(31):
        probationary = n % 4 == 0
        MemberFactory(org=grids[n % len(grids)], name=f"党员{n % 5}",
                      joined_on=datetime.date(2000 + n % 7, 7, 1),
                      status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                      **({"full_member_on": None} if probationary else {}))
    return grids


def _cursor(link):
    return parse_qs(urlsplit(link).query, keep_blank_values=True)["cursor"][0] if link else None


def _walk(api, params, *, backwards_from=None):
    """Every page's ids, following `next` from ?cursor= (or `previous` from a given answer)."""
    pages, body = [], backwards_from
    if body is None:
        response = api.get(URL, {**params, "cursor": ""})
        assert response.status_code == 200, response.content
        body = response.json()
    direction = "previous" if backwards_from is not None else "next"
    if backwards_from is None:
        pages.append([row["id"] for row in body["results"]])
    for _ in range(50):
        if not body[direction]:
            return pages
        response = api.get(URL, {**params, "cursor": _cursor(body[direction])})
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("ordering", [None, "name", "-joined_on", "-id"])
def test_a_cursor_walk_meets_every_row_once_in_order_both_ways(tree, crowd, district_user, ordering):
    api = _api(district_user)
    params = {"page_size": 4, **({"ordering": ordering} if ordering else {})}
    expected = list(Member.objects.order_by(*({
        None: ["org_id", "name", "id"], "name": ["name", "id"], "-joined_on": ["-joined_on", "-id"],
        "-id": ["-id"]}[ordering])).values_list("id", flat=True))
    pages = _walk(api, params)
    assert [pk for page in pages for pk in page] == expected and len(expected) == 33
    assert all(len(page) == 4 for page in pages[:-1])
    # Back from the last page by `previous`: the same pages, the other way.
    last = api.get(URL, {**params, "cursor": _cursor(api.get(URL, {**params, "cursor": ""}).json()["next"])})
    body = last.json()
    while body["next"]:
        body = api.get(URL, {**params, "cursor": _cursor(body["next"])}).json()
    back = _walk(api, params, backwards_from=body)
    assert [pk for page in reversed(back) for pk in page] + [row["id"] for row in body["results"]] == expected


def test_a_nullable_ordering_keeps_its_nulls_in_place(tree, crowd):
    """PostgreSQL puts NULLs last ascending and first descending unless told otherwise (as the evaluations list
    does); the keyset follows (full_member_on is empty for probationary members)."""
    from django.db.models import F

    for ordering in (["full_member_on", "id"], ["-full_member_on", "-id"],
                     [F("full_member_on").asc(nulls_first=True), "id"], [F("full_member_on").desc(nulls_last=True),
                                                                          "-id"]):
        queryset = Member.objects.order_by(*ordering)
        seen, cursor = [], ""
        while True:
            rows, _before, after = keyset_page(queryset, size=3, cursor=cursor)
            seen += [row.pk for row in rows]
            if after is None:
                break
            cursor = after
        assert seen == list(queryset.values_list("id", flat=True))
        assert Member.objects.filter(full_member_on__isnull=True).count() >= 8


def test_a_street_secretary_walks_only_their_street(tree, crowd, street_secretary):
    api = _api(street_secretary)
    pages = _walk(api, {"page_size": 3})
    own = list(Member.objects.filter(org__path__startswith=tree.street.path).order_by("org_id", "name", "id")
               .values_list("id", flat=True))
    assert [pk for page in pages for pk in page] == own and tree.other_member.pk not in own
    # A cursor forged to start before every foreign member still reads only the street's.
    forged = _encode({"o": ["org_id", "name", "id"], "k": [0, "", 0], "b": 0})
    body = api.get(URL, {"page_size": 100, "cursor": forged}).json()
    assert [row["id"] for row in body["results"]] == own
    backwards = _encode({"o": ["org_id", "name", "id"], "k": [10**9, "龘", 10**9], "b": 1})
    assert [row["id"] for row in api.get(URL, {"page_size": 100, "cursor": backwards}).json()["results"]] == own


def _encode(body):
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor", "!!!", _encode([1, 2]), _encode({"o": ["name", "id"], "k": ["a", 1], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": [1, "a"], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": ["x", "a", 1], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": [1, "a", 10**30], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": [1, "a\x00", 1], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": [1, ["a"], 1], "b": 0}),
    _encode({"o": ["org_id", "name", "id"], "k": [1, "a", 1], "b": 7}),
])
def test_a_tampered_cursor_is_a_400_in_chinese(tree, district_user, cursor):
    response = _api(district_user).get(URL, {"cursor": cursor}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert "游标" in response.json()["cursor"][0]


def test_a_cursor_of_another_ordering_is_refused(tree, crowd, district_user):
    api = _api(district_user)
    by_name = api.get(URL, {"ordering": "name", "cursor": "", "page_size": 2}).json()["next"]
    assert api.get(URL, {"cursor": _cursor(by_name)}).status_code == 400


def test_an_ordering_by_a_computed_expression_has_no_cursor():
    from django.db.models.functions import Lower

    with pytest.raises(KeysetError):
        keyset_page(Member.objects.order_by(Lower("name")), size=2)


def test_first_and_cursor_pages_cost_the_same_few_queries_at_any_size(tree, crowd, district_user,
                                                                      django_assert_num_queries):
    api = _api(district_user)
    api.get(URL, {"page_size": 1})
    with django_assert_num_queries(QUERIES):
        first = api.get(URL, {"cursor": "", "page_size": 2}).json()
    with django_assert_num_queries(QUERIES):
        api.get(URL, {"cursor": _cursor(first["next"]), "page_size": 2})
    MemberFactory.create_batch(20, org=tree.grid)
    api.get(URL, {"page_size": 1})  # the caller's scope is read again once after a change (accounts.scopes)
    with django_assert_num_queries(QUERIES):
        deeper = api.get(URL, {"cursor": _cursor(first["next"]), "page_size": 10}).json()
    assert len(deeper["results"]) == 10 and deeper["count"] == 53
    with django_assert_num_queries(QUERIES):
        assert api.get(URL, {"page": 2, "page_size": 10}).status_code == 200


#: The count (exact: a small list) and the page; the caller's scope is read once and kept.
QUERIES = 2


def test_page_numbers_stop_at_the_bound_with_a_400_pointing_at_the_cursor(tree, crowd, district_user, monkeypatch):
    monkeypatch.setattr(core_api, "PAGE_NUMBER_ROWS", 10)
    api = _api(district_user)
    assert api.get(URL, {"page": 2, "page_size": 5}).status_code == 200  # rows 6–10
    refused = api.get(URL, {"page": 3, "page_size": 5}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    message = refused.json()["page"][0]
    assert "10" in message and "cursor" in message and "游标" in message
    assert api.get(URL, {"page": "last", "page_size": 5}).status_code == 400  # the last page lies beyond too
    # Beyond the bound, the cursor reads on.
    assert len(_walk(api, {"page_size": 5})) == 7


def test_the_schema_offers_the_cursor_beside_page_numbers(district_user):
    schema = _api(district_user).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    parameters = {p["name"] for p in json.loads(schema.content)["paths"][URL]["get"]["parameters"]}
    assert {"page", "page_size", "cursor"} <= parameters


def test_a_deep_page_reads_its_keys_first_and_shows_the_same_rows(tree, crowd, district_user, street_secretary,
                                                                   monkeypatch, django_assert_num_queries):
    """From DEFERRED_FROM rows in, a page by number reads its rows' keys, then the rows (core.pagination)."""
    from core import pagination
    from members.records.selectors import member_list

    monkeypatch.setattr(pagination, "DEFERRED_FROM", 4)
    api = _api(district_user)
    everyone = list(Member.objects.order_by("org_id", "name", "id").values_list("id", flat=True))
    api.get(URL, {"page_size": 1})
    with django_assert_num_queries(QUERIES):  # shallow: the count and the page
        assert [r["id"] for r in api.get(URL, {"page": 1, "page_size": 4}).json()["results"]] == everyone[:4]
    with django_assert_num_queries(QUERIES + 1):  # deep: the count, the keys, the rows
        assert [r["id"] for r in api.get(URL, {"page": 3, "page_size": 4}).json()["results"]] == everyone[8:12]
    street = member_list(user=street_secretary).order_by("org_id", "name", "id")
    own = list(street.values_list("id", flat=True))
    deep = pagination.BoundedCountPaginator(street, 3).page(3).object_list
    assert [m.pk for m in deep] == own[6:9] and tree.other_member.pk not in own
