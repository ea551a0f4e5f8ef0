"""The hourly refresh recomputes only the scopes whose records changed; the nightly run recomputes all; the
cards' HTML is cached per computation."""

import datetime

import pytest
from django.core.cache import cache
from django.test.signals import template_rendered

from community.models import VisitOutcome
from dashboard import changes, jobs, services
from dashboard.registry import _FIGURES, figure
from grids.models import OrgNode
from jobs.ledger import run_once
from tests.community import records as r

pytestmark = pytest.mark.django_db


def _computed_at(scope):
    return cache.get(services.scope_key(scope))["computed_at"]


@pytest.fixture
def refreshed(filled):
    cache.delete(changes.KEY)
    services.refresh_all(full=True)
    changes.clear(changes.marks())
    return filled


def test_every_source_reaches_the_tree():
    for model, prefix in changes.sources().items():
        if prefix:
            model.objects.filter(**{f"{prefix}path": "/x/"}).exists()  # a wrong lookup raises FieldError


def test_a_change_in_one_street_recomputes_that_street_and_the_district_only(refreshed,
                                                                             django_capture_on_commit_callbacks):
    own, foreign = services.paths_scope([refreshed.street.path]), services.paths_scope([refreshed.other_street.path])
    district = services.district_scope()
    before = {services.scope_key(s): _computed_at(s) for s in (own, foreign, district)}
    with django_capture_on_commit_callbacks(execute=True):
        r.visit(r.village(refreshed.street), outcome=VisitOutcome.SOLVED, visited_on=datetime.date(2017, 5, 5))
    assert changes.dirty_streets(changes.marks()) == {refreshed.street.path}
    result = services.refresh_all(full=False)
    assert result == {"scopes": 3, "computed": 2}
    assert _computed_at(own) != before[services.scope_key(own)]
    assert _computed_at(district) != before[services.scope_key(district)]
    assert _computed_at(foreign) == before[services.scope_key(foreign)]  # untouched, its lifetime extended
    assert changes.marks() == set()
    assert services.refresh_all(full=False) == {"scopes": 3, "computed": 1}  # twice: only the district again


def test_a_deleted_record_marks_its_street(refreshed, django_capture_on_commit_callbacks):
    station = r.station(refreshed.other_community, kind="building", covered=1)
    changes.clear(changes.marks())
    with django_capture_on_commit_callbacks(execute=True):
        station.delete()
    assert changes.dirty_streets(changes.marks()) == {refreshed.other_street.path}


def test_a_record_reached_through_another_marks_its_street(refreshed, django_capture_on_commit_callbacks):
    from tests.factories import MemberFactory

    member = MemberFactory(org=refreshed.community)
    changes.clear(changes.marks())
    with django_capture_on_commit_callbacks(execute=True):
        member.save()
    assert changes.marks() == {f"n:{refreshed.community.pk}"}
    assert changes.dirty_streets(changes.marks()) == {refreshed.street.path}


def test_the_nightly_run_recomputes_every_scope(refreshed):
    before = _computed_at(services.paths_scope([refreshed.other_street.path]))
    assert jobs.is_full_run("2026-11-25T03") and not jobs.is_full_run("2026-11-25T13")
    result, ran = run_once(jobs.JOB, "2026-11-25T03")
    assert ran and result == {"scopes": 3, "computed": 3}
    assert _computed_at(services.paths_scope([refreshed.other_street.path])) != before
    result, _ = run_once(jobs.JOB, "2026-11-25T04")
    assert result == {"scopes": 3, "computed": 1}


def test_a_missing_entry_is_computed_by_the_hourly_run(refreshed):
    cache.delete(services.scope_key(services.paths_scope([refreshed.other_street.path])))
    assert services.refresh_all(full=False) == {"scopes": 3, "computed": 2}


@pytest.fixture
def probe():
    presented = []

    def present(data, view):
        presented.append(view.year)
        from dashboard.registry import Card

        return Card(key="probe", title="Probe", stats=[("probe", data, "")])

    figure("probe", title="Probe", order=999, present=present)(lambda ctx: 7)
    yield presented
    _FIGURES.pop("probe")


def test_a_cached_page_renders_the_cards_from_the_fragment(client, filled, district_user, probe):
    client.force_login(district_user)
    first = client.get("/dashboard/?year=2017")
    assert probe == [2017] and 'data-figure="probe"' in first.content.decode()
    rendered = []

    def seen(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        second = client.get("/dashboard/?year=2017")
    finally:
        template_rendered.disconnect(seen)
    assert probe == [2017]  # no card presented again
    assert 'data-figure="probe"' in second.content.decode() and district_user.username in second.content.decode()
    assert "dashboard/index.html" in rendered
    client.get("/dashboard/?year=2016")
    assert probe == [2017, 2016]  # another year, another fragment
    services.refresh_all(full=True)  # a new computation: the fragment's key changes
    client.get("/dashboard/?year=2017")
    assert probe == [2017, 2016, 2017]


def test_a_mark_that_cannot_be_placed_or_a_district_wide_record_means_everything(refreshed):
    assert changes.dirty_streets({"r:servicecenters.Room:999999:center__street__"}) == changes.ALL
    assert changes.dirty_streets({"*", f"p:{refreshed.street.path}"}) == changes.ALL
    assert changes.dirty_streets({f"p:{refreshed.community.path}"}) == {refreshed.street.path}
