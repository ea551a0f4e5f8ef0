"""Demo data for online learning: the 应知应会 bank by topic, the district's articles and each street's short
lesson, a closed contest with its attempts and rankings and one open now, and this quarter's reading and practice
(about a third of the members). Run by `seed_demo` (demo/tree.py EXTENSIONS) after the members. Deterministic
for a seed; bulk inserts only."""

import datetime
import sys
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from demo.tree import seed_all
from learning.models import (
    Contest,
    ContestAttempt,
    ContestQuestion,
    Lesson,
    LessonRead,
    Option,
    PracticeAnswer,
    Question,
    Topic,
)
from members.records.models import Member

#: (topic, [(kind, question, [(option, correct)], explanation)])
BANK = [
    ("党章党规", [
        ("single", "党的最高领导机关是？", [("党的全国代表大会和它所产生的中央委员会", True), ("中央政治局", False),
                                        ("中央书记处", False), ("中央军事委员会", False)], "党章第十条规定。"),
        ("single", "预备党员的预备期为多长时间？", [("一年", True), ("半年", False), ("两年", False), ("三个月", False)],
         "党章第七条：预备党员的预备期为一年。"),
        ("true_false", "党员必须按期交纳党费。", [("正确", True), ("错误", False)], "交纳党费是党员的义务。"),
        ("multiple", "“三会一课”中的“三会”包括？", [("支部党员大会", True), ("支部委员会", True), ("党小组会", True),
                                            ("职工大会", False)], "“三会”指支部党员大会、支部委员会和党小组会。"),
        ("single", "党的基层组织设立的条件是有正式党员多少人以上？", [("三人", True), ("五人", False), ("七人", False),
                                                    ("十人", False)], "正式党员三人以上的，应当成立党的基层组织。"),
        ("true_false", "党员可以无故连续六个月不参加党的组织生活。", [("正确", False), ("错误", True)],
         "无故连续六个月不参加组织生活，视为自行脱党。"),
    ]),
    ("党史", [
        ("single", "中国共产党成立于哪一年？", [("1921年", True), ("1919年", False), ("1927年", False), ("1949年", False)],
         "1921年7月，中国共产党第一次全国代表大会召开。"),
        ("single", "遵义会议召开于哪一年？", [("1935年", True), ("1934年", False), ("1936年", False), ("1937年", False)],
         "1935年1月，遵义会议确立了毛泽东同志在党中央和红军的领导地位。"),
        ("true_false", "党的十一届三中全会作出了实行改革开放的历史性决策。", [("正确", True), ("错误", False)],
         "1978年12月召开的十一届三中全会开启了改革开放。"),
        ("multiple", "下列属于党的三大优良作风的有？", [("理论联系实际", True), ("密切联系群众", True),
                                              ("批评与自我批评", True), ("独断专行", False)], "三大优良作风。"),
    ]),
    ("基层党建", [
        ("single", "社区党组织书记和居委会主任“一肩挑”体现的是？", [("加强党对基层治理的领导", True),
                                                     ("精简人员", False), ("节约经费", False), ("临时安排", False)],
         "党组织领导的基层治理体系。"),
        ("multiple", "金水区“一征三议两公开”的“两公开”是指？", [("决议公开", True), ("实施结果公开", True),
                                                    ("党员名单公开", False), ("财务明细公开", False)],
         "决议公开、实施结果公开。"),
        ("true_false", "党员到社区报到后应参加社区的志愿服务。", [("正确", True), ("错误", False)], "在职党员双报到。"),
        ("single", "党员发展工作中，入党积极分子的培养考察期一般不少于？", [("一年", True), ("半年", False),
                                                       ("两年", False), ("三个月", False)], "培养考察一年以上。"),
    ]),
    ("理论学习", [
        ("single", "党的根本宗旨是？", [("全心全意为人民服务", True), ("实现共产主义", False), ("发展经济", False),
                                   ("改革开放", False)], "全心全意为人民服务是党的根本宗旨。"),
        ("true_false", "“两学一做”是指学党章党规、学系列讲话，做合格党员。", [("正确", True), ("错误", False)],
         "2016年起在全体党员中开展。"),
        ("multiple", "“四个意识”包括？", [("政治意识", True), ("大局意识", True), ("核心意识", True), ("看齐意识", True)],
         "政治意识、大局意识、核心意识、看齐意识。"),
        ("single", "“不忘初心、牢记使命”中的初心是？", [("为中国人民谋幸福", True), ("发展生产力", False),
                                              ("建设城市", False), ("扩大开放", False)], "为中国人民谋幸福，为中华民族谋复兴。"),
    ]),
]

ARTICLES = [
    ("红色家园：金水区“一征三议两公开”工作法", "基层党建", "社区党组织广泛征集居民意见，经过党组织提议、两委商议、居民代表会议决议，决议和实施结果向居民公开。"),
    ("微课堂：怎样当好一名楼栋党小组长", "基层党建", "楼栋党小组长是网格里最贴近群众的党员。本课介绍日常走访、信息上报和邻里调解的做法。"),
    ("学习新党章：党员的八项义务", "党章党规", "党章规定了党员必须履行的八项义务，本文逐条解读。"),
    ("党史上的今天：遵义会议", "党史", "遵义会议是党的历史上一个生死攸关的转折点。"),
    ("在职党员如何到社区报到服务", "基层党建", "在职党员到居住地社区报到，认领服务岗位，参加志愿服务。"),
    ("理论学习：全心全意为人民服务", "理论学习", "全心全意为人民服务是党的根本宗旨，是共产党人的初心所在。"),
]


CLOSED_CONTEST = "学党章党规知识竞赛"


def seed(*, scale, seed, hashed_password=None, today=None):
    """Online learning over every copy of an already built district; returns [(label, count)] lines."""
    return seed_all(sys.modules[__name__], scale=scale, seed=seed, hashed_password=hashed_password,
                    today=today or timezone.localdate())


def _district(rng, author, now):
    """The bank, the district's articles and the two contests (written once, with the first copy)."""
    topics = {name: Topic(name=name, order=n) for n, (name, _q) in enumerate(BANK)}
    Topic.objects.bulk_create(topics.values())
    questions, options = [], []
    for name, items in BANK:
        for kind, text, choices, explanation in items:
            q = Question(topic=topics[name], kind=kind, text=text, explanation=explanation, created_by=author)
            questions.append((q, choices))
    Question.objects.bulk_create([q for q, _c in questions])
    for q, choices in questions:
        options += [Option(question=q, text=t, correct=c, order=n) for n, (t, c) in enumerate(choices)]
    Option.objects.bulk_create(options)
    articles = [Lesson(kind=Lesson.Kind.LESSON if title.startswith("微课堂") else Lesson.Kind.ARTICLE, title=title,
                       topic=topics[topic], body=body, summary=body[:60], created_by=author,
                       published_at=now - datetime.timedelta(days=5 + 9 * n)) for n, (title, topic, body) in
                enumerate(ARTICLES)]
    Lesson.objects.bulk_create(articles)
    closed = Contest(title=CLOSED_CONTEST, opens_at=now - datetime.timedelta(days=40),
                     closes_at=now - datetime.timedelta(days=26), time_limit_minutes=15, question_count=8,
                     points_for_taking_part=2, published=True, created_by=author)
    open_now = Contest(title="党史知识竞赛", opens_at=now - datetime.timedelta(days=2),
                       closes_at=now + datetime.timedelta(days=12), time_limit_minutes=10, question_count=6,
                       points_for_taking_part=2, published=True, created_by=author)
    Contest.objects.bulk_create([closed, open_now])
    all_q = [q for q, _c in questions]
    for contest in (closed, open_now):
        picked = rng.sample(all_q, contest.question_count)
        ContestQuestion.objects.bulk_create([ContestQuestion(contest=contest, question=q, order=n)
                                             for n, q in enumerate(picked, start=1)])


def seed_copy(copy):
    """The copy's streets' short lessons and this quarter's reading, practice and contest attempts of its members
    (the bank, articles and contests are the district's: written with the first copy)."""
    today = copy.today
    rng = copy.rng("learning")
    author = get_user_model().objects.filter(username="admin").first() or get_user_model().objects.order_by(
        "pk").first()
    if author is None or (copy.first and Topic.objects.exists()):
        return []
    now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9)))
    if copy.first:
        _district(rng, author, now)
    topic = Topic.objects.get(name="基层党建")
    all_q = list(Question.objects.order_by("pk"))
    right = {q.pk: [] for q in all_q}
    for question_id, pk in Option.objects.filter(correct=True).order_by("pk").values_list("question_id", "pk"):
        right[question_id].append(pk)
    articles = list(Lesson.objects.filter(org__isnull=True).order_by("pk")[:len(ARTICLES)])
    closed = Contest.objects.get(title=CLOSED_CONTEST)

    lessons = []
    streets = list(copy.nodes().filter(level=1).order_by("path"))
    for n, street in enumerate(streets):
        lessons.append(Lesson(kind=Lesson.Kind.LESSON, title=f"{street.name}微课堂：本月主题党日", topic=topic,
                              body=f"{street.name}党工委本月主题党日活动安排与学习内容。", org=street, created_by=author,
                              published_at=now - datetime.timedelta(days=2 + n % 7)))
    Lesson.objects.bulk_create(lessons)

    members = Member.objects.filter(org__in=copy.nodes())
    linked = set(members.filter(account__isnull=False).values_list("pk", flat=True))
    members = list(members.order_by("pk").values_list("pk", "org_id"))
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    days_in_quarter = max((today - quarter_start).days, 0)
    reads, answers, attempts = [], [], []
    for pk, org_id in members:
        if rng.random() < 0.33:
            for lesson in rng.sample(articles, rng.randint(1, 3)):
                when = now - datetime.timedelta(days=rng.randint(0, days_in_quarter), hours=rng.randint(0, 8))
                reads.append(LessonRead(lesson=lesson, member_id=pk, read_at=max(when, lesson.published_at)))
            if rng.random() < 0.5:
                for q in rng.sample(all_q, 3):
                    ok = rng.random() < 0.75
                    answers.append(PracticeAnswer(member_id=pk, question=q, chosen=right[q.pk] if ok else [],
                                                  correct=ok, answered_at=now - datetime.timedelta(
                                                      days=rng.randint(0, days_in_quarter))))
        if pk not in linked and rng.random() < 0.22:
            started = closed.opens_at + datetime.timedelta(days=rng.randint(0, 12), minutes=rng.randint(0, 600))
            n_right = min(sum(rng.random() < 0.8 for _q in range(closed.question_count)), closed.question_count)
            seconds = rng.randint(120, closed.time_limit_minutes * 60 - 5)
            score = (Decimal(n_right * 100) / closed.question_count).quantize(Decimal("0.1"), ROUND_HALF_UP)
            attempts.append(ContestAttempt(
                contest=closed, member_id=pk, org_id=org_id, status=ContestAttempt.Status.SUBMITTED,
                started_at=started, deadline=started + datetime.timedelta(minutes=closed.time_limit_minutes),
                submitted_at=started + datetime.timedelta(seconds=seconds), correct=n_right, score=score,
                seconds=seconds))
    LessonRead.objects.bulk_create(reads, batch_size=5000, ignore_conflicts=True)
    PracticeAnswer.objects.bulk_create(answers, batch_size=5000)
    ContestAttempt.objects.bulk_create(attempts, batch_size=5000)
    return [
        (_("lessons and articles"), len(lessons) + (len(articles) if copy.first else 0)),
        (_("questions in the bank"), len(all_q) if copy.first else 0),
        (_("knowledge contests"), 2 if copy.first else 0),
        (_("contest attempts"), len(attempts)),
        (_("lessons read this quarter"), len(reads)),
    ]
