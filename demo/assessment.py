"""Demo data of the assessment cycle, run by seed_demo after the tree and the accounts exist.

Adds the district's party-committee departments, the yearly plans and indicators of every kind of unit,
scores for the last four complete quarters (each quarter then ranked through the quarterly job, so the
snapshots, interview suggestions and ledger rows are real), a year of monthly inspection plans,
inspections, findings with follow-ups and escalations, interviews held, and ten inspectors per copy
(`inspector-01` …). Deterministic: the same seed, scale and day give the same data.
"""

import datetime
import sys
from decimal import Decimal
from random import Random

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from demo.tree import seed_all
from grids.models import OrgNode
from jobs.ledger import run_once

from assessment.models import (
    Department,
    Finding,
    FindingStatus,
    FollowUp,
    Indicator,
    Inspection,
    InspectionPlan,
    Interview,
    InterviewReason,
    InterviewStatus,
    Plan,
    Score,
    UnitLevel,
)
from core.periods import last_complete_quarter, month_end, month_key, parse_quarter, quarter_end, quarters_back
from assessment.services import quarter_publish

DEPARTMENTS = [
    "区委办公室", "区委组织部", "区委宣传部", "区委统战部", "区委政法委", "区委编办", "区直机关工委", "区委党校",
    "区人大常委会机关", "区政府办公室", "区政协机关", "区发展和改革委员会", "区教育局", "区民政局", "区财政局",
    "区人力资源和社会保障局", "区住房和城乡建设局", "区城市管理局", "区卫生健康委员会", "区市场监督管理局",
    "区商务局", "区司法局", "区退役军人事务局", "区信访局",
]

#: (name, maximum, weight %, how it is scored) per kind of unit; weights add up to 100.
INDICATORS = {
    UnitLevel.STREET: [
        ("组织建设", 100, 25, "基层党组织设置、换届、软弱涣散整顿，按台账和抽查评分"),
        ("党员队伍建设", 100, 20, "发展党员“两级备案、两级预审”、党员积分管理落实情况"),
        ("阵地建设", 100, 15, "党群服务中心、红色家园、党员服务站建设和使用"),
        ("区域化党建", 100, 20, "驻区单位结对共建、联席会议、资源共享项目"),
        ("党建责任落实", 100, 20, "书记抓党建述职评议、暗访督查问题整改"),
    ],
    UnitLevel.COMMUNITY: [
        ("三会一课", 100, 25, "组织生活记录完整、按时召开"),
        ("党员管理", 100, 20, "党员信息、党费收缴、积分管理"),
        ("网格党建", 100, 20, "网格党支部、楼栋党小组作用发挥"),
        ("服务群众", 100, 20, "一征三议两公开、群众诉求办结率"),
        ("阵地建设", 100, 15, "活动阵地开放和使用"),
    ],
    UnitLevel.DEPARTMENT: [
        ("政治建设", 100, 25, "学习教育、意识形态工作"),
        ("组织建设", 100, 25, "支部标准化、三会一课"),
        ("作风建设", 100, 20, "作风纪律、督查通报问题"),
        ("党建工作责任制", 100, 30, "党建占部门年度目标50%，按述职评议评分"),
    ],
}
SHARES = {UnitLevel.STREET: 30, UnitLevel.COMMUNITY: 100, UnitLevel.DEPARTMENT: 50}
PLAN_NAMES = {
    UnitLevel.STREET: "{year}年度街道党建工作目标考核",
    UnitLevel.COMMUNITY: "{year}年度社区（村）党建工作考核",
    UnitLevel.DEPARTMENT: "{year}年度区委部门党建工作目标考核",
}

FINDINGS = [
    "三会一课记录不完整，缺少季度党课记录", "党员活动室被挪作他用", "党务公开栏内容未按时更新",
    "党费收缴台账与实际不符", "网格党支部未按月开展主题党日", "发展党员材料缺少预审意见",
    "党群服务中心开放时间与公示不符", "软弱涣散整顿台账缺少整改措施", "楼栋党小组长信息未及时更新",
    "群众诉求登记后未按时办结", "党员积分未按月公示", "联席会议记录缺少问题清单",
]
SUMMARIES = ["暗访检查组织生活和阵地使用情况", "随机抽查党务台账和公开栏", "夜间暗访党群服务中心开放情况",
             "走访群众了解诉求办理情况"]
OUTCOMES = ["书记表态限期整改，一月内报送整改报告", "指出存在问题，要求制定整改清单并按月报告",
            "约谈后已召开专题组织生活会，落实整改措施"]


INSPECTORS_PER_COPY = 10


def _hundredth(value):
    return Decimal(int(round(max(0.0, min(100.0, value)) * 2))) / 2


def seed(*, scale, seed, hashed_password, today):
    """The assessment data of every copy of an already built district, then the rankings; returns the lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password, today=today)


def _plans(today, quarters):
    """The yearly plans and their indicators (written once, with the first copy; read by the others)."""
    years = sorted({parse_quarter(q)[0] for q in quarters} | {today.year})
    plans, created = {}, 0
    for year in years:
        for level, rows in INDICATORS.items():
            plan = Plan.objects.filter(year=year, level=level).first()
            if plan is None:
                plan = Plan.objects.create(year=year, level=level, name=PLAN_NAMES[level].format(year=year),
                                           party_building_share=SHARES[level])
                Indicator.objects.bulk_create([
                    Indicator(plan=plan, position=k, name=name, max_score=m, weight=w, method=how)
                    for k, (name, m, w, how) in enumerate(rows)
                ])
                created += 1
            plans[(year, level)] = (plan, list(plan.indicators.order_by("position")))
    return plans, created


def seed_copy(copy):
    """One copy's departments, ten inspectors, four quarters of scores and a year of inspections (the quarters are
    ranked by `finish`, over every copy)."""
    rng = copy.rng("assessment")
    today, hashed_password = copy.today, copy.hashed_password
    User = get_user_model()
    prefix, suffix = copy.prefix, copy.suffix()

    departments = Department.objects.bulk_create([
        Department(code=f"{prefix}D{i + 1:02d}", name=name + suffix, secretary_name=f"{name[1:3]}书记")
        for i, name in enumerate(DEPARTMENTS)
    ])
    first_inspector = (copy.number - 1) * INSPECTORS_PER_COPY
    inspectors = User.objects.bulk_create([
        User(username=f"inspector-{first_inspector + i + 1:02d}", password=hashed_password, is_staff=True,
             first_name=f"督查员{first_inspector + i + 1:02d}")
        for i in range(INSPECTORS_PER_COPY)
    ])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.INSPECTOR) for u in inspectors])

    quarters = quarters_back(last_complete_quarter(today), 4)
    plans, plans_created = _plans(today, quarters)

    units = list(copy.nodes().filter(level__in=(1, 2)).order_by("path").values_list("pk", "level", "code"))
    admin = User.objects.filter(username="admin").first()
    base = {("org", pk): rng.uniform(72, 94) for pk, _l, _c in units}
    base.update({("department", d.pk): rng.uniform(75, 95) for d in departments})
    scores = []
    for qi, quarter in enumerate(quarters):
        year = parse_quarter(quarter)[0]
        targets = [(("org", pk), UnitLevel.STREET if level == 1 else UnitLevel.COMMUNITY) for pk, level, _c in units]
        targets += [(("department", d.pk), UnitLevel.DEPARTMENT) for d in departments]
        for (kind, pk), level in targets:
            if rng.random() < 0.02:  # a few units are not scored in a quarter: listed apart
                continue
            drift = rng.uniform(-4, 4)
            base[(kind, pk)] += rng.uniform(-1.5, 1.5)
            _plan, indicators = plans[(year, level)]
            for ind in indicators:
                value = _hundredth(base[(kind, pk)] + drift + rng.gauss(0, 5))
                scores.append(Score(quarter=quarter, level=level, indicator=ind, score=value,
                                    max_score=ind.max_score, weight=ind.weight,
                                    evidence=rng.choice(["季度检查台账", "实地查看", "述职评议", "资料审核"]),
                                    entered_by=admin, **{f"{kind}_id": pk}))
    Score.objects.bulk_create(scores, batch_size=5000)

    # A year of monthly unannounced inspections, about a twelfth of the units a month.
    months = []
    year, month = today.year, today.month
    for _month in range(12):
        months.append(month_key(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    months.reverse()
    org_ids = [pk for pk, _l, _c in units]
    order = org_ids[:]
    rng.shuffle(order)
    per_month = max(1, -(-len(order) // 12))
    plans_rows, visits = [], []
    for mi, mk in enumerate(months):
        chosen = [order[(mi * per_month + k) % len(order)] for k in range(per_month)]
        for k, pk in enumerate(dict.fromkeys(chosen)):
            plans_rows.append(InspectionPlan(month=mk, org_id=pk, inspector=inspectors[k % len(inspectors)]))
    InspectionPlan.objects.bulk_create(plans_rows, batch_size=5000)
    for entry in plans_rows:
        last = min(month_end(entry.month), today)
        first = datetime.date(int(entry.month[:4]), int(entry.month[5:]), 1)
        if first > today or rng.random() < (0.5 if last == today else 0.0):
            continue  # this month's are not all done yet
        day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
        published = day + datetime.timedelta(days=5)
        visits.append(Inspection(
            plan=entry, month=entry.month, org_id=entry.org_id, inspector=entry.inspector, visited_on=day,
            summary=rng.choice(SUMMARIES),
            published_at=(datetime.datetime.combine(published, datetime.time(10), tzinfo=datetime.UTC)
                          if published <= today else None),
        ))
    Inspection.objects.bulk_create(visits, batch_size=5000)

    findings, followups = [], []
    for visit in visits:
        for _finding in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            deadline = visit.visited_on + datetime.timedelta(days=rng.choice([15, 30, 30, 45]))
            finding = Finding(inspection=visit, org_id=visit.org_id, description=rng.choice(FINDINGS),
                              found_on=visit.visited_on, deadline=deadline)
            roll = rng.random()
            long_past = deadline < today - datetime.timedelta(days=30)
            closed_share, rectified_share = (0.95, 0.95) if long_past else (0.5, 0.8)
            if deadline >= today and roll < 0.3:
                finding.status = FindingStatus.RECTIFIED  # reported early, waiting for the inspector
            elif deadline < today and roll < closed_share:
                finding.status, finding.closed_on = FindingStatus.CLOSED, max(finding.found_on, min(
                    today, deadline - datetime.timedelta(days=rng.randint(0, 10))))
            elif deadline < today and roll < rectified_share:
                finding.status = FindingStatus.RECTIFIED
            elif deadline < today:  # still open: the monthly job after the deadline escalated it
                escalation = month_end(month_key(deadline.year, deadline.month)) + datetime.timedelta(days=1)
                finding.escalated_on = escalation if escalation <= today else None
            findings.append(finding)
    Finding.objects.bulk_create(findings, batch_size=5000)
    for f in findings:
        if f.status in (FindingStatus.CLOSED, FindingStatus.RECTIFIED):
            reported = min(today, max(f.found_on, (f.closed_on or f.deadline) - datetime.timedelta(days=3)))
            followups.append(FollowUp(finding=f, on=reported, note="已完成整改，报送整改材料",
                                      status=FindingStatus.RECTIFIED))
        if f.status == FindingStatus.CLOSED:
            followups.append(FollowUp(finding=f, author=f.inspection.inspector, on=f.closed_on,
                                      note="复查整改到位，销号", status=FindingStatus.CLOSED))
    FollowUp.objects.bulk_create(followups, batch_size=5000)
    overdue = [
        Interview(org_id=f.org_id, interviewee="", reason=InterviewReason.OVERDUE, finding=f,
                  detail=f"{f.deadline.isoformat()} · {f.description}")
        for f in findings if f.escalated_on
    ]
    secretaries = dict(OrgNode.objects.filter(pk__in={i.org_id for i in overdue}).values_list("pk", "secretary_name"))
    for interview in overdue:
        interview.interviewee = secretaries.get(interview.org_id) or "—"
    Interview.objects.bulk_create(overdue, batch_size=5000)
    return [
        (_("party-committee departments"), len(departments)),
        (_("inspectors"), len(inspectors)),
        (_("assessment plans"), plans_created),
        (_("quarterly scores"), len(scores)),
        (_("inspections"), len(visits)),
        (_("inspection findings"), len(findings)),
    ]


def finish(copy):
    """Publish and rank the four quarters over every copy (through the quarterly job, so the snapshots, interview
    suggestions and ledger rows are real), then hold the interviews the rankings suggested but the latest
    quarter's."""
    rng = Random(f"assessment-interviews-{copy.seed}")
    today = copy.today
    admin = get_user_model().objects.filter(username="admin").first()
    quarters = quarters_back(last_complete_quarter(today), 4)
    for quarter in quarters:  # oldest first, so that each snapshot compares with the one before
        # Published as district staff do it: the few units left unscored are the recorded exception.
        quarter_publish(actor=admin, quarter=quarter, exception_reason=_(
            "Units not assessed this quarter (demo data) are ranked apart."))
        run_once("assessment.quarterly_ranking", quarter)

    held = []
    for interview in (Interview.objects.filter(reason=InterviewReason.RANKING).exclude(quarter=quarters[-1])
                      .order_by("pk")):
        day = quarter_end(interview.quarter) + datetime.timedelta(days=rng.randint(10, 30))
        interview.status, interview.held_on = InterviewStatus.HELD, min(day, today)
        interview.outcome = rng.choice(OUTCOMES)
        interview.follow_up_on = interview.held_on + datetime.timedelta(days=30)
        interview.interviewer = admin
        held.append(interview)
    Interview.objects.bulk_update(held, ["status", "held_on", "outcome", "follow_up_on", "interviewer"],
                                  batch_size=2000)
    return [
        (_("quarters ranked"), len(quarters)),
        (_("interviews"), Interview.objects.count()),
    ]
