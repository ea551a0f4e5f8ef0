"""The dashboard's page content is kept per scope, language, year and computation (services.cached_page): a user
is served what was rendered for their own scope only, in their language, and nothing of one user's is kept."""

import pytest
from django.core.cache import cache

from accounts.scopes import resolve_scope
from dashboard import services
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _content(response):
    return response.content.decode().split('<main class="portal-main">', 1)[1].split("</main>", 1)[0]


def _kept(user, year, language):
    from django.utils import translation

    with translation.override(language):
        return cache.get(services.page_key(resolve_scope(user), year))


def test_a_scope_is_never_served_the_content_kept_for_another(client, filled, street_secretary, district_user):
    other_secretary = grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, filled.other_street)
    pages = {}
    for user in (street_secretary, other_secretary, district_user, street_secretary, other_secretary):
        client.force_login(user)
        pages.setdefault(user.username, []).append(_content(client.get("/dashboard/?year=2017", **ZH)))
    own, other, district = pages["sec-S01"], pages["sec-S02"], pages["district"]
    assert own[0] == own[1] and other[0] == other[1]  # the second time from what was kept: the same
    assert "<h1>经八路街道</h1>" in own[0] and "北林路街道" not in own[0] and "鑫苑社区" not in own[0]
    assert "<h1>北林路街道</h1>" in other[0] and "经八路街道" not in other[0] and "省委社区" not in other[0]
    assert "<h1>全区</h1>" in district[0]
    kept = {_kept(user, 2017, "zh-hans")[1] for user in (street_secretary, other_secretary, district_user)}
    assert len(kept) == 3


def test_another_secretary_of_the_same_street_is_served_the_same_content(client, filled, street_secretary):
    client.force_login(street_secretary)
    first = client.get("/dashboard/?year=2017", **ZH)
    colleague = grant(UserFactory(username="sec-S01-b"), Role.STREET_SECRETARY, filled.street)
    from django.utils import translation

    with translation.override("zh-hans"):
        _payload, html = services.cached_page(user=colleague, year=2017)
        assert services.cached_page(user=colleague, year=2016)[1] is None  # another year: not rendered yet
    with translation.override("en"):
        assert services.cached_page(user=colleague, year=2017)[1] is None  # another language: not rendered yet
    assert html is not None and html in first.content.decode()


def test_the_content_follows_the_language(client, filled, district_user):
    client.force_login(district_user)
    chinese = _content(client.get("/dashboard/?year=2017", **ZH))
    english = _content(client.get("/dashboard/?year=2017", **EN))
    assert "数据计算于" in chinese and "Figures computed" not in chinese
    assert "Figures computed" in english and "数据计算于" not in english
    assert _content(client.get("/dashboard/?year=2017", **ZH)) == chinese  # each language kept apart
    assert _kept(district_user, 2017, "en")[1] != _kept(district_user, 2017, "zh-hans")[1]


def test_nothing_of_the_user_is_kept(client, filled, street_secretary):
    street_secretary.first_name, street_secretary.last_name = "张明", ""
    street_secretary.save()
    client.force_login(street_secretary)
    page = client.get("/dashboard/?year=2017", **ZH).content.decode()
    assert "张明" in page and "csrfmiddlewaretoken" in page  # on the page, outside the kept content
    computed_at, html = _kept(street_secretary, 2017, "zh-hans")
    assert "张明" not in html and "sec-S01" not in html and "csrfmiddlewaretoken" not in html
    assert computed_at == cache.get(services.scope_key(resolve_scope(street_secretary)))["computed_at"]


def test_a_new_computation_is_never_shown_with_the_old_content(client, filled, street_secretary):
    client.force_login(street_secretary)
    client.get("/dashboard/?year=2017", **ZH)
    scope = resolve_scope(street_secretary)
    old_at, _html = _kept(street_secretary, 2017, "zh-hans")
    services.store(services.paths_scope(scope.read_paths))  # the hourly job's new computation
    new_at = cache.get(services.scope_key(scope))["computed_at"]
    assert new_at != old_at
    from django.utils import translation

    with translation.override("zh-hans"):
        assert services.cached_page(user=street_secretary, year=2017)[1] is None  # the kept one is stale
    client.get("/dashboard/?year=2017", **ZH)
    assert _kept(street_secretary, 2017, "zh-hans")[0] == new_at
