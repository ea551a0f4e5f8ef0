"""Admin query strings: only the declared list filters, the search, ordering and pages narrow a list. A lookup on
a model's own fields (`?id=475&phone__regex=^130[0-4]`) answered yes or no about values the list masks; now it
is refused (400) whatever the value, and a search matches a full ID-card number or phone only among the records
the user may change."""

import pytest
from django.contrib import admin
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.admin_scoping import ScopedAdminMixin

pytestmark = pytest.mark.django_db

ORACLES = [
    "id={pk}&phone__regex=^1390",
    "phone={phone}",
    "phone__startswith=139",
    "id_number={id_number}",
    "id_number__startswith=41010519",
    "birth_date__year=1987",
    "birth_date={birth}",
    "org__members__phone={phone}",
    "name__regex=^赵",
]


def _count(response):
    return response.context["cl"].result_count


@pytest.mark.parametrize("changelist", ["admin:members_member_changelist", "admin:members_candidate_changelist"])
@pytest.mark.parametrize("role", ["district_user", "community_secretary", "inspector"])
def test_no_undeclared_lookup_narrows_a_list_of_people(client, request, role, changelist, subject, candidate):
    client.force_login(request.getfixturevalue(role))
    url = reverse(changelist)
    person = subject if "member" in changelist else candidate
    for template in ORACLES:
        right = template.format(pk=person.pk, phone=person.phone or "13566778899", id_number=person.id_number,
                                birth=person.birth_date.isoformat())
        wrong = right.replace("139", "186").replace("4101", "1101").replace("1987", "1960").replace("赵", "钱")
        answers = [client.get(f"{url}?{query}") for query in (right, wrong)]
        assert [a.status_code for a in answers] == [400, 400], (template, [a.status_code for a in answers])
        assert answers[0].content == answers[1].content


@pytest.mark.parametrize("query", ["status__exact=full", "gender__exact=M", "street={street}", "community={community}",
                                   "org_subtree={grid}", "q=赵隐私", "o=1", "p=1", "all=", "category__exact=direct"])
def test_declared_filters_still_work(client, tree, district_user, subject, query):
    client.force_login(district_user)
    query = query.format(street=tree.street.pk, community=tree.community.pk, grid=tree.grid.pk)
    response = client.get(reverse("admin:members_member_changelist") + "?" + query)
    assert response.status_code == 200
    assert _count(response) >= 1


def test_every_scoped_admin_refuses_its_own_fields(client, tree, district_user):
    """Each scoped admin (grids, member topics, community, …) takes its declared filters only."""
    client.force_login(district_user)
    probed = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ScopedAdminMixin):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        assert client.get(url + "?pk__gte=0").status_code == 400, url
        assert client.get(url + "?id=1").status_code == 400, url
        probed += 1
    assert probed >= 20


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_search_by_a_full_value_matches_only_where_the_user_may_change(client, tree, subject, inspector,
                                                                        community_secretary, onlooker, field):
    value = getattr(subject, field)
    url = reverse("admin:members_member_changelist") + f"?q={value}"
    for viewer in (inspector, onlooker):
        client.force_login(viewer)
        assert _count(client.get(url)) == 0
    client.force_login(community_secretary)
    assert _count(client.get(url)) == 1
    # The autocomplete of other pages searches through the member admin too.
    autocomplete = reverse("admin:autocomplete") + (
        f"?app_label=members&model_name=pointentry&field_name=member&term={value}")
    client.force_login(inspector)
    assert client.get(autocomplete).json()["results"] == []


def test_candidate_search_by_id_number(client, candidate, inspector, community_secretary):
    url = reverse("admin:members_candidate_changelist") + f"?q={candidate.id_number}"
    client.force_login(inspector)
    assert _count(client.get(url)) == 0
    client.force_login(community_secretary)
    assert _count(client.get(url)) == 1
    assert _count(client.get(reverse("admin:members_candidate_changelist") + "?q=钱申请")) == 1


def test_api_search_and_unknown_parameters_do_not_narrow(tree, subject, inspector, community_secretary):
    api = APIClient()
    api.force_authenticate(inspector)
    total = api.get("/api/v1/members/").json()["count"]
    assert api.get("/api/v1/members/", {"search": subject.id_number}).json()["count"] == 0
    for query in ({"phone": subject.phone}, {"id_number": subject.id_number}, {"birth_date": "1987-09-23"},
                  {"phone__regex": "^139"}):
        assert api.get("/api/v1/members/", query).json()["count"] == total
    api.force_authenticate(community_secretary)
    assert api.get("/api/v1/members/", {"search": subject.id_number}).json()["count"] == 1
