"""Builders of community records for tests (direct inserts, no scope checks)."""

import datetime
import itertools

from community.models import (
    Coverage,
    Instructor,
    JointMeeting,
    OrgKind,
    Pairing,
    RedHome,
    ResidentIssue,
    ResidentUnit,
    ServiceStation,
    StarRating,
    StationKind,
    TwoNewOrg,
    VillageVisit,
    VisitOutcome,
    WeakOrgFlag,
    uscc_check_char,
)
from grids.models import Kind, OrgNode
from tests.factories import BuildingGroupFactory, CommunityFactory

DAY = datetime.date(2017, 5, 10)
_numbers = itertools.count(1)


def credit_code(kind=OrgKind.ENTERPRISE):
    first17 = f"{'91' if kind == OrgKind.ENTERPRISE else '52'}410105{next(_numbers):09d}"
    return first17 + uscc_check_char(first17)


def instructor(node, **kw):
    return Instructor.objects.create(node=node, name=kw.pop("name", "指导员"), appointed_on=DAY, **kw)


def org(node, *, kind=OrgKind.ENTERPRISE, members=0, coverage=Coverage.NONE, instructor=None, **kw):
    if coverage == Coverage.INSTRUCTOR and instructor is None:
        instructor = globals()["instructor"](node)
    return TwoNewOrg.objects.create(
        node=node, kind=kind, name=kw.pop("name", "测试企业"), credit_code=credit_code(kind), registered_on=DAY,
        party_members=members, employees=members + 10, coverage=coverage, instructor=instructor, **kw,
    )


def station(node, *, kind=StationKind.BUILDING, host=None, covered=10):
    return ServiceStation.objects.create(node=node, kind=kind, name="服务站", host=host, enterprises_covered=covered,
                                         opened_on=DAY)


def red_home(street):
    return RedHome.objects.create(node=street, name=f"{street.name}红色家园", opened_on=DAY)


def unit(node):
    return ResidentUnit.objects.create(node=node, name="驻区单位")


def pairing(node, unit_=None):
    return Pairing.objects.create(node=node, unit=unit_ or unit(node), started_on=DAY)


def meeting(node, *, held_on=DAY, raised=3, resolved=2, agreements=1, services=1):
    return JointMeeting.objects.create(node=node, held_on=held_on, topic="联席会议", problems_raised=raised,
                                       problems_resolved=resolved, agreements_signed=agreements,
                                       joint_services=services)


def issue(node, *, resolved=False, raised_on=DAY):
    if resolved:
        return ResidentIssue.objects.create(node=node, title="老旧小区改造", raised_on=raised_on, stage="resolved",
                                            resolved_on=raised_on + datetime.timedelta(days=30), resolution="已解决")
    return ResidentIssue.objects.create(node=node, title="环境整治", raised_on=raised_on)


def village(street, code=None):
    code = code or f"{street.code}V01"
    return OrgNode.objects.filter(code=code).first() or CommunityFactory(
        code=code, parent=street, kind=Kind.VILLAGE, name="路砦村"
    )


def visit(node, *, outcome=VisitOutcome.SOLVED, completed=False, visited_on=DAY):
    return VillageVisit.objects.create(
        node=node, visited_on=visited_on, visitor="张三", matter="低保申请", outcome=outcome,
        completed_on=visited_on + datetime.timedelta(days=3) if completed else None,
    )


def building(grid, code=None):
    code = code or f"{grid.code}BX"
    return OrgNode.objects.filter(code=code).first() or BuildingGroupFactory(code=code, parent=grid)


def rating(node, stars=3, rated_on=DAY):
    return StarRating.objects.create(node=node, stars=stars, rated_on=rated_on)


def weak_flag(node, *, closed=False):
    return WeakOrgFlag.objects.create(
        node=node, flagged_on=DAY, reasons="组织生活不规范", rectification_plan="选派第一书记",
        first_secretary="李书记", closed_on=DAY + datetime.timedelta(days=100) if closed else None,
    )
