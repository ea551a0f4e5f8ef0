"""The learning phone pages: what a member sees is cut to their area, foreign objects answer 404, practice
explains, the contest page ranks with masked names above the branch; query counts pinned; bad input a 400."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.models import ContestAttempt, LessonRead, PracticeAnswer
from learning.selectors import contest_paper

from .conftest import right_answers


def test_home_lists_only_the_members_area_with_a_fixed_number_of_queries(client, learning,
                                                                         django_assert_max_num_queries):
    client.force_login(learning.user)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("learn:home")).content.decode()
    assert "学习新党章" in page and "北林路街道微课堂" not in page and "学党章知识竞赛" in page
    client.force_login(learning.other_user)
    assert "北林路街道微课堂" in client.get(reverse("learn:home")).content.decode()


def test_unlinked_users_are_sent_to_the_link_form(client, resident):
    client.force_login(resident)
    r = client.get(reverse("learn:home"))
    assert r.status_code == 302 and r.url == reverse("party:home")


def test_reading_a_lesson_is_recorded_once_and_foreign_lessons_are_404(client, learning):
    client.force_login(learning.user)
    for _n in range(2):
        assert client.get(reverse("learn:lesson", args=[learning.lesson.pk])).status_code == 200
    assert LessonRead.objects.filter(member=learning.tree.member).count() == 1
    assert client.get(reverse("learn:lesson", args=[learning.street_lesson.pk])).status_code == 404
    assert client.get(reverse("learn:lesson", args=[999999])).status_code == 404


def test_practice_checks_the_answer_and_explains(client, learning):
    client.force_login(learning.user)
    url = reverse("learn:practice", args=[learning.topic.pk])
    page = client.get(url)
    question = page.context["question"]
    right = [o.pk for o in question.options.all() if o.correct]
    r = client.post(url, {"question": question.pk, "answer": right})
    body = r.content.decode()
    assert r.status_code == 200 and "全心全意为人民服务" in body and "practice-next" in body
    assert PracticeAnswer.objects.get(member=learning.tree.member).correct
    # A question of another topic through this topic's page, or garbage: refused, never a 500.
    other = learning.other_topic.questions.first()
    assert client.post(url, {"question": other.pk, "answer": [1]}).status_code == 404
    assert client.post(url, {"question": "abc"}).status_code == 404
    assert client.post(url, {"question": question.pk, "answer": ["x"]}).status_code == 400
    assert client.post(url, {"question": question.pk}).status_code == 400


def test_the_contest_journey_through_the_pages(client, learning):
    client.force_login(learning.user)
    contest_url = reverse("learn:contest", args=[learning.contest.pk])
    assert "contest-start" in client.get(contest_url).content.decode()
    assert client.get(reverse("learn:paper", args=[learning.contest.pk])).status_code == 404  # not started
    r = client.post(reverse("learn:start", args=[learning.contest.pk]))
    assert r.status_code == 302 and r.url == reverse("learn:paper", args=[learning.contest.pk])
    paper = client.get(r.url)
    assert paper.status_code == 200 and 0 < paper.context["seconds_left"] <= 600
    data = {f"q{k}": v for k, v in right_answers(contest_paper(learning.contest)).items()}
    assert client.post(r.url, {"q1": "garbage"}).status_code == 400
    r = client.post(reverse("learn:paper", args=[learning.contest.pk]), data)
    assert r.status_code == 302
    page = client.get(contest_url).content.decode()
    assert "100.0" in page and "ranking-branch" in page and "ranking-district" in page


def test_a_late_paper_is_refused_by_the_page(client, learning):
    client.force_login(learning.user)
    client.post(reverse("learn:start", args=[learning.contest.pk]))
    attempt = ContestAttempt.objects.get()
    ContestAttempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=30),
        deadline=timezone.now() - datetime.timedelta(minutes=20))
    r = client.post(reverse("learn:paper", args=[learning.contest.pk]), {})
    assert r.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def test_names_above_the_branch_are_masked(client, learning):
    from learning import services

    for user in (learning.user, learning.other_user):
        attempt, _c = services.contest_start(actor=user, contest=learning.contest)
        services.contest_submit(actor=user, attempt=attempt, answers={})
    client.force_login(learning.user)
    page = client.get(reverse("learn:contest", args=[learning.contest.pk])).content.decode()
    assert "李*" in page and "李红" not in page and "王明" in page


def test_contests_of_another_area_are_404(client, learning, tree, district_user):
    from learning.models import Contest

    now = timezone.now()
    elsewhere = Contest.objects.create(title="北林路街道竞赛", org=tree.other_street, opens_at=now,
                                       closes_at=now + datetime.timedelta(days=2), question_count=2, published=True,
                                       created_by=district_user)
    draft = Contest.objects.create(title="草稿", opens_at=now, closes_at=now + datetime.timedelta(days=2),
                                   question_count=2, created_by=district_user)
    client.force_login(learning.user)
    for contest in (elsewhere, draft):
        assert client.get(reverse("learn:contest", args=[contest.pk])).status_code == 404
        assert client.post(reverse("learn:start", args=[contest.pk])).status_code == 404
        assert client.get(reverse("learn:paper", args=[contest.pk])).status_code == 404
    assert not ContestAttempt.objects.exists()


def test_staff_author_in_their_own_area_only(client, learning, street_secretary, tree):
    from learning.models import Contest

    client.force_login(street_secretary)
    changelist = client.get("/admin/learning/contest/")
    assert changelist.status_code == 200 and "学党章知识竞赛" in changelist.content.decode()  # reads the district's
    r = client.post(f"/admin/learning/contest/{learning.contest.pk}/change/", {"title": "改"})
    assert r.status_code == 403
    Contest.objects.filter(pk=learning.contest.pk).update(org=tree.other_street)
    assert client.get(f"/admin/learning/contest/{learning.contest.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/learning/question/add/").status_code == 403
