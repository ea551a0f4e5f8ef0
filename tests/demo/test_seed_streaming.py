"""seed_demo builds the district copy by copy: each copy committed on its own, its own random stream, and an
interrupted run continued with --resume ending exactly where an uninterrupted one does."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from demo import tree as demo
from grids.models import OrgNode
from members.records.models import Member

from .test_seed_demo import SMALL

TODAY = datetime.date(2026, 3, 1)


def _run(*args):
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _table_counts():
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in counts:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


def _fingerprint():
    return (
        _table_counts(),
        list(OrgNode.objects.order_by("code").values_list("code", "name", "secretary_name", "secretary_phone")),
        list(Member.objects.order_by("id_number").values_list("id_number", "name", "phone", "org__code")),
        list(get_user_model().objects.order_by("username").values_list("username", "first_name")),
    )


def _wipe(grown):
    """Empty the tables the seed filled (none of them holds rows of the migrations: checked by the caller)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in grown) + " CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _planned(scale):
    plan = demo.plan_counts(scale, SMALL)
    User = get_user_model()
    return {
        "nodes": OrgNode.objects.count() == plan["nodes"],
        "members": Member.objects.count() == plan["members"],
        "secretaries": User.objects.filter(username__startswith="sec-").count() == plan["secretaries"],
        "residents": User.objects.filter(username__startswith="resident-").count() == plan["residents"],
        "admin": User.objects.filter(username="admin").count() == 1,
    }


@pytest.fixture
def small_jinshui(monkeypatch, settings):
    monkeypatch.setattr(demo, "JINSHUI", SMALL)
    settings.DEBUG = True


@pytest.mark.django_db
def test_copies_are_committed_one_by_one_with_the_planned_totals(small_jinshui):
    output = _run("--scale", "2")
    assert "copy 1/2:" in output and "copy 2/2:" in output
    assert all(_planned(2).values()), _planned(2)
    assert demo.copies_written() == 2
    # District-wide records are written once, with the first copy; the per-copy ones once per copy.
    from assessment.models import Plan
    from learning.models import Contest, Topic
    from members.training.models import Quiz, TrainingClass
    from servicecenters.models import ServiceCenter

    assert TrainingClass.objects.count() == 26 and Quiz.objects.count() == 13
    assert Contest.objects.count() == 2 and Topic.objects.count() == 4
    assert Plan.objects.filter(year=timezone.localdate().year).count() == 3
    assert ServiceCenter.objects.count() == 2 * 22
    assert get_user_model().objects.filter(username__startswith="inspector-").count() == 20


@pytest.mark.django_db
def test_an_interrupted_run_resumes_to_what_an_uninterrupted_run_writes(small_jinshui, monkeypatch):
    before = _table_counts()
    # Copy 2 fails half-way (after its tree, members and some records): nothing of it stays.
    from demo import participation

    real = participation.seed_copy

    def failing(copy):
        if copy.number == 2:
            raise RuntimeError("interrupted")
        return real(copy)

    monkeypatch.setattr(participation, "seed_copy", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        _run("--scale", "3", "--seed", "9")
    assert demo.copies_written() == 1
    assert not OrgNode.objects.filter(code__startswith="K2").exists()
    assert Member.objects.count() == SMALL.members
    monkeypatch.setattr(participation, "seed_copy", real)

    # Run again as before: refused, and the refusal names the way on.
    with pytest.raises(CommandError, match="--resume"):
        _run("--scale", "3", "--seed", "9")
    with pytest.raises(CommandError, match="another --seed"):
        _run("--scale", "3", "--seed", "10", "--resume")
    output = _run("--scale", "3", "--seed", "9", "--resume")
    assert "copy 1/3" not in output and "copy 2/3:" in output and "copy 3/3:" in output
    assert demo.copies_written() == 3 and all(_planned(3).values())
    resumed = _fingerprint()

    # An uninterrupted run on the emptied tables writes the very same rows.
    grown = [t for t, n in resumed[0].items() if n != before[t]]
    assert not [t for t in grown if before[t]], "a table filled by the seed held rows before it"
    _wipe(grown)
    assert not OrgNode.objects.exists()
    _run("--scale", "3", "--seed", "9")
    assert _fingerprint() == resumed
    assert "All 3 copies" in _run("--scale", "3", "--seed", "9", "--resume")


@pytest.mark.django_db
def test_stop_after_and_resume(small_jinshui):
    _run("--scale", "2", "--stop-after", "1")
    assert demo.copies_written() == 1
    from learning.models import Contest

    _run("--scale", "2", "--resume")
    assert all(_planned(2).values()) and Contest.objects.count() == 2
    assert get_user_model().objects.filter(username="admin").count() == 1
    # A finished district is not grown by resuming with a larger scale (its rankings are over its own copies).
    with pytest.raises(CommandError, match="completed with 2 copies"):
        _run("--scale", "3", "--resume")
    assert demo.copies_written() == 2


def test_each_copy_has_its_own_random_stream():
    two = demo.generate(2, counts=SMALL, seed=7, today=TODAY)
    one = demo.generate(1, counts=SMALL, seed=7, today=TODAY)
    # Copy 1 is what scale 1 is; copy 2 is the same whether or not copy 1 was planned first.
    per_copy = SMALL.members
    assert two.members[:per_copy] == one.members
    alone = demo.generate_copy(2, counts=SMALL, seed=7, today=TODAY)
    assert two.members[per_copy:] == alone.members
    assert [s.code for s in alone.levels[0]] == ["K2JS01", "K2JS02", "K2JS03"]
    assert [u.username for u in alone.users if u.username.startswith("resident-")] == demo.resident_usernames(
        2, SMALL)
    assert demo.generate_copy(2, counts=SMALL, seed=8, today=TODAY).members != alone.members


@pytest.mark.django_db
def test_used_numbers_are_rebuilt_exactly_from_the_database():
    used = demo.Used()
    plan = demo.generate_copy(1, counts=SMALL, seed=7, today=TODAY, used=used)
    plan.users.insert(0, demo.admin_spec())
    demo.insert(plan)
    rebuilt = demo.Used.from_database()
    assert list(rebuilt.phones) == list(used.phones) and list(rebuilt.id_numbers) == list(used.id_numbers)
    assert len(used.id_numbers) == SMALL.members
    assert len(used.phones) == SMALL.members + SMALL.streets + SMALL.level2 + SMALL.grids + SMALL.building_groups
    assert demo.copy_matches(1, counts=SMALL, seed=7, today=TODAY)
    assert not demo.copy_matches(1, counts=SMALL, seed=8, today=TODAY)


@pytest.mark.django_db
def test_seeded_bookings_keep_every_booking_rule_in_every_copy(small_jinshui):
    """Two copies: no resident holds more upcoming bookings than allowed, no two bookings of a room overlap, and
    every booking lies within its center's opening hours on an open day."""
    from django.db.models import Count

    from servicecenters.models import UPCOMING_STATUSES, Booking, BookingStatus, ClosedDay, OpeningHours
    from servicecenters.services import MAX_ACTIVE_PER_RESIDENT

    _run("--scale", "2")
    now = timezone.now()
    held = dict(Booking.objects.filter(status__in=UPCOMING_STATUSES, end__gt=now).values_list("resident")
                .annotate(n=Count("pk")).values_list("resident__username", "n"))
    assert held and max(held.values()) <= MAX_ACTIVE_PER_RESIDENT, held
    # A copy's residents book that copy's centers.
    assert not Booking.objects.filter(resident__username__in=demo.resident_usernames(2, SMALL),
                                      room__center__code__startswith="SC").exists()
    hours = {(h.center_id, h.weekday): (h.opens, h.closes) for h in OpeningHours.objects.all()}
    closed = set(ClosedDay.objects.values_list("center_id", "date"))
    by_room = {}
    for booking in Booking.objects.exclude(status=BookingStatus.CANCELLED).select_related("room"):
        start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
        opens, closes = hours[(booking.room.center_id, start.weekday())]
        assert opens <= start.time() and end.time() <= closes and start.date() == end.date()
        assert (booking.room.center_id, start.date()) not in closed
        by_room.setdefault(booking.room_id, []).append((booking.start, booking.end))
    for spans in by_room.values():
        spans.sort()
        assert all(a_end <= b_start for (_s, a_end), (b_start, _e) in zip(spans, spans[1:]))
    # Booking codes are unique across copies by construction: their first two characters name the copy.
    from servicecenters.models import CODE_ALPHABET

    codes = list(Booking.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert {code[:2] for code in codes} == {CODE_ALPHABET[0] + CODE_ALPHABET[1], CODE_ALPHABET[0] + CODE_ALPHABET[2]}
