import datetime

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from accounts.models import Role, RoleGrant
from grids.models import Kind, Level, OrgNode
from members.records.models import Member, MemberCategory, MemberStatus
from members.records.validators import make_id_number

KIND_FOR_LEVEL = {1: Kind.STREET, 2: Kind.COMMUNITY, 3: Kind.GRID, 4: Kind.BUILDING_GROUP}


class OrgNodeFactory(DjangoModelFactory):
    """Builds a node in the right place: level, kind and path follow from `parent`."""

    class Meta:
        model = OrgNode

    code = factory.Sequence(lambda n: f"N{n:05d}")
    name = factory.Sequence(lambda n: f"测试组织{n}")
    parent = None
    secretary_name = "张书记"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        level = Level.STREET if parent is None else parent.level + 1
        kwargs.setdefault("level", level)
        kwargs.setdefault("kind", KIND_FOR_LEVEL[level])
        kwargs["path"] = OrgNode.path_for(kwargs["code"], parent)
        return super()._create(model_class, *args, **kwargs)


class StreetFactory(OrgNodeFactory):
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(OrgNodeFactory):
    parent = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class GridFactory(OrgNodeFactory):
    parent = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class BuildingGroupFactory(OrgNodeFactory):
    parent = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"{n}号楼组")


def _id_number(n):
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 37) % 18000)
    return make_id_number("410105", birth, n % 1000)


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = "M"
    id_number = factory.Sequence(_id_number)
    birth_date = factory.LazyAttribute(
        lambda m: datetime.date(int(m.id_number[6:10]), int(m.id_number[10:12]), int(m.id_number[12:14]))
    )
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    joined_on = factory.LazyAttribute(lambda m: m.birth_date.replace(year=m.birth_date.year + 25, day=1))
    full_member_on = factory.LazyAttribute(lambda m: m.joined_on.replace(year=m.joined_on.year + 1))
    status = MemberStatus.FULL
    category = MemberCategory.DIRECT
    org = factory.SubFactory(GridFactory)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # A test that fixes an early joined_on but not the birth date would otherwise meet a sequence-made birth
        # date after it (the sequence walks 1950–1999), and the database refuses joining before birth: make the
        # person 25 at joining, keeping the ID number's own serial.
        joined, birth, number = kwargs.get("joined_on"), kwargs.get("birth_date"), kwargs.get("id_number", "")
        if joined and birth and len(number) == 18 and birth.strftime("%Y%m%d") == number[6:14] and (
                joined < birth.replace(year=birth.year + 18, day=1)):
            birth = birth.replace(year=joined.year - 25, day=1)
            kwargs["birth_date"], kwargs["id_number"] = birth, make_id_number(number[:6], birth, int(number[14:17]))
        return kwargs


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Jinshui-test-2026")
    is_staff = True


def grant(user, role, node=None):
    RoleGrant.objects.create(user=user, role=role, node=node)
    return user


__all__ = [
    "OrgNodeFactory", "StreetFactory", "CommunityFactory", "GridFactory", "BuildingGroupFactory",
    "MemberFactory", "UserFactory", "grant", "Role",
]
