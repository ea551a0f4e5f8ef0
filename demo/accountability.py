"""Demo data of accountability, run by seed_demo after the assessment demo (demo/tree.py EXTENSIONS):

- the year's duty reporting (述职评议) of streets, communities and departments: every report written, reviewed
  against the criteria, with a democratic evaluation of about ten anonymous ballots each, the results published
  (ranked, the poor ones proposed for an interview);
- the interviews held get their agreed actions (owners, deadlines; most done, some closed, some overdue);
- a committee for every street, community and grid, terms spread so that some end within 6 months and a few are
  overdue, with the five ones of the newest terms; the reserve-cadre pool, 12–16 per street ("200+");
- eleven standing-committee members with their contact points and the year's visits;
- the year's evaluation computed (a draft, to review and publish), straight through the service rather than the
  job, so that the real year-end run on 1 January still computes the full year.

Deterministic for a seed; bulk inserts (no history rows for demo data).
"""

import datetime
import sys
from collections import Counter
from decimal import Decimal
from random import Random

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from faker.providers.person.zh_CN import Provider as _Names

from accountability import rules
from accountability.models import (
    Ballot,
    CommitteeMember,
    Committee,
    ContactPoint,
    ContactVisit,
    CycleStatus,
    DutyCycle,
    DutyReport,
    FiveOne,
    FiveOneItem,
    ReportStatus,
    ReserveCadre,
    StandingMember,
    Voter,
)
from accountability.services import evaluation_compute
from assessment.models import Department, Interview, InterviewAction, InterviewReason, InterviewStatus, UnitLevel
from assessment.ranking import rank_units
from assessment.services import interview_propose
from demo.tree import seed_all
from grids.models import OrgNode

DUTIES = {
    UnitLevel.STREET: "落实党建工作第一责任人职责\n推进“一征三议两公开”和联席会议制度\n抓好社区党组织换届和后备干部队伍建设\n"
                      "推动党群服务中心和红色家园建设\n整改暗访督查发现的问题",
    UnitLevel.COMMUNITY: "按时召开“三会一课”\n网格党支部、楼栋党小组作用发挥\n党员积分管理和党费收缴\n服务群众、办结群众诉求\n"
                         "整改暗访督查发现的问题",
    UnitLevel.DEPARTMENT: "落实党建占部门年度目标50%的要求\n支部标准化建设\n意识形态工作\n作风建设和督查问题整改",
}
CRITERIA = [{"name": "履职尽责", "max": "40.00"}, {"name": "解决问题", "max": "30.00"},
            {"name": "党建成效", "max": "30.00"}]
COMMENTS = ["责任落实到位，特色亮点突出", "工作扎实，个别台账不够规范", "基本完成任务，服务群众有待加强",
            "党建责任落实不够，整改不到位"]
ACTIONS = ["补齐三会一课记录并报街道备案", "召开专题组织生活会，查摆问题", "整改暗访督查问题清单并逐项销号",
           "完善党员积分管理台账", "制定党群服务中心开放制度并公示"]
STANDING = [("区委书记", 3), ("区委副书记、区长", 3), ("区委副书记", 3), ("区委常委、组织部部长", 3),
            ("区委常委、宣传部部长", 2), ("区委常委、统战部部长", 2), ("区委常委、政法委书记", 2),
            ("区委常委、纪委书记", 2), ("区委常委、常务副区长", 2), ("区委常委、办公室主任", 2), ("区委常委、副区长", 2)]
EDUCATION = ["本科", "本科", "本科", "硕士", "大专"]
POSTS = ["secretary", "deputy", "organization", "propaganda", "discipline"]


_LAST = list(_Names.last_names)[:120]
_FIRST = sorted({name[:1] for name in _Names.first_names})


def _name(rng):
    return rng.choice(_LAST) + "".join(rng.choice(_FIRST) for _ in range(rng.choice((1, 2))))


def _duty_year(rng, year, today, admin, copy):
    """Open (with the first copy), write, review, count and publish the year's duty reporting of every kind of unit
    of the copy (ranked within the copy; `finish` ranks them over every copy)."""
    reports, ballots, voters = [], [], []
    cycles = []
    for level in UnitLevel.values:
        cycle = DutyCycle.objects.filter(year=year, level=level).first() if not copy.first else None
        if cycle is None:
            cycle = DutyCycle.objects.create(year=year, level=level, duties=DUTIES[level], criteria=CRITERIA,
                                             due_on=datetime.date(year, 12, 20), opened_by=admin,
                                             status=CycleStatus.PUBLISHED, published_at=timezone.now())
        cycles.append(cycle)
        if level == UnitLevel.DEPARTMENT:
            units = [({"department_id": d.pk}, d.code, d.secretary_name)
                     for d in Department.objects.filter(code__startswith=f"{copy.prefix}D").order_by("code")]
        else:
            units = [({"org_id": pk}, code, sec) for pk, code, sec in copy.nodes().filter(
                level=1 if level == UnitLevel.STREET else 2).order_by("code").values_list("pk", "code",
                                                                                          "secretary_name")]
        units_ranked = []
        for field, code, secretary in units:
            base = rng.uniform(62, 97)
            lines = [{"name": c["name"], "max": c["max"],
                      "score": str(rules.q2(min(Decimal(c["max"]), Decimal(c["max"]) * Decimal(str(
                          max(0.3, min(1.0, base / 100 + rng.uniform(-0.06, 0.06))))))))} for c in CRITERIA]
            review = sum(Decimal(x["score"]) for x in lines)
            report = DutyReport(cycle=cycle, secretary_name=secretary or "—", status=ReportStatus.REVIEWED,
                                body=f"{year}年度抓基层党建工作述职报告：\n" + "\n".join(
                                    f"{i + 1}. {d}：已按要求落实。" for i, d in enumerate(cycle.duty_list)),
                                submitted_at=timezone.now(), criteria_scores=lines, review_score=review,
                                review_comment=COMMENTS[0 if review >= 90 else 1 if review >= 80 else
                                                        2 if review >= 60 else 3],
                                reviewed_by=admin, reviewed_at=timezone.now(), **field)
            counts = Counter()
            for _voter in range(rng.randint(8, 12)):
                roll = rng.random() + float(review - 75) / 60
                counts["excellent" if roll > 1.0 else "good" if roll > 0.5 else "fair" if roll > 0.1 else "poor"] += 1
            report.democratic_score = rules.democratic_score(counts)
            report.final_score = rules.duty_result(review, report.democratic_score)
            report.grade = rules.grade(report.final_score, rules.DUTY_GRADES)
            report._counts = counts
            reports.append(report)
            units_ranked.append({"report": report, "final": report.final_score, "code": code})
        rank_units(units_ranked, "final")
        for unit in units_ranked:
            unit["report"].rank = unit["rank"]
    DutyReport.objects.bulk_create(reports, batch_size=2000)
    for report in reports:
        n = 0
        for choice, count in sorted(report._counts.items()):
            for _k in range(count):
                kind = "member" if n % 3 else "representative"
                ballots.append(Ballot(report=report, kind=kind, choice=choice))
                n += 1
        voters += [Voter(report=report, kind="member" if k % 3 else "representative",
                         name=f"{'党员' if k % 3 else '居民代表'}{k + 1:02d}", voted_at=timezone.now())
                   for k in range(n)]
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    Voter.objects.bulk_create(voters, batch_size=5000)
    proposed = 0
    for report in reports:
        if report.grade == "poor":
            unit = OrgNode.objects.get(pk=report.org_id) if report.org_id else Department.objects.get(
                pk=report.department_id)
            proposed += interview_propose(unit=unit, reason=InterviewReason.DUTY, interviewee=report.secretary_name,
                                          source_key=f"duty:{report.pk}",
                                          detail=f"{year}年度述职评议：{report.final_score}分，评议为差")[1]
    return reports, len(ballots), proposed


def _interview_actions(rng, today):
    actions = []
    closed = []
    for interview in Interview.objects.filter(status=InterviewStatus.HELD).order_by("pk"):
        n = rng.randint(1, 3)
        all_done = True
        for k in range(n):
            deadline = interview.held_on + datetime.timedelta(days=rng.choice((30, 45, 60)))
            done = deadline < today and rng.random() < 0.85 or rng.random() < 0.2
            done_on = min(today, deadline - datetime.timedelta(days=rng.randint(0, 10))) if done else None
            if done_on is not None and done_on < interview.held_on:
                done_on = interview.held_on
            all_done &= done
            actions.append(InterviewAction(interview=interview, description=ACTIONS[(interview.pk + k) % len(ACTIONS)],
                                           owner_name=interview.interviewee or "—", deadline=deadline,
                                           done_on=done_on, done_note="已完成并报送材料" if done else ""))
        if all_done and rng.random() < 0.7:
            interview.status, interview.closed_on = InterviewStatus.CLOSED, today
            interview.closing_note = "整改措施全部落实，下季度排名回升"
            closed.append(interview)
        interview.minutes = f"约谈时间：{interview.held_on}\n约谈对象：{interview.interviewee}\n{interview.outcome}"
    InterviewAction.objects.bulk_create(actions, batch_size=5000)
    held = list(Interview.objects.filter(status=InterviewStatus.HELD))
    for interview in held:
        interview.minutes = f"约谈对象：{interview.interviewee}\n{interview.outcome}"
    Interview.objects.bulk_update(held, ["minutes"], batch_size=2000)
    Interview.objects.bulk_update(closed, ["status", "closed_on", "closing_note", "minutes"], batch_size=2000)
    return len(actions), len(closed)


def _committees(rng, today, copy):
    committees, members, items = [], [], []
    nodes = list(copy.nodes().filter(level__in=(1, 2, 3)).order_by("path").values_list(
        "pk", "level", "secretary_name", "secretary_phone"))
    for pk, level, secretary, phone in nodes:
        years = 5 if level <= 2 else 3
        # Terms spread over the last `years`: about 1 in 10 ends within 6 months, a few are overdue.
        roll = rng.random()
        if roll < 0.03:
            end = today - datetime.timedelta(days=rng.randint(10, 120))
        elif roll < 0.13:
            end = today + datetime.timedelta(days=rng.randint(5, 180))
        else:
            end = today + datetime.timedelta(days=rng.randint(181, 365 * years - 1))
        start = end - relativedelta(years=years)
        committee = Committee(org_id=pk, term_start=start, term_years=years, term_end=end)
        committees.append(committee)
        committee._people = [(secretary or _name(rng), "secretary", phone)] + [
            (_name(rng), post, "") for post in (POSTS[1:] if level <= 2 else ["organization", "propaganda"])]
    Committee.objects.bulk_create(committees, batch_size=5000)
    for committee in committees:
        members += [CommitteeMember(committee=committee, name=n, post=p, phone=ph or "") for n, p, ph in committee._people]
        if committee.term_start > today - relativedelta(years=1):
            due = committee.term_start + relativedelta(months=3)
            for kind in FiveOne.values:
                done = due < today and rng.random() < 0.9 or rng.random() < 0.4
                items.append(FiveOneItem(committee=committee, kind=kind, due_on=due, note="已完成" if done else "",
                                         done_on=min(today, committee.term_start + datetime.timedelta(
                                             days=rng.randint(5, 80))) if done else None))
    CommitteeMember.objects.bulk_create(members, batch_size=5000)
    FiveOneItem.objects.bulk_create(items, batch_size=5000)
    return len(committees), sum(1 for c in committees if c.term_end < today + datetime.timedelta(days=183))


def _reserve(rng, today, copy):
    cadres = []
    for street in copy.nodes().filter(level=1).order_by("code"):
        names = set()
        for k in range(rng.randint(12, 16)):
            source = ("graduate", "graduate", "community_worker", "street_staff")[k % 4]
            age = rng.randint(23, 30) if source == "graduate" else rng.randint(28, 48)
            name = _name(rng)
            while name in names:
                name = _name(rng)
            names.add(name)
            cadres.append(ReserveCadre(
                street=street, name=name, gender=rng.choice("MF"), source=source,
                birth_date=today - relativedelta(years=age, days=rng.randint(0, 364)),
                education=rng.choice(EDUCATION), joined_on=today - datetime.timedelta(days=rng.randint(30, 900)),
                training=rng.choice(["区委党校青年干部培训班", "社区工作者岗前培训", "街道跟班学习三个月"]),
                assessment=rng.choice(["优秀", "称职", "称职", "表现突出，可重点培养"])))
    ReserveCadre.objects.bulk_create(cadres, batch_size=5000)
    return len(cadres)


def _contacts(rng, today, admin, copy):
    """The district's standing-committee members, with contact points in the first copy."""
    streets = list(copy.nodes().filter(level=1).order_by("code"))
    communities = list(copy.nodes().filter(level=2).order_by("code"))
    points, visits = [], []
    for i, (post, count) in enumerate(STANDING):
        member = StandingMember.objects.create(name=_name(rng), post=post)
        chosen = [streets[i % len(streets)]] + rng.sample(communities, min(count - 1, len(communities)))
        for org in chosen:
            points.append(ContactPoint(member=member, org=org, since=datetime.date(today.year - 1, 3, 1)))
    ContactPoint.objects.bulk_create(points)
    for point in points:
        for _k in range(rng.randint(3, 7)):
            day = datetime.date(today.year, 1, 1) + datetime.timedelta(
                days=rng.randint(0, (today - datetime.date(today.year, 1, 1)).days))
            problems = rng.randint(0, 4)
            visits.append(ContactVisit(point=point, visited_on=day, summary="走访调研基层党建工作，听取群众意见",
                                       problems=problems, solved=rng.randint(0, problems), recorded_by=admin,
                                       problem_notes="群众反映的问题已登记交办" if problems else ""))
    ContactVisit.objects.bulk_create(visits, batch_size=5000)
    return len(points), len(visits)


def seed(*, scale, seed, hashed_password, today):
    """Accountability over every copy of an already built district, then the district-wide ranking and evaluation;
    returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password, today=today)


def seed_copy(copy):
    """One copy's duty reports with their ballots, committees and reserve cadres (and, with the first copy, the
    standing committee's contact points and visits)."""
    rng = copy.rng("accountability")
    today = copy.today
    admin = get_user_model().objects.filter(username="admin").first()
    reports, ballots, proposed = _duty_year(rng, today.year, today, admin, copy)
    committees, ending = _committees(rng, today, copy)
    cadres = _reserve(rng, today, copy)
    points, visits = _contacts(rng, today, admin, copy) if copy.first else (0, 0)
    return [
        (_("duty reports"), len(reports)),
        (_("ballots"), ballots),
        (_("committees"), committees),
        (_("reserve cadres"), cadres),
        (_("contact visits"), visits),
    ]


def finish(copy):
    """Rank the year's duty reports over every copy, give the held interviews (ranked by the assessment demo's
    finish) their agreed actions, and compute the year's evaluation (a draft), straight through the service."""
    year = copy.today.year
    if copy.scale > 1:
        for cycle in DutyCycle.objects.filter(year=year):
            units = [{"pk": pk, "final": final, "code": org_code or department_code} for pk, final, org_code,
                     department_code in DutyReport.objects.filter(cycle=cycle).values_list(
                         "pk", "final_score", "org__code", "department__code")]
            rank_units(units, "final")
            DutyReport.objects.bulk_update([DutyReport(pk=u["pk"], rank=u["rank"]) for u in units], ["rank"],
                                           batch_size=2000)
    actions, closed = _interview_actions(Random(f"accountability-actions-{copy.seed}"), copy.today)
    evaluation_compute(year)
    return [(_("agreed actions"), actions)]
