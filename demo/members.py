"""Demo data for member work: a year of development candidates (with their steps and filings), points and
political-birthday greetings. Run by `seed_demo` (demo/tree.py EXTENSIONS) after the tree, members and
accounts exist. Deterministic for a seed; bulk inserts only (no history rows for demo data)."""

import datetime
import sys
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from demo.tree import seed_all
from members.development.models import Candidate, DevelopmentStep, FilingStatus, StageFiling, StepRecord
from members.dues.models import DuesKind, DuesPayment
from members.dues.services import dues_monthly_amount
from members.orglife.models import Attendance, Meeting
from members.orglife.services import ATTENDANCE_POINTS
from members.points.models import PointCategory, PointEntry
from members.records.models import BirthdayGreeting, Member
from members.records.validators import make_id_number
from members.selfservice.models import MemberAccount
from members.training.models import Choice, Enrolment, Question, Quiz, QuizAttempt, SignIn, TrainingClass
from members.transfers.models import Transfer, TransferStatus

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
REVIEWERS = ("李书记", "王书记", "张委员", "刘委员")
REASONS = {
    PointCategory.ORG_LIFE: ("参加主题党日", "参加支部党员大会", "参加党课"),
    PointCategory.ROLE: ("楼栋长履职", "调解邻里纠纷", "带头垃圾分类"),
    PointCategory.VOLUNTEER: ("社区志愿服务", "疫情防控值守", "文明交通劝导"),
    PointCategory.STUDY: ("学习强国积分达标", "党校培训结业", "读书分享"),
    PointCategory.OTHER: ("无故缺席组织生活",),
}
CANDIDATES_PER_COMMUNITY = 3


def _schedule(start, rng):
    """Valid dates for the 25 steps from an application date (the interval rules hold)."""
    days = {1: start}
    gaps = {2: 15, 3: 40, 4: 7, 5: 3, 6: 150, 8: 7, 9: 5, 10: 20, 11: 30, 12: 20, 13: 5, 14: 5, 15: 5, 16: 5,
            17: 15, 18: 4, 19: 5, 20: 5, 21: 150, 22: 140, 24: 15, 25: 9}
    for n in range(2, 26):
        if n == 7:
            days[7] = days[3] + relativedelta(months=12) + datetime.timedelta(days=rng.randint(1, 30))
        elif n == 23:
            days[23] = max(days[15] + relativedelta(months=12), days[22]) + datetime.timedelta(days=rng.randint(0, 10))
        else:
            days[n] = days[n - 1] + datetime.timedelta(days=gaps[n] + rng.randint(0, 5))
    return days


def seed(*, scale, seed, hashed_password=None, today=None):
    """Member work of every copy of an already built district; returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password,
                    today=today or timezone.localdate())


def seed_copy(copy):
    """One copy's candidates, points, greetings, branch meetings, dues, transfers and party-school enrolments (the
    26 classes and their quizzes are the district's, written with the first copy)."""
    today = copy.today
    rng = copy.rng("members")
    recorder = get_user_model().objects.filter(username="admin").first() or get_user_model().objects.order_by(
        "pk").first()
    if recorder is None:
        return []
    steps = {s.number: s for s in DevelopmentStep.objects.all()}
    decides = {n: s.stage for n, s in steps.items() if s.decides_stage}
    nodes = copy.nodes()
    communities = list(nodes.filter(level=2).order_by("path").values_list("pk", flat=True))
    grids_by_community = {}
    for pk, parent_id in nodes.filter(level=3).order_by("path").values_list("pk", "parent_id"):
        grids_by_community.setdefault(parent_id, []).append(pk)

    # Development: candidates spread over the pipeline, each with the steps done by today.
    # ID numbers go on from the candidates of the copies before (each has its own sequence number).
    candidates, plans, sequence = [], [], Candidate.objects.count()
    for community in communities:
        for _n in range(CANDIDATES_PER_COMMUNITY):
            sequence += 1
            gender = rng.choice("MF")
            id_number, birth = _id(sequence, gender)
            start = today - datetime.timedelta(days=rng.randint(20, 1200))
            dates = _schedule(start, rng)
            done = [n for n in range(1, 26) if dates[n] <= today]
            org = rng.choice(grids_by_community.get(community, [community]))
            stage = 1
            filings = []
            for n in done:
                if n in decides:
                    filed = dates[n] + datetime.timedelta(days=rng.randint(3, 10))
                    approved = filed <= today and n != done[-1]
                    filings.append((decides[n], dates[n], filed if approved else None))
                    if approved:
                        stage = decides[n]
            # Steps after a decision the street has not filed yet cannot be done: stop there.
            open_at = next((n for n in done if n in decides and decides[n] > stage), None)
            if open_at is not None:
                done = [n for n in done if n <= open_at]
            candidates.append(Candidate(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), gender=gender,
                id_number=id_number, birth_date=birth, org_id=org, stage=min(stage, 3),
                completed_on=None,
            ))
            plans.append((dates, done, [f for f in filings if f[0] <= 3]))
    Candidate.objects.bulk_create(candidates, batch_size=2000)
    records, filing_rows = [], []
    for candidate, (dates, done, filings) in zip(candidates, plans):
        for n in done:
            if n > 16:
                break  # demo candidates stop before the probationary decision (members come from demo/tree.py)
            records.append(StepRecord(candidate=candidate, step=steps[n], done_on=dates[n],
                                      reviewer=REVIEWERS[n % len(REVIEWERS)], recorded_by=recorder))
        for stage, proposed, approved in filings:
            filing_rows.append(StageFiling(
                candidate=candidate, stage=stage, community_by=recorder, community_on=proposed,
                status=FilingStatus.APPROVED if approved else FilingStatus.PROPOSED,
                street_by=recorder if approved else None, street_on=approved,
            ))
    StepRecord.objects.bulk_create(records, batch_size=5000)
    StageFiling.objects.bulk_create(filing_rows, batch_size=2000)

    # Points over the past year, and greetings for the political birthdays of the last 90 days.
    members = list(Member.objects.filter(org__in=nodes).order_by("pk").values_list("pk", "joined_on"))
    categories = list(REASONS)
    entries, greetings = [], []
    year_start = today.replace(month=1, day=1)
    for pk, joined in members:
        for _n in range(rng.randint(0, 2)):
            category = rng.choice(categories)
            points = -2 if category == PointCategory.OTHER else rng.choice((1, 2, 2.5, 3, 5))
            entries.append(PointEntry(member_id=pk, on=today - datetime.timedelta(days=rng.randint(0, 364)),
                                      category=category, points=points, reason=rng.choice(REASONS[category]),
                                      recorded_by=recorder))
        try:
            birthday = joined.replace(year=today.year)
        except ValueError:
            birthday = datetime.date(today.year, 2, 28)
        if max(year_start, today - datetime.timedelta(days=90)) <= birthday <= today and joined.year < today.year:
            greetings.append(BirthdayGreeting(member_id=pk, year=today.year, on=birthday,
                                              party_years=today.year - joined.year))
    PointEntry.objects.bulk_create(entries, batch_size=5000)
    BirthdayGreeting.objects.bulk_create(greetings, batch_size=5000, ignore_conflicts=True)
    more = _seed_org_life_dues_training(rng, today, recorder, communities, copy)
    more += _seed_quizzes_and_accounts(rng, today, recorder, copy)
    return more + [
        (_("development candidates"), len(candidates)),
        (_("development step records"), len(records)),
        (_("stage filings"), len(filing_rows)),
        (_("points entries"), len(entries)),
        (_("political birthday greetings"), len(greetings)),
    ]


def _id(sequence, gender):
    """(ID number, birth date), distinct for every sequence number (order codes 9xx: odd for men)."""
    birth = datetime.date(1985, 1, 1) + datetime.timedelta(days=sequence % 6000)
    order = 900 + (sequence // 6000) * 2 + (1 if gender == "M" else 0)
    return make_id_number("410105", birth, order), birth


def _month_starts(today, count):
    first = today.replace(day=1)
    return [first - relativedelta(months=k) for k in range(count)]


def _seed_org_life_dues_training(rng, today, recorder, communities, copy):
    """A year of theme party days per community (attendance and points for the latest), this month's dues,
    transfers both ways, and the street party schools' 26 classes with a third of the members enrolled (the
    rotation takes three years)."""
    copy_nodes = copy.nodes()
    nodes = dict(copy_nodes.filter(level=2).values_list("pk", "path"))
    members = list(Member.objects.filter(org__in=copy_nodes).order_by("pk").values_list("pk", "org__path", "org_id"))
    by_community = {}
    for pk, path, _org in members:
        community_path = "/".join(path.split("/")[:3]) + "/"
        by_community.setdefault(community_path, []).append(pk)

    meetings, latest = [], {}
    months = _month_starts(today, 12)
    # The street secretary reviews a community's meetings (never their recorder, the district's admin).
    street_of = dict(copy_nodes.filter(level=2).values_list("pk", "parent__code"))
    secretaries = {u.username: u for u in get_user_model().objects.filter(username__startswith=f"sec-{copy.prefix}JS")}
    for community in communities:
        reviewer = secretaries.get(f"sec-{street_of.get(community)}")
        if reviewer is not None and reviewer.pk == recorder.pk:
            reviewer = None
        for month in months:
            held = month + datetime.timedelta(days=rng.randint(0, 9))
            if held > today:
                held = today
            meeting = Meeting(org_id=community, kind="theme_day", held_on=held, topic=f"{held:%Y年%m月}主题党日",
                              minutes="学习党的理论，开展志愿服务。", recorded_by=recorder,
                              reviewed_by=reviewer if reviewer and month < months[0] else None,
                              reviewed_on=held + datetime.timedelta(days=5) if reviewer and month < months[0]
                              else None)
            meetings.append(meeting)
            if month == months[0]:
                latest[community] = meeting
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    attendance, points = [], []
    for community, meeting in latest.items():
        for pk in by_community.get(nodes[community], []):
            present = rng.random() < 0.85
            attendance.append(Attendance(meeting=meeting, member_id=pk, present=present,
                                         absence_reason="" if present else rng.choice(("出差", "生病", "照顾家人"))))
            if present:
                points.append(PointEntry(member_id=pk, on=meeting.held_on, category=PointCategory.ORG_LIFE,
                                         points=ATTENDANCE_POINTS["theme_day"], reason=f"主题党日：{meeting.topic}",
                                         recorded_by=recorder, meeting=meeting))
    Attendance.objects.bulk_create(attendance, batch_size=5000)
    PointEntry.objects.bulk_create(points, batch_size=5000)

    dues = []
    for pk, _path, _org in members:
        kind = rng.choices((DuesKind.EMPLOYED, DuesKind.RETIRED, DuesKind.LOW), (60, 35, 5))[0]
        base = Decimal(rng.choice((0, 2800, 4200, 6500, 9000, 12000))) if kind != DuesKind.LOW else Decimal(0)
        due = dues_monthly_amount(income_base=base, kind=kind)
        for month in _month_starts(today, 1):
            paid = due if rng.random() < 0.95 else Decimal(0)
            dues.append(DuesPayment(member_id=pk, month=month, kind=kind, income_base=base, amount_due=due,
                                    amount_paid=paid, paid_on=min(month + datetime.timedelta(days=9), today)
                                    if paid else None, paid_by="配偶代缴" if paid and rng.random() < 0.05 else "",
                                    recorded_by=recorder))
    DuesPayment.objects.bulk_create(dues, batch_size=5000)

    transfers = []
    community_ids = list(communities)
    for index, (pk, _path, org) in enumerate(members[:: max(1, len(members) // (len(communities) or 1))]):
        sent_on = today - datetime.timedelta(days=rng.randint(1, 300))
        if index % 5 == 4:
            transfers.append(Transfer(member_id=pk, from_org_id=org, destination="中共郑州市中原区委组织部",
                                      reason="工作调动", status=TransferStatus.LETTER, sent_by=recorder, sent_on=sent_on,
                                      letter_number=f"JSZ{sent_on.year}-{copy.prefix}D{index:05d}"))
            continue
        target = rng.choice(community_ids)
        if target == org:
            continue
        status = (TransferStatus.SENT, TransferStatus.RETURNED, TransferStatus.RETURNED, TransferStatus.SENT)[index % 4]
        decided = status != TransferStatus.SENT
        transfers.append(Transfer(member_id=pk, from_org_id=org, to_org_id=target, reason="搬家", status=status,
                                  sent_by=recorder, sent_on=sent_on, decided_by=recorder if decided else None,
                                  decided_on=sent_on + datetime.timedelta(days=7) if decided else None,
                                  note="请补充材料" if decided else ""))
    Transfer.objects.bulk_create(transfers, batch_size=2000)

    classes = []
    if copy.first:  # the district's 26 classes, organized by the first copy's streets
        streets = list(copy_nodes.filter(level=1).order_by("path").values_list("pk", flat=True))
        for n in range(26 if streets else 0):
            starts = today - datetime.timedelta(days=360 - n * 13)
            classes.append(TrainingClass(name=f"第{n + 1}期党员轮训班", organizer_id=streets[n % len(streets)],
                                         starts_on=starts, ends_on=starts + datetime.timedelta(days=2),
                                         planned_hours=Decimal("16.0")))
        TrainingClass.objects.bulk_create(classes)
        created = len(classes)
    else:
        classes, created = list(TrainingClass.objects.order_by("pk")), 0
    enrolments = []
    for index, (pk, _path, _org) in enumerate(members[::3]):  # this year's third of the rotation
        if not classes:
            break
        klass = classes[index % len(classes)]
        hours = Decimal(rng.choice(("8.0", "8.0", "7.5", "6.0")))
        enrolments.append(Enrolment(training_class=klass, member_id=pk, hours=hours,
                                    quiz_score=Decimal(rng.randint(600, 1000)) / 10))
    Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    sign_ins = []
    for e in enrolments:  # a day's hours at most 8: the enrolment's hours are the sum of its sign-ins
        left, day = e.hours, e.training_class.starts_on
        while left > 0:
            chunk = min(left, Decimal("8.0"))
            sign_ins.append(SignIn(enrolment=e, on=day, hours=chunk, recorded_by=recorder))
            left, day = left - chunk, day + datetime.timedelta(days=1)
    SignIn.objects.bulk_create(sign_ins, batch_size=5000)
    return [
        (_("branch meetings"), len(meetings)), (_("meeting attendance"), len(attendance)),
        (_("points from attendance"), len(points)), (_("dues payments"), len(dues)),
        (_("transfers"), len(transfers)), (_("party-school classes"), created), (_("enrolments"), len(enrolments)),
    ]


QUIZ_QUESTIONS = (
    ("中国共产党的最高理想和最终目标是什么？", ("实现共产主义", "全面建成小康社会", "实现社会主义现代化", "消除贫困")),
    ("党的基层组织中，正式党员几人以上的应当成立党支部？", ("三人", "五人", "七人", "十人")),
    ("预备党员的预备期为多长时间？", ("一年", "半年", "两年", "三个月")),
    ("党员的党龄从什么时候算起？", ("预备期满转为正式党员之日", "递交入党申请书之日", "支部大会通过之日",
                                 "确定为入党积极分子之日")),
    ("“三会一课”中的“一课”指的是什么？", ("按时上好党课", "理论学习课", "业务培训课", "形势政策课")),
    ("党员无正当理由连续几个月不交纳党费，视为自行脱党？", ("六个月", "三个月", "一年", "两个月")),
    ("党支部委员会每届任期几年？", ("三年或五年", "两年", "四年", "六年")),
    ("中国共产党的根本宗旨是什么？", ("全心全意为人民服务", "实现中华民族伟大复兴", "发展社会生产力",
                                "坚持改革开放")),
)
QUIZ_ATTEMPTS_ALLOWED = 2
LINKED_RESIDENTS = 3


def _seed_quizzes_and_accounts(rng, today, recorder, copy):
    """An online quiz (four questions, two attempts) for every other party-school class, the latest ones still
    open (written with the first copy); attempts by about two thirds of the copy's enrolled members, scored as the
    service scores them, the enrolment's quiz score being the best attempt; and the first demo residents
    (resident-0001…) linked to members enrolled in the latest quizzed class, so the phone page /m/party/ has
    something to show."""
    tz = timezone.get_current_timezone()
    classes = list(TrainingClass.objects.order_by("starts_on", "pk"))
    picked = classes[::-2]  # the newest class and every other one before it
    quizzes = []
    if copy.first:
        for klass in picked:
            opens = datetime.datetime.combine(klass.starts_on, datetime.time(9), tzinfo=tz)
            closes_on = klass.ends_on + datetime.timedelta(days=14)
            if klass is picked[0]:  # the newest class's quiz is still open
                closes_on = max(closes_on, today + datetime.timedelta(days=30))
            closes = datetime.datetime.combine(closes_on, datetime.time(22), tzinfo=tz)
            quizzes.append(Quiz(training_class=klass, title=f"{klass.name}结业测试", opens_at=opens,
                                closes_at=closes, attempts_allowed=QUIZ_ATTEMPTS_ALLOWED, pass_mark=Decimal("60.0")))
        Quiz.objects.bulk_create(quizzes)
        questions, choice_rows = [], []
        for quiz in quizzes:
            for order, (text, options) in enumerate(rng.sample(QUIZ_QUESTIONS, 4), start=1):
                questions.append(Question(quiz=quiz, text=text, order=order))
                shuffled = list(options)
                rng.shuffle(shuffled)
                choice_rows.append([(option, option == options[0]) for option in shuffled])
        Question.objects.bulk_create(questions, batch_size=2000)
        Choice.objects.bulk_create([Choice(question=q, text=text, correct=correct)
                                    for q, rows in zip(questions, choice_rows) for text, correct in rows],
                                   batch_size=5000)
    else:
        quizzes = list(Quiz.objects.filter(training_class__in=[c.pk for c in picked]).order_by("pk"))
    by_quiz = {}
    choices_of = {}
    for choice in Choice.objects.filter(question__quiz__in=quizzes).order_by("pk"):
        choices_of.setdefault(choice.question_id, []).append(choice)
    for question in Question.objects.filter(quiz__in=quizzes).order_by("pk"):
        by_quiz.setdefault(question.quiz_id, []).append((question, choices_of[question.pk]))

    quiz_of_class = {q.training_class_id: q for q in quizzes}
    enrolments = list(Enrolment.objects.filter(training_class__in=[c.pk for c in picked],
                                                member__org__in=copy.nodes()).order_by("pk"))
    attempts, scored = [], []
    for enrolment in enrolments:
        quiz = quiz_of_class[enrolment.training_class_id]
        if rng.random() > 0.65:
            enrolment.quiz_score = None
            scored.append(enrolment)
            continue
        best = None
        for number in range(1, rng.choice((1, 1, 2)) + 1):
            answers, right = {}, 0
            for question, rows in by_quiz[quiz.pk]:
                choice = next(c for c in rows if c.correct) if rng.random() < 0.75 else rng.choice(rows)
                answers[str(question.pk)] = choice.pk
                right += choice.correct
            score = (Decimal(100) * right / len(by_quiz[quiz.pk])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            best = score if best is None else max(best, score)
            submitted = min(quiz.opens_at + datetime.timedelta(days=1 + number, hours=rng.randint(0, 10)),
                            timezone.now())
            attempts.append(QuizAttempt(enrolment=enrolment, quiz=quiz, number=number, answers=answers, score=score,
                                        submitted_at=submitted))
        enrolment.quiz_score = best
        scored.append(enrolment)
    QuizAttempt.objects.bulk_create(attempts, batch_size=5000)
    Enrolment.objects.bulk_update(scored, ["quiz_score"], batch_size=5000)

    # Demo residents linked to members of the newest quizzed classes; resident-0001's member has one attempt left
    # at the newest class's quiz, still open.
    residents = list(get_user_model().objects.filter(username__startswith="resident-").order_by("username")
                     .values_list("pk", flat=True)[:LINKED_RESIDENTS]) if copy.first else []
    newest_first = {c.pk: i for i, c in enumerate(picked)}
    newest, seen = [], set()
    for e in sorted(enrolments, key=lambda e: (newest_first[e.training_class_id], e.pk)):
        if e.member_id not in seen and len(newest) < len(residents):
            newest.append(e)
            seen.add(e.member_id)
    accounts = [MemberAccount(user_id=user, member_id=e.member_id, method=MemberAccount.Method.STAFF,
                              linked_by=recorder) for user, e in zip(residents, newest)]
    MemberAccount.objects.bulk_create(accounts, ignore_conflicts=True)
    if newest:
        first = newest[0]
        quiz = quiz_of_class[first.training_class_id]
        QuizAttempt.objects.filter(enrolment=first).delete()
        # One wrong answer (the first question's): 75 of 100, and the second attempt still to take.
        answers = {str(q.pk): next(c for c in rows if c.correct == (i > 0)).pk
                   for i, (q, rows) in enumerate(by_quiz[quiz.pk])}
        score = (Decimal(100) * (len(answers) - 1) / len(answers)).quantize(Decimal("0.1"))
        QuizAttempt.objects.create(enrolment=first, quiz=quiz, number=1, answers=answers, score=score,
                                   submitted_at=min(quiz.opens_at + datetime.timedelta(days=1), timezone.now()))
        Enrolment.objects.filter(pk=first.pk).update(quiz_score=score)
    return [
        (_("online quizzes"), len(quizzes) if copy.first else 0),
        (_("quiz attempts"), QuizAttempt.objects.filter(enrolment__in=[e.pk for e in enrolments]).count()),
        (_("member account links"), len(accounts)),
    ]
