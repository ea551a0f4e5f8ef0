"""Demo records behind the district's figures, so that the demo dashboard shows the 2018 report's numbers.

Run by `seed_demo` (demo/tree.py EXTENSIONS) after each copy's tree, members and accounts exist, in that
copy's transaction. At scale 1 the records add up exactly to the report's figures; at scale N, N times them:

- two-new organizations: 1,000 non-public enterprises, 730 covered (73%); 300 social organizations,
  240 covered (80%); 216 party-building instructors;
- 31 party service stations in office buildings and business districts, 228 in non-public organizations,
  covering 4,326 enterprises ("4,300+"); one red home per street (17);
- 2017: 653 joint meetings, 609 problems resolved, 196 resource-sharing agreements, 647 joint services;
- 2017: 810 village visits, 419 solved on the spot, 203 registered and transferred, 192 completed (95%);
- 720 residents' issues resolved through 一征三议两公开 (plus a few still in progress);
- star ratings of every building group in 2016 and 2017; the 4 weak and lax villages rectified in 2017;
- 2017's party dues refunded to two-new organizations with their own party organization: 100 paid, adding up
  to 241,680.00 yuan ("24万余元"), and a few still proposed, approved or sent back.

The yearly figures are the report's 2017 figures, so those records are dated 2017; the current year has its
own joint meetings and village visits from 1 January to the seeding day at the same pace (the dashboard opens
on the current year, and shows any other year on request).

Written copy by copy (`seed_copy`), each copy's records hanging off its own nodes. Deterministic: each copy's
records are drawn from the copy's own `random.Random` in a fixed order over nodes sorted by code.
"""

import datetime
import sys
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from demo.tree import seed_all
from grids.models import Kind, Level

from community.models import (
    Coverage,
    DuesRefund,
    Instructor,
    IssueCategory,
    IssueStage,
    JointMeeting,
    OrgKind,
    Pairing,
    RedHome,
    RefundStatus,
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

YEAR = 2017
BATCH = 2000

#: Per copy of the district. coverage: (own, joint, instructor, none); rule: how many non-own ones have 3+ members.
ORGS = {
    OrgKind.ENTERPRISE: {"coverage": (400, 200, 130, 270), "rule_broken": (12, 5, 8)},
    OrgKind.SOCIAL: {"coverage": (120, 60, 60, 60), "rule_broken": (3, 1, 2)},
}
INSTRUCTORS = 216
FULL_TIME_INSTRUCTORS = 48
STATIONS = {StationKind.BUILDING: 19, StationKind.BUSINESS_DISTRICT: 12, StationKind.NONPUBLIC: 228}
ENTERPRISES_COVERED = 4326
UNITS = 260
STREET_PAIRINGS = 120
MEETINGS, PROBLEMS_RESOLVED, PROBLEMS_UNRESOLVED, AGREEMENTS, JOINT_SERVICES = 653, 609, 37, 196, 647
VISITS = {VisitOutcome.SOLVED: 419, VisitOutcome.TRANSFERRED: 203, VisitOutcome.ADVISED: 188}
VISITS_COMPLETED = 192
ISSUES_RESOLVED, ISSUES_OPEN = 720, 48
WEAK_VILLAGES = 4
#: 2017's dues refunds per copy of the district: how many in each status, and what the paid ones add up to.
REFUNDS = {RefundStatus.PAID: 100, RefundStatus.APPROVED: 8, RefundStatus.PROPOSED: 6, RefundStatus.RETURNED: 3}
REFUNDS_PAID_TOTAL = Decimal("241680.00")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅玉兰海峰鹏飞雪晶婷宇浩然博文欣怡思琪子轩"
_ENTERPRISE_WORDS = ("华信 中原 金水 豫商 宏达 恒瑞 博远 正弘 鑫源 汇通 瑞祥 安泰 天成 永盛 嘉和 中科 新锐 创想 "
                     "绿源 东方 银河 锦程 德润 万邦 兴业 联创 启明 亿达 同泰 凯盛").split()
_ENTERPRISE_TRADES = ("科技有限公司 商贸有限公司 信息技术有限公司 建筑工程有限公司 物业服务有限公司 餐饮管理有限公司 "
                      "文化传媒有限公司 医药有限公司 教育咨询有限公司 电子商务有限公司").split()
_SOCIAL_TRADES = ("志愿者协会 社会工作服务中心 养老服务中心 商会 行业协会 文化促进会 青少年服务中心 "
                  "社区发展基金会 调解服务中心 助残服务社").split()
_UNIT_KINDS = ("省直机关 市直机关 中学 小学 医院 银行支行 供电公司 燃气公司 邮政支局 派出所 税务分局 国有企业 "
               "高校 科研院所 事业单位").split()
_BUILDINGS = "国际大厦 商务中心 金融广场 科技大厦 财富广场 时代大厦 中心广场 创业园 写字楼 总部基地".split()
_DISTRICTS = "花园路商圈 紫荆山商圈 二七商圈 北环商圈 经三路商圈 曼哈顿商圈 国贸商圈 丹尼斯商圈".split()
_MEETING_TOPICS = ("共建项目对接 辖区环境整治 老旧小区改造协商 志愿服务联动 资源共享签约 帮扶困难群众 "
                   "停车难治理 文明城市创建 安全生产联查 便民服务进社区").split()
_VISIT_MATTERS = ("宅基地咨询 低保申请 医保报销 邻里纠纷 道路维修 路灯损坏 环境卫生 证明开具 就业咨询 "
                  "拆迁安置 养老补贴 户籍办理").split()
_ISSUE_TITLES = {
    IssueCategory.OWNERLESS_COMPOUND: "无主管楼院治理",
    IssueCategory.OLD_ESTATE: "老旧小区改造",
    IssueCategory.ENVIRONMENT: "环境整治",
    IssueCategory.OTHER: "居民议事",
}
_WEAK_PREFERRED = ("路砦村", "西北地村")


def _name(rng):
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng):
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _day(rng, year, first_month=1, last_month=12):
    start = datetime.date(year, first_month, 1)
    end = datetime.date(year + (last_month == 12), 1 if last_month == 12 else last_month + 1, 1)
    return start + datetime.timedelta(days=rng.randrange((end - start).days))


def _spread(rng, total, slots):
    """`total` units spread at random over `slots` slots (a list of counts)."""
    counts = [0] * slots
    for _ in range(total):
        counts[rng.randrange(slots)] += 1
    return counts


def _spread_at_least_one(rng, total, slots):
    counts = [1] * slots
    for _ in range(total - slots):
        counts[rng.randrange(slots)] += 1
    return counts


def _credit_code(kind, copy, number):
    head = "91" if kind == OrgKind.ENTERPRISE else "52"
    # Two digits for the copy: copy 100 is "00" (copies 1–99 keep their number).
    first17 = f"{head}410105{copy % 100:02d}{number:07d}"
    return first17 + uscc_check_char(first17)


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)
    return rows


class _Tree:
    """The seeded tree of one copy of the district, read once: nodes by level (sorted by code)."""

    def __init__(self, streets, level2, groups):
        self.streets = streets
        self.level2 = level2
        self.villages = [r for r in level2 if r[3] == Kind.VILLAGE] or level2
        self.groups = groups

    @classmethod
    def read(cls, copy):
        nodes = copy.nodes()
        rows = nodes.filter(level__lte=Level.COMMUNITY).order_by("code").values_list(
            "pk", "code", "name", "kind", "level", "parent_id", "path"
        )
        streets = [r for r in rows if r[4] == Level.STREET]
        level2 = [r for r in rows if r[4] == Level.COMMUNITY]
        groups = list(nodes.filter(level=Level.BUILDING_GROUP).order_by("code").values_list("pk", flat=True))
        return cls(streets, level2, groups)


def seed(*, scale, seed, hashed_password=None, today=None):
    """Write the demo records of every copy of an already built district; returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password,
                    today=today or datetime.date.today())


def seed_copy(copy):
    """Write one copy's demo records (in seed_demo's transaction for that copy); returns [(label, count)] lines."""
    rng = copy.rng("community")
    tree = _Tree.read(copy)
    if not tree.streets or not tree.level2:
        return []
    today = copy.today
    counts = {}

    def add(key, n):
        counts[key] = counts.get(key, 0) + n

    street_of = {r[0]: r for r in tree.streets}
    _seed_copy(rng, tree, street_of, copy.number, today, add)
    # Their own random stream, so that adding refunds left every other demo record as it was.
    add("refunds", _seed_refunds(copy.rng("community-refunds"), copy))
    # This year's meetings and visits so far (their own stream too): the dashboard opens on the current year.
    _seed_this_year(copy.rng("community-this-year"), tree, 1, today, add)

    homes = [
        RedHome(node_id=pk, name=f"{name}红色家园", address=f"{name}党群服务站", area_m2=rng.randrange(200, 900),
                opened_on=_day(rng, 2016))
        for pk, _code, name, *_rest in tree.streets
    ]
    add("homes", len(_bulk(RedHome, homes)))

    ratings = []
    for pk in tree.groups:
        stars = rng.choices((1, 2, 3, 4, 5), weights=(5, 15, 35, 30, 15))[0]
        ratings.append(StarRating(node_id=pk, stars=stars, rated_on=datetime.date(2016, 12, 20)))
        stars = max(1, min(5, stars + rng.choice((-1, 0, 0, 1, 1))))
        ratings.append(StarRating(node_id=pk, stars=stars, rated_on=datetime.date(2017, 12, 20)))
    add("ratings", len(_bulk(StarRating, ratings)))

    return [
        (_("two-new organizations (non-public enterprises and social organizations)"), counts.get("orgs", 0)),
        (_("party-building instructors"), counts.get("instructors", 0)),
        (_("party service stations"), counts.get("stations", 0)),
        (_("red homes"), counts.get("homes", 0)),
        (_("resident units"), counts.get("units", 0)),
        (_("pairings with streets and communities"), counts.get("pairings", 0)),
        (_("joint meetings"), counts.get("meetings", 0)),
        (_("village visits"), counts.get("visits", 0)),
        (_("joint meetings this year so far"), counts.get("meetings_now", 0)),
        (_("village visits this year so far"), counts.get("visits_now", 0)),
        (_("residents' issues"), counts.get("issues", 0)),
        (_("building-group star ratings"), counts.get("ratings", 0)),
        (_("weak-and-lax flags"), counts.get("flags", 0)),
        (_("dues refunds to two-new organizations"), counts.get("refunds", 0)),
    ]


def _seed_this_year(rng, tree, scale, today, add):
    """Joint meetings and village visits from 1 January to `today`, at the report's yearly pace.

    Every street meets once in each quarter begun; the rest are communities' meetings. Nothing is dated after
    `today`; a transferred matter is completed within a month, if that day has come.
    """
    first = datetime.date(today.year, 1, 1)
    elapsed = (today - first).days + 1
    share = elapsed / (datetime.date(today.year + 1, 1, 1) - first).days

    def day_between(start, end):
        return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))

    quarters = [q for q in range(4) if datetime.date(today.year, 3 * q + 1, 1) <= today]
    slots = [(street[0], q) for street in tree.streets for q in quarters]
    for _ in range(max(0, round(MEETINGS * scale * share) - len(slots))):
        slots.append((rng.choice(tree.level2)[0], rng.choice(quarters)))
    meetings = []
    for node_id, q in slots:
        start = datetime.date(today.year, 3 * q + 1, 1)
        end = min(today, datetime.date(today.year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)
                  - datetime.timedelta(days=1))
        raised = rng.randint(0, 3)
        meetings.append(JointMeeting(
            node_id=node_id, held_on=day_between(start, end),
            topic=f"{today.year}年第{q + 1}季度党建联席会议：{rng.choice(_MEETING_TOPICS)}",
            units_attending=rng.randint(3, 12), problems_raised=raised,
            problems_resolved=rng.randint(0, raised), agreements_signed=rng.randint(0, 1),
            joint_services=rng.randint(0, 2),
        ))
    add("meetings_now", len(_bulk(JointMeeting, meetings)))

    outcomes = list(VISITS)
    weights = list(VISITS.values())
    visits = []
    for _ in range(max(1, round(sum(VISITS.values()) * scale * share))):
        visited = day_between(first, today)
        outcome = rng.choices(outcomes, weights=weights)[0]
        done = None
        if outcome == VisitOutcome.TRANSFERRED:
            candidate = visited + datetime.timedelta(days=rng.randint(1, 30))
            done = candidate if candidate <= today and rng.random() < 0.95 else None
        visits.append(VillageVisit(
            node_id=rng.choice(tree.villages)[0], visited_on=visited, visitor=_name(rng),
            matter=rng.choice(_VISIT_MATTERS), outcome=outcome, completed_on=done,
        ))
    add("visits_now", len(_bulk(VillageVisit, visits)))


def _seed_copy(rng, tree, street_of, copy, today, add):
    level2, streets = tree.level2, tree.streets

    # Instructors: two per street, the rest in communities.
    instructors = []
    for i in range(INSTRUCTORS):
        node = streets[i % len(streets)] if i < 2 * len(streets) else rng.choice(level2)
        instructors.append(Instructor(
            node_id=node[0], name=_name(rng), phone=_phone(rng), full_time=i < FULL_TIME_INSTRUCTORS,
            appointed_on=_day(rng, rng.choice((2015, 2016, 2017))),
        ))
    _bulk(Instructor, instructors)
    add("instructors", len(instructors))
    street_of_l2 = {r[0]: r[5] for r in level2}
    by_street = {}
    for ins in instructors:
        by_street.setdefault(ins.node_id if ins.node_id in street_of else street_of_l2[ins.node_id], []).append(ins)

    # Two-new organizations.
    orgs, number = [], 0
    for kind, plan in ORGS.items():
        own, joint, by_instructor, none = plan["coverage"]
        broken = dict(zip((Coverage.JOINT, Coverage.INSTRUCTOR, Coverage.NONE), plan["rule_broken"]))
        for coverage, n in ((Coverage.OWN, own), (Coverage.JOINT, joint), (Coverage.INSTRUCTOR, by_instructor),
                            (Coverage.NONE, none)):
            for i in range(n):
                number += 1
                node = rng.choice(level2)
                if coverage == Coverage.OWN:
                    members = rng.randint(3, 40)
                elif i < broken[coverage]:
                    members = rng.randint(3, 6)
                else:
                    members = rng.choice((0, 0, 1, 1, 2))
                instructor = None
                if coverage == Coverage.INSTRUCTOR or (coverage != Coverage.NONE and rng.random() < 0.1):
                    pool = by_street.get(street_of_l2[node[0]]) or instructors
                    instructor = rng.choice(pool)
                word = rng.choice(_ENTERPRISE_WORDS)
                trade = rng.choice(_ENTERPRISE_TRADES if kind == OrgKind.ENTERPRISE else _SOCIAL_TRADES)
                orgs.append(TwoNewOrg(
                    node_id=node[0], kind=kind, name=f"河南{word}{trade}（{number}）",
                    credit_code=_credit_code(kind, copy, number), registered_on=_day(rng, rng.randint(2000, 2017)),
                    address=f"郑州市金水区{node[2]}", employees=members + rng.randint(3, 300),
                    party_members=members, coverage=coverage, instructor=instructor,
                ))
    _bulk(TwoNewOrg, orgs)
    add("orgs", len(orgs))

    # Service stations: in buildings and business districts, and hosted by non-public party organizations.
    with_own = [o for o in orgs if o.coverage == Coverage.OWN]
    n_stations = sum(STATIONS.values())
    covered = _spread_at_least_one(rng, ENTERPRISES_COVERED, n_stations)
    stations = []
    for kind, n in STATIONS.items():
        picked = rng.sample(with_own, n) if kind == StationKind.NONPUBLIC else [None] * n
        for host in picked:
            node_id = host.node_id if host else rng.choice(level2)[0]
            if kind == StationKind.BUILDING:
                name = f"{rng.choice(_ENTERPRISE_WORDS)}{rng.choice(_BUILDINGS)}党员服务站"
            elif kind == StationKind.BUSINESS_DISTRICT:
                name = f"{rng.choice(_DISTRICTS)}党员服务站"
            else:
                name = f"{host.name}党员服务站"
            stations.append(ServiceStation(
                node_id=node_id, kind=kind, name=name[:100], host=host, enterprises_covered=covered[len(stations)],
                opened_on=_day(rng, rng.choice((2015, 2016, 2017))),
            ))
    _bulk(ServiceStation, stations)
    add("stations", len(stations))

    # Resident units paired with their community, some with their street too.
    units = []
    for i in range(UNITS):
        node = rng.choice(level2)
        units.append(ResidentUnit(
            node_id=node[0], name=f"{rng.choice(_ENTERPRISE_WORDS)}{rng.choice(_UNIT_KINDS)}（{copy}-{i + 1}）",
            party_organization=_("party committee"), contact=_name(rng),
        ))
    _bulk(ResidentUnit, units)
    pairings = [Pairing(node_id=u.node_id, unit=u, started_on=_day(rng, rng.choice((2015, 2016)))) for u in units]
    for unit in rng.sample(units, STREET_PAIRINGS):
        pairings.append(Pairing(node_id=street_of_l2[unit.node_id], unit=unit, started_on=_day(rng, 2016)))
    _bulk(Pairing, pairings)
    add("units", len(units))
    add("pairings", len(pairings))

    # 2017's joint meetings: every street each quarter, the rest in communities' quarters.
    slots = [(s, q) for s in streets for q in range(4)]
    community_slots = [(c, q) for c in level2 for q in range(4)]
    need = MEETINGS - len(slots)
    if need > 0:
        extra = rng.sample(community_slots, need) if need <= len(community_slots) else [
            rng.choice(community_slots) for _ in range(need)]
        slots += extra
    slots = slots[:MEETINGS]
    resolved = _spread(rng, PROBLEMS_RESOLVED, MEETINGS)
    unresolved = _spread(rng, PROBLEMS_UNRESOLVED, MEETINGS)
    agreements = _spread(rng, AGREEMENTS, MEETINGS)
    services_ = _spread(rng, JOINT_SERVICES, MEETINGS)
    meetings = [
        JointMeeting(
            node_id=node[0], held_on=_day(rng, YEAR, 3 * q + 1, 3 * q + 3),
            topic=f"{YEAR}年第{q + 1}季度党建联席会议：{rng.choice(_MEETING_TOPICS)}",
            units_attending=rng.randint(3, 12), problems_raised=resolved[i] + unresolved[i],
            problems_resolved=resolved[i], agreements_signed=agreements[i], joint_services=services_[i],
        )
        for i, (node, q) in enumerate(slots)
    ]
    _bulk(JointMeeting, meetings)
    add("meetings", len(meetings))

    # 2017's village visit log.
    outcomes = [o for o, n in VISITS.items() for _ in range(n)]
    rng.shuffle(outcomes)
    visits, completed = [], 0
    for outcome in outcomes:
        visited = _day(rng, YEAR)
        done = None
        if outcome == VisitOutcome.TRANSFERRED and completed < VISITS_COMPLETED:
            completed += 1
            done = visited + datetime.timedelta(days=rng.randint(1, 30))
        visits.append(VillageVisit(
            node_id=rng.choice(tree.villages)[0], visited_on=visited, visitor=_name(rng),
            matter=rng.choice(_VISIT_MATTERS), outcome=outcome, completed_on=done,
        ))
    _bulk(VillageVisit, visits)
    add("visits", len(visits))

    # Residents' issues: resolved ones since 2014, a few in progress now.
    categories = list(_ISSUE_TITLES)
    issues = []
    open_stages = [s for s in IssueStage.values if s != IssueStage.RESOLVED]
    for i in range(ISSUES_RESOLVED + ISSUES_OPEN):
        node = rng.choice(level2)
        category = rng.choices(categories, weights=(25, 30, 30, 15))[0]
        title = f"{_ISSUE_TITLES[category]}：{node[2]}{rng.randint(1, 60)}号院"
        if i < ISSUES_RESOLVED:
            raised = _day(rng, rng.randint(2014, 2017))
            issues.append(ResidentIssue(
                node_id=node[0], title=title, category=category, raised_on=raised, stage=IssueStage.RESOLVED,
                resolved_on=raised + datetime.timedelta(days=rng.randint(15, 150)),
                resolution=_("Solved after the residents' representatives decided; the result was published."),
            ))
        else:
            issues.append(ResidentIssue(
                node_id=node[0], title=title, category=category,
                raised_on=today - datetime.timedelta(days=rng.randint(1, 120)), stage=rng.choice(open_stages),
            ))
    _bulk(ResidentIssue, issues)
    add("issues", len(issues))

    # The weak and lax villages of 2017, rectified by the end of the year.
    villages = [v for v in tree.villages if v[3] == Kind.VILLAGE] or tree.villages
    preferred = [v for v in villages if v[2] in _WEAK_PREFERRED]
    rest = [v for v in villages if v not in preferred]
    rng.shuffle(rest)
    chosen = (preferred + rest)[:WEAK_VILLAGES]
    flags = [
        WeakOrgFlag(
            node_id=v[0], flagged_on=datetime.date(YEAR, 3, 1), reasons=_("Weak leadership; organizational life "
                                                                          "irregular."),
            rectification_plan=_("First secretary sent; study plan with the two studies and one action; "
                                 "monthly review by the street."),
            first_secretary=_name(rng), deadline=datetime.date(YEAR, 12, 31),
            closed_on=datetime.date(YEAR, rng.randint(10, 12), rng.randint(1, 28)),
            closure_note=_("Rectification accepted by the street and the district."),
        )
        for v in chosen
    ]
    _bulk(WeakOrgFlag, flags)
    add("flags", len(flags))


_REFUND_PURPOSES = ("组织党员开展主题党日活动", "购置党员活动室学习资料和设备", "开展“两学一做”学习教育",
                    "组织党员志愿服务活动", "建设党员活动阵地", "开展党员教育培训", "慰问困难党员和老党员")
_RETURN_REASONS = ("返还金额与党费收缴凭证不符，请核实后重新申报。", "经费用途不够具体，请补充活动计划。",
                   "缺少党费收缴明细，请补充后重新申报。")


def _split(rng, total, parts):
    """`total` (Decimal yuan) split into `parts` random amounts of whole fen that add up to it exactly."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    cents = int(total * 100)
    shares = [int(cents * w / sum(weights)) for w in weights]
    shares[-1] += cents - sum(shares)
    return [Decimal(c) / 100 for c in shares]


def _moment(day, rng):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randrange(60))))


def _seed_refunds(rng, copy):
    """2017's dues refunds of one copy of the district over its organizations with their own party organization,
    proposed by the community's secretary, decided by the street's, paid by the district (accounts of
    demo/tree.py: "sec-<code>" and "admin"). Returns how many were written."""
    User = get_user_model()
    nodes = copy.nodes()
    own = list(
        TwoNewOrg.objects.filter(coverage=Coverage.OWN, node__in=nodes).order_by("credit_code")
        .values_list("pk", "credit_code", "party_members", "node__path")
    )
    users = dict(User.objects.filter(username__startswith=f"sec-{copy.prefix}JS").values_list("username", "pk"))
    district = (User.objects.filter(username="admin").values_list("pk", flat=True).first()
                or User.objects.filter(is_superuser=True).order_by("pk").values_list("pk", flat=True).first())
    if not own or district is None:
        return 0
    codes = dict(nodes.filter(level__lte=Level.COMMUNITY).values_list("path", "code"))
    plan = [status for status, n in REFUNDS.items() for _ in range(n)]
    refunds = []
    picked = rng.sample(own, min(len(plan), len(own)))
    paid = _split(rng, REFUNDS_PAID_TOTAL, REFUNDS[RefundStatus.PAID])
    for (pk, _code, members, path), status in zip(picked, plan):
        amount = paid.pop() if status == RefundStatus.PAID else Decimal(rng.randrange(120000, 360000)) / 100
        collected = (amount * Decimal(str(rng.choice((1, 1, 1.2, 1.25, 1.5))))).quantize(Decimal("0.01"))
        codes_on_path = path.strip("/").split("/")
        community = users.get(f"sec-{codes.get('/' + '/'.join(codes_on_path[:2]) + '/', '')}", district)
        street = users.get(f"sec-{codes.get('/' + codes_on_path[0] + '/', '')}", district)
        proposed = datetime.date(YEAR, rng.randint(3, 8), rng.randint(1, 28))
        reviewed = proposed + datetime.timedelta(days=rng.randint(3, 20))
        paid_on = reviewed + datetime.timedelta(days=rng.randint(5, 40))
        decided = status != RefundStatus.PROPOSED
        refunds.append(DuesRefund(
            org_id=pk, year=YEAR, dues_collected=collected, amount=amount,
            purpose=f"{rng.choice(_REFUND_PURPOSES)}（党员{members}名）", status=status,
            proposed_by_id=community, proposed_at=_moment(proposed, rng),
            reviewed_by_id=street if decided else None, reviewed_at=_moment(reviewed, rng) if decided else None,
            return_reason=rng.choice(_RETURN_REASONS) if status == RefundStatus.RETURNED else "",
            paid_by_id=district if status == RefundStatus.PAID else None,
            payment_recorded_at=_moment(paid_on, rng) if status == RefundStatus.PAID else None,
            paid_on=paid_on if status == RefundStatus.PAID else None,
            voucher_number=f"FH{YEAR}-{copy.number:02d}{len(refunds) + 1:04d}" if status == RefundStatus.PAID else "",
        ))
    # With a history entry by the last one who acted, so that the refund's history page is not empty.
    people = User.objects.in_bulk({r.paid_by_id or r.reviewed_by_id or r.proposed_by_id for r in refunds})
    for r in refunds:
        r._history_user = people[r.paid_by_id or r.reviewed_by_id or r.proposed_by_id]
        r._history_date = r.payment_recorded_at or r.reviewed_at or r.proposed_at
    bulk_create_with_history(refunds, DuesRefund, batch_size=BATCH)
    return len(refunds)
