"""/dashboard/: who may open it, what each user sees, and that a warm cache does no figure query."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import services
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _stats(response):
    """{(card key, stat label): value} from the page's context."""
    return {(card.key, str(label)): value for card in response.context["cards"] for label, value, _note in card.stats}


def test_anonymous_goes_to_sign_in_and_residents_are_refused(client, resident):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/dashboard/"
    client.force_login(resident)
    assert client.get("/dashboard/").status_code == 403
    inspector = grant(UserFactory(username="inspector-1"), Role.INSPECTOR)
    client.force_login(inspector)
    assert client.get("/dashboard/").status_code == 200  # inspectors read the whole district


def test_district_staff_sees_the_district(client, filled, district_user):
    client.force_login(district_user)
    response = client.get("/dashboard/", {"year": "2017"}, **EN)
    assert response.status_code == 200
    body = response.content.decode()
    stats = _stats(response)
    assert response.context["scope_name"] == "Whole district"
    assert stats[("stations", "red homes")] == "2"
    assert stats[("tree", "Street")] == "2"
    assert stats[("meetings", "joint meetings")] == "3"  # the records are of 2017
    assert stats[("visits", "resolution rate")] == "100%"
    assert "vendor/echarts/echarts-5.6.0" in body and "cdn" not in body.lower()
    assert 'href="/admin/"' in body and "(Beijing time)" in body


def test_street_secretary_sees_their_street_alone(client, filled, street_secretary, community_secretary):
    client.force_login(street_secretary)
    response = client.get("/dashboard/", {"year": "2017"}, **EN)
    stats = _stats(response)
    assert response.context["scope_name"] == "经八路街道"
    assert stats[("stations", "red homes")] == "1"
    assert stats[("meetings", "joint meetings")] == "2"
    body = response.content.decode()
    assert "北林路街道" not in body and "鑫苑社区" not in body
    client.force_login(community_secretary)
    response = client.get("/dashboard/", **EN)
    assert response.context["scope_name"] == "省委社区"
    assert _stats(response)[("stations", "red homes")] == "0"


def test_year_is_selectable(client, filled, district_user):
    client.force_login(district_user)
    stats = _stats(client.get("/dashboard/", {"year": "2016"}, **EN))
    assert stats[("meetings", "joint meetings")] == "3"
    assert stats[("visits", "visits received")] == "3"
    from django.utils import timezone

    assert client.get("/dashboard/", {"year": "abc"}, **EN).context["year"] == timezone.localdate().year


def test_a_warm_cache_does_no_figure_query(client, filled, street_secretary):
    client.force_login(street_secretary)
    client.get("/dashboard/")  # cold: computes once and stores
    assert cache.get(services.scope_key(services.paths_scope([filled.street.path]))) is not None
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/dashboard/").status_code == 200
    tables = " ".join(q["sql"] for q in warm.captured_queries)
    assert len(warm) <= 4, tables  # session, user, the second factor's device, scope
    assert "community_" not in tables and "members_member" not in tables


def test_the_page_shows_the_cached_figures_until_the_refresh(client, filled, district_user):
    from tests.community import records as r

    client.force_login(district_user)
    before = _stats(client.get("/dashboard/", **EN))[("stations", "red homes")]
    r.red_home(__import__("tests.factories", fromlist=["StreetFactory"]).StreetFactory(code="S03"))
    assert _stats(client.get("/dashboard/", **EN))[("stations", "red homes")] == before
    services.refresh_all()
    assert _stats(client.get("/dashboard/", **EN))[("stations", "red homes")] == "3"


def test_page_is_chinese_by_default(client, filled, district_user):
    client.force_login(district_user)
    body = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in body


def test_on_a_cold_cache_one_computes_and_the_others_wait(filled, street_secretary, django_assert_num_queries):
    import threading

    from django.core.cache import cache as shared

    scope = services.paths_scope([filled.street.path])
    key = services.scope_key(scope)
    payload = services.compute(scope)
    shared.delete(key)
    shared.add(f"{key}:computing", 1, 30)  # another request is computing
    timer = threading.Timer(0.3, lambda: shared.set(key, payload, 60))
    timer.start()
    try:
        with django_assert_num_queries(1):  # the user's scope; no figure query
            got = services.figures_for(user=street_secretary)
    finally:
        timer.join()
    assert got["computed_at"] == payload["computed_at"]
