"""seed_demo and the generator behind it (demo/tree.py).

The full Jinshui size is checked on the in-memory plan (no inserts); inserts run at a small size.
"""

import datetime
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import Role, RoleGrant
from demo import tree as demo
from grids.models import Kind, Level, OrgNode
from members.records.models import Member, MemberCategory, MemberStatus
from members.records.validators import birth_date_from_id, gender_from_id, validate_id_number, validate_phone
from tests.factories import StreetFactory, UserFactory

SMALL = demo.Counts(streets=3, level2=7, villages=2, grids=12, building_groups=20, members=120, residents=4)
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
TODAY = datetime.date(2026, 3, 1)


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def test_planned_counts_at_scale_1_and_10():
    one = demo.plan_counts(1)
    assert (one["streets"], one["level2"], one["grids"], one["building_groups"]) == (17, 194, 571, 1276)
    assert one["villages"] == 20 and one["communities"] == 174
    assert one["members"] >= 22000
    assert one["residents"] >= 200
    assert one["users"] == 1 + 17 + 194 + one["residents"]
    ten = demo.plan_counts(10)
    for key in ("streets", "level2", "grids", "building_groups", "members", "residents"):
        assert ten[key] == 10 * one[key]
    assert ten["users"] == 1 + 10 * (one["users"] - 1)


def _check_tree(plan, counts, copies):
    streets, level2, grids, groups = plan.levels
    assert len(streets) == counts.streets * copies
    assert len(level2) == counts.level2 * copies
    assert len(grids) == counts.grids * copies
    assert len(groups) == counts.building_groups * copies
    assert sum(s.kind == Kind.VILLAGE for s in level2) == counts.villages * copies
    codes = [s.code for level in plan.levels for s in level]
    assert len(codes) == len(set(codes))
    assert all(CODE_RE.match(code) for code in codes)
    for level, specs in enumerate(plan.levels, start=1):
        assert {s.level for s in specs} == {level}
    assert {s.kind for s in streets} == {Kind.STREET}
    assert {s.kind for s in level2} <= {Kind.COMMUNITY, Kind.VILLAGE}
    assert {s.kind for s in grids} == {Kind.GRID}
    assert {s.kind for s in groups} == {Kind.BUILDING_GROUP}
    for parents, children in zip(plan.levels, plan.levels[1:]):
        child_parents = Counter(c.parent_code for c in children)
        assert set(child_parents) == {p.code for p in parents}, "every node above level 4 has a child"
    for spec in (s for level in plan.levels for s in level):
        assert spec.name and spec.secretary_name
        validate_phone(spec.secretary_phone)


def test_full_size_plan_in_memory():
    plan = demo.generate(1, today=TODAY)
    _check_tree(plan, demo.JINSHUI, 1)
    streets = plan.levels[0]
    assert [s.code for s in streets] == [f"JS{i:02d}" for i in range(1, 18)]
    assert [s.name for s in streets] == demo.STREET_NAMES
    assert streets[0].name == "经八路街道" and streets[-1].name == "丰庆路街道"
    assert plan.levels[1][0].code == "JS01-C01"
    assert plan.levels[2][0].code == "JS01-C01-G01" and plan.levels[2][0].name == "第一网格"
    assert plan.levels[3][0].code == "JS01-C01-G01-B01" and plan.levels[3][0].name == "1号楼组"
    assert all(s.name.endswith("村") for s in plan.levels[1] if s.kind == Kind.VILLAGE)
    assert all(s.name.endswith("社区") for s in plan.levels[1] if s.kind == Kind.COMMUNITY)

    members = plan.members
    assert len(members) == demo.JINSHUI.members
    assert len({m["id_number"] for m in members}) == len(members)
    assert len({m["phone"] for m in members}) == len(members)
    status = Counter(m["status"] for m in members)
    assert 0.01 < status[MemberStatus.PROBATIONARY] / len(members) < 0.06
    category = Counter(m["category"] for m in members)
    assert 0.6 < category[MemberCategory.DIRECT] / len(members) < 0.8
    assert category[MemberCategory.MOBILE] > 0 and category[MemberCategory.IN_SERVICE] > 0
    assert {m["joined_on"].year // 10 for m in members} >= set(range(196, 203))
    where = Counter(m["org_code"].count("-") for m in members)  # 1: level 2, 2: grid, 3: building group
    assert where[2] + where[3] > 0.8 * len(members) and where[1] > 0


def test_scale_two_prefixes_the_second_copy():
    plan = demo.generate(2, counts=SMALL, today=TODAY)
    _check_tree(plan, SMALL, 2)
    codes = [s.code for s in plan.levels[0]]
    assert codes == ["JS01", "JS02", "JS03", "K2JS01", "K2JS02", "K2JS03"]
    assert [u.username for u in plan.users if u.role == Role.RESIDENT][-1] == "resident-0008"


def test_generation_is_deterministic():
    first = demo.generate(1, counts=SMALL, seed=7, today=TODAY)
    second = demo.generate(1, counts=SMALL, seed=7, today=TODAY)
    other = demo.generate(1, counts=SMALL, seed=8, today=TODAY)
    assert first.levels == second.levels
    assert first.members == second.members
    assert [m["id_number"] for m in first.members] != [m["id_number"] for m in other.members]
    # ID numbers and birth dates do not depend on the day the seed runs.
    later = demo.generate(1, counts=SMALL, seed=7, today=datetime.date(2027, 7, 1))
    assert [m["id_number"] for m in later.members] == [m["id_number"] for m in first.members]


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        demo.generate(1, counts=demo.Counts(3, 2, 0, 5, 5, 0, 0))  # fewer communities than streets
    with pytest.raises(ValueError):
        demo.generate(0, counts=SMALL)


def _snapshot():
    return (
        list(OrgNode.objects.order_by("code").values_list("code", "name", "level", "kind", "path")),
        list(Member.objects.order_by("id_number").values_list("id_number", "name", "org__code")),
        list(get_user_model().objects.order_by("username").values_list("username", flat=True)),
    )


def _wipe():
    RoleGrant.objects.all().delete()
    get_user_model().objects.all().delete()
    Member.objects.all().delete()
    for level in (4, 3, 2, 1):
        OrgNode.objects.filter(level=level).delete()


@pytest.mark.django_db
def test_build_writes_a_valid_district():
    written = demo.build(2, counts=SMALL, password="Demo-pass-2026", today=TODAY)
    assert written["members"] == Member.objects.count() == SMALL.members * 2
    levels = Counter(OrgNode.objects.values_list("level", flat=True))
    assert levels == {1: 6, 2: 14, 3: 24, 4: 40}
    assert OrgNode.objects.filter(kind=Kind.VILLAGE).count() == 4
    assert not OrgNode.objects.filter(level__lt=Level.BUILDING_GROUP, children__isnull=True).exists()
    for node in OrgNode.objects.select_related("parent"):
        assert node.path == OrgNode.path_for(node.code, node.parent)
        assert node.level == (1 if node.parent is None else node.parent.level + 1)

    for m in Member.objects.all():
        validate_id_number(m.id_number)
        validate_phone(m.phone)
        assert gender_from_id(m.id_number) == m.gender
        assert birth_date_from_id(m.id_number) == m.birth_date
        assert m.joined_on > _add_years(m.birth_date, 18)
        if m.status == MemberStatus.FULL:
            assert m.full_member_on == _add_years(m.joined_on, 1) and m.full_member_on <= TODAY
        else:
            assert m.full_member_on is None and TODAY - datetime.timedelta(days=366) < m.joined_on <= TODAY

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert list(admin.role_grants.values_list("role", "node")) == [(Role.DISTRICT_STAFF, None)]
    for node in OrgNode.objects.filter(level__lte=2):
        user = User.objects.get(username=f"sec-{node.code}")
        role = Role.STREET_SECRETARY if node.level == 1 else Role.COMMUNITY_SECRETARY
        assert user.is_staff and not user.is_superuser
        assert list(user.role_grants.values_list("role", "node")) == [(role, node.pk)]
    residents = User.objects.filter(username__startswith="resident-").order_by("username")
    assert [u.username for u in residents] == [f"resident-{i:04d}" for i in range(1, 9)]
    assert not residents.filter(is_staff=True).exists()
    assert RoleGrant.objects.filter(role=Role.RESIDENT, node=None).count() == 8
    assert User.objects.count() == RoleGrant.objects.count() == 1 + 2 * (3 + 7 + 4)
    for username in ("admin", "sec-JS01", "sec-K2JS03-C01", "resident-0008"):
        assert User.objects.get(username=username).check_password("Demo-pass-2026")


@pytest.mark.django_db
def test_same_seed_same_data_in_the_database():
    demo.build(1, counts=SMALL, seed=11, today=TODAY)
    first = _snapshot()
    _wipe()
    assert not OrgNode.objects.exists()
    demo.build(1, counts=SMALL, seed=11, today=TODAY)
    assert _snapshot() == first


@pytest.fixture
def small_jinshui(monkeypatch):
    monkeypatch.setattr(demo, "JINSHUI", SMALL)


def _run(*args):
    out = io.StringIO()
    with translation.override("en"):  # messages are matched in English (the zh_Hans catalog translates them)
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_with_force_builds_and_reports(small_jinshui, settings):
    settings.DEBUG = False
    output = _run("--force", "--scale", "2", "--password", "Other-pass-99", "--seed", "5")
    assert OrgNode.objects.filter(level=1).count() == 6
    assert Member.objects.count() == 2 * SMALL.members
    assert get_user_model().objects.get(username="sec-JS01-C01").check_password("Other-pass-99")
    assert "14" in output and "240" in output


@pytest.mark.django_db
def test_command_under_debug_needs_no_force(small_jinshui, settings):
    settings.DEBUG = True
    _run()
    assert OrgNode.objects.filter(level=1).count() == 3
    assert get_user_model().objects.get(username="resident-0001").check_password(demo.DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_command_refuses_without_force_when_debug_is_off(small_jinshui, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _run()
    assert not OrgNode.objects.exists()


@pytest.mark.django_db
def test_command_refuses_a_database_with_organizations(small_jinshui, settings):
    settings.DEBUG = True
    StreetFactory(code="X01")
    with pytest.raises(CommandError, match="empty database"):
        _run()
    assert OrgNode.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_refusal_names_the_way_out_in_either_language(small_jinshui, settings, language):
    settings.DEBUG = True
    StreetFactory(code="X01")
    with translation.override(language), pytest.raises(CommandError, match="flush"):
        call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.django_db
def test_command_refuses_to_run_twice(small_jinshui, settings):
    settings.DEBUG = True
    _run()
    nodes = OrgNode.objects.count()
    with pytest.raises(CommandError):
        _run()
    assert OrgNode.objects.count() == nodes


@pytest.mark.django_db
def test_command_refuses_existing_accounts_and_leaves_nothing(small_jinshui, settings):
    settings.DEBUG = True
    UserFactory(username="admin")
    with pytest.raises(CommandError, match="admin"):
        _run()
    assert not OrgNode.objects.exists() and not Member.objects.exists()


@pytest.mark.django_db
def test_seeded_bookings_keep_every_booking_rule(small_jinshui, settings):
    """Four residents and 22 centers' fortnight ahead: far more bookings than four residents may hold. The seed
    gives each at most the limit of upcoming bookings, and every booking fits its room."""
    from django.db.models import Count
    from django.utils import timezone

    from servicecenters.models import UPCOMING_STATUSES, Booking
    from servicecenters.services import MAX_ACTIVE_PER_RESIDENT

    settings.DEBUG = True
    _run()
    now = timezone.now()
    held = dict(Booking.objects.filter(status__in=UPCOMING_STATUSES, end__gt=now).values_list("resident")
                .annotate(n=Count("pk")).values_list("resident__username", "n"))
    assert held, "the seed books ahead"
    assert max(held.values()) <= MAX_ACTIVE_PER_RESIDENT, held
    for booking in Booking.objects.select_related("room"):
        minutes = (booking.end - booking.start).total_seconds() / 60
        assert booking.room.bookable
        assert 1 <= booking.attendees <= booking.room.capacity
        assert booking.room.min_minutes <= minutes <= booking.room.max_minutes
