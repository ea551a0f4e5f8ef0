"""Every list of /api/v1/ that offers `cursor` (core.api.Pagination) pages by it: its ordering is one a keyset can
follow (fields, with or without their NULLs placed: core.pagination.keyset_terms), for district staff and for a
street secretary, and two pages in a row share no row."""

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from core.api_compat import load

LISTS = sorted(path for path, item in load()["paths"].items() if "{" not in path and "get" in item
               and any(p["name"] == "cursor" for p in item["get"].get("parameters", [])))


def test_the_lists_that_offer_a_cursor_are_the_paginated_lists():
    assert len(LISTS) >= 30 and "/api/v1/members/" in LISTS


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["district_user", "street_secretary"])
def test_every_list_pages_by_cursor(request, who):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(who))
    refused = []
    for path in LISTS:
        first = api.get(path, {"cursor": "", "page_size": 1})
        if first.status_code != 200:
            refused.append(f"{path}: {first.status_code} {first.content[:200]!r}")
            continue
        body = first.json()
        if body["next"]:
            cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
            second = api.get(path, {"cursor": cursor, "page_size": 1})
            if second.status_code != 200 or second.json()["results"] == body["results"]:
                refused.append(f"{path}: the second page {second.status_code}")
    assert not refused, "\n".join(refused)
