import datetime

import pytest

from core.errors import PermissionDenied, ValidationError
from members.records.models import Member, MemberCategory, MemberStatus
from members.records.selectors import member_can_reveal, member_list
from members.records.services import member_create, member_delete, member_update
from members.records.validators import make_id_number

pytestmark = pytest.mark.django_db


def _fields(org, **overrides):
    number = make_id_number("410105", datetime.date(1980, 5, 4), 311)
    fields = dict(
        name="赵强", gender="M", id_number=number, phone="13912345678", joined_on=datetime.date(2005, 7, 1),
        full_member_on=datetime.date(2006, 7, 1), status=MemberStatus.FULL, category=MemberCategory.DIRECT, org=org,
    )
    fields.update(overrides)
    return fields


def test_create_fills_birth_date_and_keeps_history(tree, community_secretary):
    member = member_create(actor=community_secretary, **_fields(tree.grid))
    assert member.birth_date == datetime.date(1980, 5, 4)
    record = member.history.get()
    assert record.history_type == "+" and record.history_user == community_secretary


def test_lowercase_x_is_stored_uppercase(tree, district_user):
    number = make_id_number("410105", datetime.date(1970, 1, 2), 2)
    while not number.endswith("X"):
        number = make_id_number("410105", datetime.date(1970, 1, 2), int(number[14:17]) + 1)
    member = member_create(actor=district_user, **_fields(tree.grid, id_number=number.lower()))
    assert member.id_number == number


def test_duplicate_id_number_is_a_field_error(tree, district_user):
    member_create(actor=district_user, **_fields(tree.grid))
    with pytest.raises(ValidationError) as exc:
        member_create(actor=district_user, **_fields(tree.other_grid, name="另一个"))
    assert "id_number" in exc.value.message_dict
    assert Member.objects.filter(name="另一个").count() == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"birth_date": datetime.date(1981, 5, 4)}, "birth_date"),
        ({"id_number": "410105198005043110"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"status": MemberStatus.PROBATIONARY}, "full_member_on"),
        ({"full_member_on": None}, "full_member_on"),
        ({"joined_on": datetime.date(1979, 1, 1)}, "joined_on"),
        ({"category": "nonsense"}, "category"),
    ],
)
def test_invalid_records_are_refused_by_field(tree, district_user, overrides, field):
    with pytest.raises(ValidationError) as exc:
        member_create(actor=district_user, **_fields(tree.grid, **overrides))
    assert field in exc.value.message_dict
    assert not Member.objects.filter(name="赵强").exists()


def test_political_birthday(tree):
    member = tree.member
    member.joined_on = datetime.date(2004, 2, 29)
    assert member.political_birthday(2026) == datetime.date(2026, 2, 28)
    assert member.political_birthday(2028) == datetime.date(2028, 2, 29)


def test_update_records_who_changed_what(tree, community_secretary):
    member_update(actor=community_secretary, member=tree.member, phone="13700001111")
    latest, previous = tree.member.history.all()[:2]
    assert latest.history_user == community_secretary
    delta = latest.diff_against(previous)
    assert [c.field for c in delta.changes] == ["phone"]


def test_secretary_cannot_touch_foreign_members(tree, community_secretary):
    with pytest.raises(PermissionDenied):
        member_update(actor=community_secretary, member=tree.other_member, name="x")
    with pytest.raises(PermissionDenied):
        member_delete(actor=community_secretary, member=tree.other_member)
    with pytest.raises(PermissionDenied):
        member_create(actor=community_secretary, **_fields(tree.other_grid))
    with pytest.raises(PermissionDenied):
        member_update(actor=community_secretary, member=tree.member, org=tree.other_grid)
    assert Member.objects.get(pk=tree.member.pk).org == tree.grid


def test_member_selector_scope(tree, community_secretary, street_secretary, district_user, resident):
    assert list(member_list(user=community_secretary)) == [tree.member]
    assert list(member_list(user=street_secretary)) == [tree.member]
    assert set(member_list(user=district_user)) == {tree.member, tree.other_member}
    assert not member_list(user=resident).exists()
    assert member_can_reveal(user=community_secretary, member=tree.member)
    assert not member_can_reveal(user=community_secretary, member=tree.other_member)


def test_member_list_query_count(tree, district_user, django_assert_num_queries):
    from tests.factories import MemberFactory

    MemberFactory.create_batch(20, org=tree.building)
    with django_assert_num_queries(2):
        rows = [(m.name, m.org.name) for m in member_list(user=district_user)]
    assert len(rows) == 22
