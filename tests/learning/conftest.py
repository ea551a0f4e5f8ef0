import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from learning.models import Contest, Lesson, Option, Question, Topic
from learning.services import contest_draw_paper
from members.selfservice.models import MemberAccount
from tests.factories import MemberFactory, UserFactory, grant


def link(member, username):
    user = grant(UserFactory(username=username, is_staff=False), Role.RESIDENT)
    MemberAccount.objects.create(user=user, member=member, method=MemberAccount.Method.SELF)
    return user


def make_bank(author, topic, n=6):
    questions = []
    for i in range(n):
        kind = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)[i % 3]
        q = Question.objects.create(topic=topic, kind=kind, text=f"第{i + 1}题：党的根本宗旨是什么？",
                                    explanation="全心全意为人民服务。", created_by=author)
        if kind == Question.Kind.TRUE_FALSE:
            Option.objects.create(question=q, text="正确", correct=True, order=1)
            Option.objects.create(question=q, text="错误", correct=False, order=2)
        else:
            for j in range(4):
                Option.objects.create(question=q, text=f"选项{j + 1}", correct=(j == 0 or (kind == "multiple" and j == 1)),
                                      order=j)
        questions.append(q)
    return questions


def right_answers(questions):
    return {str(q.pk): [o.pk for o in q.options.all() if o.correct] for q in questions}


@pytest.fixture
def learning(tree, district_user):
    class L:
        pass

    t = L()
    t.tree = tree
    t.author = district_user
    t.topic = Topic.objects.create(name="党章党规")
    t.other_topic = Topic.objects.create(name="党史")
    t.questions = make_bank(district_user, t.topic, 6)
    make_bank(district_user, t.other_topic, 2)
    t.user = link(tree.member, "member-wm")
    t.other_user = link(tree.other_member, "member-lh")
    now = timezone.now()
    t.contest = Contest.objects.create(
        title="学党章知识竞赛", opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=3),
        time_limit_minutes=10, question_count=4, points_for_taking_part=2, published=True, created_by=district_user)
    t.contest.topics.add(t.topic)
    contest_draw_paper(actor=district_user, contest=t.contest, seed=1)
    t.lesson = Lesson.objects.create(title="学习新党章", topic=t.topic, body="正文", created_by=district_user,
                                     published_at=now - datetime.timedelta(days=1))
    t.street_lesson = Lesson.objects.create(title="北林路街道微课堂", kind=Lesson.Kind.LESSON, topic=t.topic,
                                            body="正文", org=tree.other_street, created_by=district_user,
                                            published_at=now - datetime.timedelta(days=1))
    return t


@pytest.fixture
def another_member(tree):
    return MemberFactory(org=tree.building, name="赵强")
