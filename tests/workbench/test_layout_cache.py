"""What the staff layout keeps per process (workbench.layout_cache, {% same_for_everyone %}) is the same for
everyone it is shown to: each role keeps its own navigation, each language its own text, and no user's name or
form token is ever kept."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory

from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def center_staff(tree):
    from accounts.models import RoleGrant
    from tests.servicecenters.factories import CenterFactory

    center = CenterFactory(code="SC01", name="凤凰台党群服务中心", street=tree.street)
    user = UserFactory(username="center-SC01", is_staff=False)
    RoleGrant.objects.create(user=user, role=Role.CENTER_STAFF, center_id=center.pk)
    return user


def _nav(html):
    return html.split('id="portal-nav"', 1)[1].split("</nav>", 1)[0]


def test_each_role_gets_its_own_navigation_whoever_came_first(client, tree, district_user, center_staff,
                                                              street_secretary):
    seen = {}
    for user in (district_user, center_staff, street_secretary, district_user, center_staff):
        client.force_login(user)
        seen.setdefault(user.username, []).append(_nav(client.get("/workbench/").content.decode()))
    keys = {name: re.findall(r'data-nav="([a-z]+)"', navs[0]) for name, navs in seen.items()}
    assert keys[district_user.username] == ["workbench", "dashboard", "assessment", "members", "tree", "centers",
                                            "inbox", "admin"]
    assert keys[center_staff.username] == ["workbench", "centers", "inbox"]
    assert "centers" not in keys[street_secretary.username] and "dashboard" in keys[street_secretary.username]
    assert all(navs[0] == navs[-1] for navs in seen.values())


def test_the_current_section_is_marked_per_page(client, district_user):
    client.force_login(district_user)
    for url, key in [("/workbench/", "workbench"), ("/dashboard/", "dashboard"), ("/workbench/tree/", "tree"),
                     ("/workbench/", "workbench")]:
        nav = _nav(client.get(url).content.decode())
        assert re.findall(r'data-nav="([a-z]+)" class="on" aria-current="page"', nav) == [key], url


def test_a_language_switch_changes_the_kept_navigation_and_buttons(client, district_user):
    client.force_login(district_user)
    chinese = client.get("/dashboard/").content.decode()  # Chinese by default
    assert 'data-nav="dashboard" class="on" aria-current="page">数据看板</a>' in chinese
    assert 'value="zh-hans" lang="zh-hans" class="on" aria-pressed="true"' in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    english = client.get("/dashboard/").content.decode()
    assert 'data-nav="dashboard" class="on" aria-current="page">Dashboard</a>' in english
    assert 'value="en" lang="en" class="on" aria-pressed="true"' in english and 'aria-label="Language"' in english
    assert "数据看板" not in _nav(english) and 'lang="en"' in english.split("<head>", 1)[0]
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/dashboard/"})
    assert client.get("/dashboard/").content.decode().count("工作台") >= 1


def test_each_user_sees_their_own_name_and_a_token_of_their_own(client, tree, street_secretary,
                                                                community_secretary):
    names = {}
    for user, name in ((street_secretary, "王甲"), (community_secretary, "王乙")):
        user.first_name, user.last_name = name, ""
        user.save()
        client.force_login(user)
        page = client.get("/dashboard/").content.decode()
        names[user.username] = page
    assert "王甲" in names["sec-S01"] and "王乙" not in names["sec-S01"]
    assert "王乙" in names["sec-S01C01"] and "王甲" not in names["sec-S01C01"]
    tokens = [set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)) for page in names.values()]
    assert all(tokens) and not tokens[0] & tokens[1]


def test_same_for_everyone_renders_nothing_of_the_request():
    user = UserFactory(username="someone-special")
    request = RequestFactory().get("/workbench/?secret=1")
    request.user = user
    template = engines["django"].from_string(
        "{% load portal_layout %}[{% same_for_everyone %}{{ user.username }}|{{ request.get_full_path }}|"
        "{% csrf_token %}|{% url 'home' %}{% end_same_for_everyone %}]{{ user.username }}")
    assert template.render({}, request) == "[|||/]someone-special"
    other = RequestFactory().get("/other/")
    other.user = grant(UserFactory(username="another-user"), Role.DISTRICT_STAFF)
    assert template.render({}, other) == "[|||/]another-user"
