"""A party member on their phone: linking their account to their record, their points and their branch's
ranking (never another branch's), and online quizzes scored on the server."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from members.selfservice.models import MemberAccount
from members.selfservice.selectors import linked_member, member_account_list, my_branch_ranking, my_quiz, my_quizzes
from members.records.validators import make_id_number
from members.selfservice.services import (
    LINK_CODE_TRIES,
    LINK_LIMIT_PER_ADDRESS,
    LINK_LIMIT_PER_PERSON,
    LINK_LIMIT_PER_USER,
    LinkThrottled,
    member_account_link,
    member_account_link_begin,
    member_account_link_confirm,
    member_account_unlink,
    quiz_attempt_submit,
)
from members.training.models import Choice, Enrolment, Question, Quiz, QuizAttempt
from members.training.selectors import quiz_list
from members.training.services import quiz_save, quiz_score
from tests.factories import MemberFactory, Role, UserFactory, grant
from tests.members.helpers import district_actor, make_class, make_points, make_quiz

pytestmark = pytest.mark.django_db

GENERIC = "These details do not match a party member record we hold"


def _resident(username="resident-0001"):
    return grant(UserFactory(username=username, is_staff=False), Role.RESIDENT)


def _link(user, member):
    return MemberAccount.objects.create(user=user, member=member, method=MemberAccount.Method.SELF)


def _answers(quiz, wrong=()):
    """Answers to every question: right, except the questions numbered in `wrong` (1-based)."""
    answers = {}
    for n, question in enumerate(quiz.questions.order_by("order", "pk"), start=1):
        choice = question.choices.filter(correct=n not in wrong).order_by("pk").first()
        answers[str(question.pk)] = str(choice.pk)
    return answers


# --- linking ----------------------------------------------------------------------------------------------------

ADDRESS = "203.0.113.7"


def _begin(user, member=None, address=ADDRESS, **given):
    details = {"name": member.name, "id_number": member.id_number, "phone": member.phone} if member else {}
    return member_account_link_begin(actor=user, address=address, **{**details, **given})


def _sent_code(sms_outbox, member):
    message = sms_outbox[-1]
    assert message.phone == member.phone
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_link_with_all_three_parts_and_the_code_sent_to_the_phone_on_file(tree, sms_outbox):
    user = _resident()
    pending = member_account_link_begin(actor=user, name=" 王明 ", phone="138 " + tree.member.phone[3:],
                                        id_number=tree.member.id_number.lower(), address=ADDRESS)
    assert len(sms_outbox) == 1 and not MemberAccount.objects.exists()
    code = _sent_code(sms_outbox, tree.member)
    assert code not in str(pending)  # the session keeps a keyed hash, not the code
    account = member_account_link_confirm(actor=user, pending=pending, code=code, address=ADDRESS)
    assert account.member == tree.member and account.method == "self"
    assert linked_member(user=user) == tree.member
    assert account.history.first().history_user == user


@pytest.mark.parametrize("wrong", ["name", "id_number", "phone", "nobody"])
def test_each_wrong_part_gives_the_same_answer_and_sends_nothing(tree, wrong, sms_outbox):
    user = _resident()
    given = {"name": "王明", "id_number": tree.member.id_number, "phone": tree.member.phone}
    if wrong == "nobody":
        given = {"name": "查无此人", "id_number": "410105199001010012", "phone": "13900000000"}
    else:
        given[wrong] = {"name": "王敏", "id_number": tree.other_member.id_number, "phone": tree.other_member.phone}[wrong]
    pending = member_account_link_begin(actor=user, address=ADDRESS, **given)
    right = _begin(_resident("resident-0009"), tree.member)
    assert set(pending) == set(right) and pending["tries"] == right["tries"] == 0  # the same shape either way
    assert len(sms_outbox) == 1  # only the right details sent a code
    for code in ("000000", _sent_code(sms_outbox, tree.member)):
        with pytest.raises(ValidationError, match="The code is wrong"):
            member_account_link_confirm(actor=user, pending=pending, code=code, address=ADDRESS)
    assert not MemberAccount.objects.filter(user=user).exists()


def test_guessing_the_hidden_phone_digits_from_many_accounts_is_stopped(tree, sms_outbox):
    """The reported attack: new accounts share the guesses at one member's 4 hidden phone digits. The tries count
    per person's details (and per address), not only per account; and a right guess only sends the code to the
    member's own phone."""
    accounts = [_resident(f"resident-{n:04d}") for n in range(1, 5)]
    guesses = iter(f"{tree.member.phone[:7]}{n:04d}" for n in range(10_000))
    tries = 0
    with pytest.raises(LinkThrottled):
        for user in accounts:
            for _n in range(3):
                _begin(user, tree.member, phone=next(guesses), address=f"198.51.100.{tries}")
                tries += 1
    assert tries == LINK_LIMIT_PER_PERSON
    # The same from one address with other people's details: the address is limited too.
    with pytest.raises(LinkThrottled):
        for n in range(LINK_LIMIT_PER_ADDRESS + 1):
            number = make_id_number("410105", datetime.date(1990, 1, 1), n)
            _begin(accounts[n % 4], None, name=f"某{n}", id_number=number, phone="13900000000", address="192.0.2.1")
    # Per account as before.
    other = _resident("resident-0100")
    with pytest.raises(LinkThrottled):
        for n in range(LINK_LIMIT_PER_USER + 1):
            _begin(other, None, name=f"某某{n}", id_number="x", phone="1", address=f"192.0.2.{100 + n}")


def test_the_code_tries_are_few_and_the_code_expires(tree, sms_outbox, monkeypatch):
    from members.selfservice import services

    monkeypatch.setattr(services, "LINK_LIMIT_PER_USER", 100)  # the code's own limit, apart from the account's
    user = _resident()
    pending = _begin(user, tree.member)
    code = _sent_code(sms_outbox, tree.member)
    for _n in range(LINK_CODE_TRIES):
        with pytest.raises(ValidationError, match="The code is wrong"):
            member_account_link_confirm(actor=user, pending=pending, code="999999" if code != "999999" else "0",
                                        address=f"198.51.100.{_n}")
    with pytest.raises(ValidationError, match="expired"):
        member_account_link_confirm(actor=user, pending=pending, code=code, address=ADDRESS)
    second = _resident("resident-0002")
    pending = _begin(second, tree.member)
    code = _sent_code(sms_outbox, tree.member)
    later = timezone.now() + datetime.timedelta(minutes=11)
    with pytest.raises(ValidationError, match="expired"):
        member_account_link_confirm(actor=second, pending=pending, code=code, now=later)
    # A code is for the account it was asked by.
    pending = _begin(_resident("resident-0003"), tree.member)
    with pytest.raises(ValidationError, match="The code is wrong"):
        member_account_link_confirm(actor=_resident("resident-0004"), pending=pending,
                                    code=_sent_code(sms_outbox, tree.member))


def test_throttling_works_with_redis_down(tree, sms_outbox, settings):
    """The tries are counted in the database: a cache that fails changes nothing (no 500, no free guesses)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    user = _resident()
    for _n in range(LINK_LIMIT_PER_USER):
        _begin(user, None, name="某", id_number="x", phone="1", address=None)
    with pytest.raises(LinkThrottled):
        _begin(user, tree.member)


def test_a_record_links_to_one_account_only(tree, sms_outbox):
    first, second = _resident(), _resident("resident-0002")
    pending = _begin(first, tree.member)
    member_account_link_confirm(actor=first, pending=pending, code=_sent_code(sms_outbox, tree.member))
    pending = _begin(second, tree.member)
    with pytest.raises(ValidationError, match="already linked to another account"):
        member_account_link_confirm(actor=second, pending=pending, code=_sent_code(sms_outbox, tree.member))
    with pytest.raises(ValidationError, match="This account is already linked"):
        _begin(first, tree.other_member)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        _link(second, tree.member)


def test_staff_link_and_unlink_in_their_area(tree, community_secretary, street_secretary):
    user = _resident()
    account = member_account_link(actor=community_secretary, user=user, member=tree.member)
    assert account.method == "staff" and account.linked_by == community_secretary
    with pytest.raises(PermissionDenied):
        member_account_link(actor=community_secretary, user=_resident("resident-0002"),
                            member=tree.other_member)
    member_account_unlink(actor=community_secretary, account=account)
    assert not MemberAccount.objects.exists()
    foreign = _link(user, tree.other_member)
    with pytest.raises(PermissionDenied):
        member_account_unlink(actor=community_secretary, account=foreign)


def test_staff_may_link_only_residents_accounts(tree, community_secretary, street_secretary):
    from accounts.models import RoleGrant

    from tests.servicecenters.factories import CenterFactory

    center_staff = UserFactory(username="center-x", is_staff=False)
    RoleGrant.objects.create(user=center_staff, role=Role.CENTER_STAFF, center_id=CenterFactory().pk)
    both = grant(_resident("resident-0005"), Role.GRID_LEADER, tree.grid)
    for user in (street_secretary, center_staff, both, UserFactory(username="plain-staff"),
                 UserFactory(username="no-role", is_staff=False)):
        with pytest.raises(ValidationError, match="Only a resident's own account"):
            member_account_link(actor=community_secretary, user=user, member=tree.member)
    assert not MemberAccount.objects.exists()


def test_link_page(client, tree, sms_outbox):
    user = _resident()
    client.force_login(user)
    page = client.get(reverse("party:home"))
    assert page.status_code == 200 and "link-form" in page.content.decode()
    wrong = client.post(reverse("party:link"), {"name": "王明", "id_number": tree.member.id_number,
                                                "phone": "13000000000"}, follow=True)
    body = wrong.content.decode()
    assert wrong.status_code == 200 and "link-code-form" in body and "短信" in body and not sms_outbox
    bad = client.post(reverse("party:link"), {"code": "123456"})
    assert bad.status_code == 400 and "验证码不对" in bad.content.decode()
    client.post(reverse("party:link"), {"restart": "1"})
    assert "link-form" in client.get(reverse("party:home")).content.decode()
    done = client.post(reverse("party:link"), {"name": "王明", "id_number": tree.member.id_number,
                                               "phone": tree.member.phone}, follow=True)
    assert "link-code-form" in done.content.decode() and len(sms_outbox) == 1
    done = client.post(reverse("party:link"), {"code": _sent_code(sms_outbox, tree.member)}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("party:home")
    assert "my-points" in done.content.decode()


def test_link_page_throttles(client, tree, sms_outbox):
    client.force_login(_resident())
    for _n in range(LINK_LIMIT_PER_USER):
        client.post(reverse("party:link"), {"name": "王明", "id_number": "x", "phone": "1"})
        client.post(reverse("party:link"), {"restart": "1"})
    throttled = client.post(reverse("party:link"), {"name": "王明", "id_number": tree.member.id_number,
                                                    "phone": tree.member.phone})
    assert throttled.status_code == 429 and "一小时" in throttled.content.decode() and not sms_outbox


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("party:home"))
    assert response.status_code == 302 and "/m/login/" in response["Location"]


# --- my points and my branch's ranking --------------------------------------------------------------------------


def test_ranking_is_my_branch_only_without_personal_data(client, tree, django_assert_num_queries):
    year = timezone.localdate().year
    on = datetime.date(year, 3, 1)
    neighbour = MemberFactory(org=tree.building, name="楼组党员")  # a party group inside the grid's branch
    make_points(tree.member, 5, on=on)
    make_points(neighbour, 8, on=on)
    make_points(tree.member, 40, on=datetime.date(year - 1, 3, 1))  # last year
    make_points(tree.other_member, 99, on=on)
    user = _resident()
    _link(user, tree.member)
    rows = list(my_branch_ranking(user=user, year=year))
    assert [(r["name"], r["total"], r["rank"]) for r in rows] == [("楼组党员", Decimal("8.0"), 1),
                                                                    ("王明", Decimal("5.0"), 2)]
    assert set(rows[0]) == {"pk", "name", "total", "rank"}

    # A member of a building group ranks within the grid's branch too.
    other = _resident("resident-0002")
    _link(other, neighbour)
    assert {r["name"] for r in my_branch_ranking(user=other, year=year)} == {"王明", "楼组党员"}
    assert list(my_branch_ranking(user=_resident("resident-0003"), year=year)) == []

    client.force_login(user)
    client.get(reverse("party:home"))  # warm the session
    # session, user, linked member, ranking, my entries, my classes, my quizzes, the nav's scope and unread count
    with django_assert_num_queries(9):
        body = client.get(reverse("party:home")).content.decode()
    assert "李红" not in body and tree.other_member.id_number not in body
    for member in (tree.member, neighbour):
        assert member.id_number not in body and member.phone not in body
        assert member.id_number[-4:] + "<" not in body
    assert "志愿服务" in body and "楼组党员" in body and "+5.0" in body


def test_ranking_page_query_count_does_not_grow_with_rows(client, tree, django_assert_num_queries):
    year = timezone.localdate().year
    user = _resident()
    _link(user, tree.member)
    for n in range(15):
        member = MemberFactory(org=tree.grid, name=f"党员甲{n}")
        make_points(member, n + 1, on=datetime.date(year, 2, 1))
        make_points(tree.member, 1, on=datetime.date(year, 2, 1 + n))
    klass = make_class(tree.street)
    Enrolment.objects.create(training_class=klass, member=tree.member, hours=8)
    make_quiz(klass)
    make_quiz(make_class(tree.community, name="第二期"), title="第二次测验")
    Enrolment.objects.create(training_class=Quiz.objects.get(title="第二次测验").training_class, member=tree.member)
    client.force_login(user)
    client.get(reverse("party:home"))
    with django_assert_num_queries(9):
        body = client.get(reverse("party:home")).content.decode()
    assert body.count('class="line rank-row') == 16 and "第二次测验" in body


# --- quizzes ----------------------------------------------------------------------------------------------------


@pytest.fixture
def quiz_setup(tree):
    user = _resident()
    _link(user, tree.member)
    klass = make_class(tree.street)
    enrolment = Enrolment.objects.create(training_class=klass, member=tree.member)
    return user, make_quiz(klass), enrolment


def test_quiz_is_scored_on_the_server_and_best_score_kept(quiz_setup):
    user, quiz, enrolment = quiz_setup
    first = quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz, wrong=(2,)))
    assert (first.number, first.score) == (1, Decimal("66.7"))
    second = quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz, wrong=(1, 2, 3)))
    assert (second.number, second.score) == (2, Decimal("0.0"))
    enrolment.refresh_from_db()
    assert enrolment.quiz_score == Decimal("66.7")  # the best attempt, not the last
    with pytest.raises(ValidationError, match="used all your attempts"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz))
    assert QuizAttempt.objects.count() == 2


def test_quiz_window(quiz_setup):
    user, quiz, _enrolment = quiz_setup
    now = timezone.now()
    with pytest.raises(ValidationError, match="not open yet"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz), now=quiz.opens_at
                            - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="closed"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz), now=quiz.closes_at)
    assert quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz), now=now).score == 100


def test_quiz_refused_to_members_not_enrolled_and_unlinked_users(tree, quiz_setup):
    _user, quiz, _enrolment = quiz_setup
    stranger = _resident("resident-0002")
    _link(stranger, tree.other_member)
    with pytest.raises(PermissionDenied, match="not enrolled"):
        quiz_attempt_submit(actor=stranger, quiz=quiz, answers=_answers(quiz))
    with pytest.raises(PermissionDenied, match="Link your account"):
        quiz_attempt_submit(actor=_resident("resident-0003"), quiz=quiz, answers=_answers(quiz))
    assert my_quiz(user=stranger, pk=quiz.pk) is None


def test_answers_of_another_question_or_quiz_are_refused(tree, quiz_setup):
    user, quiz, _enrolment = quiz_setup
    other_quiz = make_quiz(make_class(tree.street, name="另一期"), title="另一测验")
    answers = _answers(quiz)
    first, second = list(quiz.questions.order_by("order", "pk"))[:2]
    tampered = {**answers, str(first.pk): str(second.choices.first().pk)}
    with pytest.raises(ValidationError, match="does not belong"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers=tampered)
    foreign = {**answers, str(first.pk): str(Choice.objects.filter(question__quiz=other_quiz).first().pk)}
    with pytest.raises(ValidationError, match="does not belong"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers=foreign)
    with pytest.raises(ValidationError, match="Answer every question"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers={str(first.pk): answers[str(first.pk)]})
    with pytest.raises(ValidationError, match="could not be read"):
        quiz_attempt_submit(actor=user, quiz=quiz, answers={str(first.pk): "abc"})
    assert not QuizAttempt.objects.exists()


def test_database_refuses_attempts_beyond_the_allowed_or_of_another_class(tree, quiz_setup):
    from django.db import IntegrityError, transaction

    _user, quiz, enrolment = quiz_setup
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=3, score=50, submitted_at=now)
    other = Enrolment.objects.create(training_class=make_class(tree.street, name="另一期"), member=tree.member)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizAttempt.objects.create(enrolment=other, quiz=quiz, number=1, score=50, submitted_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, score=100.5, submitted_at=now)


def test_quiz_pages(client, tree, quiz_setup, django_assert_num_queries):
    user, quiz, enrolment = quiz_setup
    client.force_login(user)
    url = reverse("party:quiz", args=[quiz.pk])
    client.get(url)
    # session, user, linked member, quiz, questions, choices, my attempts, the nav's scope and unread count
    with django_assert_num_queries(9):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('type="radio"') == 7
    first = quiz.questions.order_by("order", "pk").first()
    tampered = {f"q{k}": v for k, v in _answers(quiz).items()}
    tampered[f"q{first.pk}"] = str(quiz.questions.exclude(pk=first.pk).first().choices.first().pk)
    refused = client.post(url, tampered)
    assert refused.status_code == 400 and "不属于" in refused.content.decode()
    assert client.post(url, {f"q{first.pk}": "x' OR 1=1"}).status_code == 400
    answers = {f"q{k}": v for k, v in _answers(quiz, wrong=(3,)).items()}
    done = client.post(url, answers, follow=True)
    attempt = QuizAttempt.objects.get()
    assert done.redirect_chain[-1][0] == reverse("party:attempt", args=[attempt.pk])
    body = done.content.decode()
    assert "66.7" in body and body.count("answer wrong") == 1 and "党员的党龄从何时算起" in body
    assert "预备期满转为正式党员之日" not in body  # an attempt is left: the right answer stays hidden
    enrolment.refresh_from_db()
    assert enrolment.quiz_score == Decimal("66.7")
    # Another member's attempt and another class's quiz are not found.
    stranger = _resident("resident-0002")
    _link(stranger, tree.other_member)
    client.force_login(stranger)
    assert client.get(reverse("party:attempt", args=[attempt.pk])).status_code == 404
    assert client.get(url).status_code == 404
    assert client.post(url, answers).status_code == 404


# --- the admin --------------------------------------------------------------------------------------------------


def _quiz_post(klass, rows, **extra):
    now = timezone.localtime()
    data = {"training_class": klass.pk, "title": "党史测验", "opens_at_0": now.strftime("%Y-%m-%d"),
            "opens_at_1": "08:00:00", "closes_at_0": (now + datetime.timedelta(days=7)).strftime("%Y-%m-%d"),
            "closes_at_1": "20:00:00", "attempts_allowed": 2, "pass_mark": "60",
            "questions-TOTAL_FORMS": str(len(rows)), "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000", **extra}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"questions-{i}-{key}"] = value
    return data


def test_admin_builds_a_quiz_and_validates_questions(client, tree, community_secretary):
    klass = make_class(tree.community, name="本社区班")
    foreign = make_class(tree.other_community, name="外社区班")
    client.force_login(community_secretary)
    add = reverse("admin:members_quiz_add")
    good = {"order": "1", "text": "入党誓词的最后一句？", "choice_a": "永不叛党", "choice_b": "为人民服务",
            "correct": "A"}
    no_correct = {**good, "correct": ""}
    response = client.post(add, _quiz_post(klass, [no_correct]))
    assert response.status_code == 200 and not Quiz.objects.exists()
    assert "需要恰好一个正确选项" in response.content.decode()
    response = client.post(add, _quiz_post(klass, [{**good, "choice_b": ""}]))
    assert response.status_code == 200 and not Quiz.objects.exists()
    response = client.post(add, _quiz_post(klass, []))
    assert response.status_code == 200 and "至少需要一道题" in response.content.decode()
    response = client.post(add, _quiz_post(foreign, [good]))
    assert response.status_code == 200 and not Quiz.objects.exists()  # not a choice: the form refuses
    response = client.post(add, _quiz_post(klass, [good, {**good, "order": "2", "text": "第二题", "correct": "B"}]))
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = Quiz.objects.get()
    assert quiz.questions.count() == 2 and Choice.objects.filter(correct=True).count() == 2
    assert quiz.history.first().history_user == community_secretary
    change = reverse("admin:members_quiz_change", args=[quiz.pk])
    page = client.get(change)
    assert page.status_code == 200 and "永不叛党" in page.content.decode()


def test_questions_are_fixed_once_taken(client, tree, quiz_setup):
    user, quiz, _enrolment = quiz_setup
    quiz_attempt_submit(actor=user, quiz=quiz, answers=_answers(quiz))
    with pytest.raises(ValidationError, match="can no longer change"):
        quiz_save(actor=district_actor(), quiz=quiz, questions=[
            {"text": "新题", "choices": [("对", True), ("错", False)]}])
    quiz.title = "改名的测验"
    quiz_save(actor=district_actor(), quiz=quiz)
    assert Question.objects.filter(quiz=quiz).count() == 3
    street = grant(UserFactory(username="sec-S01"), Role.STREET_SECRETARY, tree.street)
    client.force_login(street)
    page = client.get(reverse("admin:members_quiz_change", args=[quiz.pk]))
    assert page.status_code == 200 and "实现共产主义 ✓" in page.content.decode()
    data = {"title": "再改名", "opens_at_0": "2026-01-01", "opens_at_1": "08:00:00", "closes_at_0": "2099-01-01",
            "closes_at_1": "08:00:00", "attempts_allowed": 3, "pass_mark": "60", "questions-TOTAL_FORMS": "3",
            "questions-INITIAL_FORMS": "3", "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000"}
    for i, question in enumerate(quiz.questions.all()):
        data[f"questions-{i}-id"] = question.pk
        data[f"questions-{i}-quiz"] = quiz.pk
    response = client.post(reverse("admin:members_quiz_change", args=[quiz.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quiz.refresh_from_db()
    assert (quiz.title, quiz.attempts_allowed, quiz.questions.count()) == ("再改名", 3, 3)


def test_admin_quiz_and_link_scope(client, tree, community_secretary, django_assert_num_queries):
    own = make_quiz(make_class(tree.community, name="本社区班"))
    foreign = make_quiz(make_class(tree.other_community, name="外社区班"), title="外测验")
    client.force_login(community_secretary)
    assert client.get(reverse("admin:members_quiz_change", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:members_quiz_change", args=[foreign.pk])).status_code == 404
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):  # the scope, then the list
        assert [q.title for q in quiz_list(user=community_secretary)] == ["党章知识测验"]
    account = _link(_resident(), tree.other_member)
    assert client.get(reverse("admin:members_memberaccount_change", args=[account.pk])).status_code == 404
    with django_assert_num_queries(1):
        assert list(member_account_list(user=community_secretary)) == []
    response = client.post(reverse("admin:members_memberaccount_add"), {"member": tree.member.pk,
                                                                        "username": "resident-0002"})
    assert response.status_code == 200 and not MemberAccount.objects.filter(member=tree.member).exists()
    _resident("resident-0002")
    response = client.post(reverse("admin:members_memberaccount_add"), {"member": tree.member.pk,
                                                                        "username": "resident-0002"})
    assert response.status_code == 302
    mine = MemberAccount.objects.get(member=tree.member)
    assert mine.method == "staff" and mine.linked_by == community_secretary
    response = client.post(reverse("admin:members_memberaccount_change", args=[mine.pk]), {"unlink": "on"})
    assert response.status_code == 302 and not MemberAccount.objects.filter(pk=mine.pk).exists()


# --- demo data --------------------------------------------------------------------------------------------------


def test_demo_quizzes_attempts_and_linked_residents():
    from django.db.models import Count, Max, Q

    from demo import tree as grid_demo
    from demo import members as demo

    today = datetime.date(2026, 11, 25)
    counts = grid_demo.Counts(streets=2, level2=4, villages=1, grids=6, building_groups=8, members=150, residents=3)
    grid_demo.insert(grid_demo.generate(1, counts=counts, seed=7, today=today))
    lines = dict(demo.seed(scale=1, seed=7, hashed_password="x", today=today))
    assert lines["online quizzes"] == Quiz.objects.count() == 13
    assert lines["quiz attempts"] == QuizAttempt.objects.count() > 0
    for quiz in Quiz.objects.annotate(n=Count("questions", distinct=True), right=Count("questions__choices",
                                                                        filter=Q(questions__choices__correct=True))):
        assert quiz.n == quiz.right == 4
    for enrolment in Enrolment.objects.filter(quiz_attempts__isnull=False).annotate(
            best=Max("quiz_attempts__score")).distinct():
        assert enrolment.quiz_score == enrolment.best
    for attempt in QuizAttempt.objects.select_related("quiz")[:50]:  # scored as the service scores
        answers = {int(q): c for q, c in attempt.answers.items()}
        assert quiz_score(attempt.quiz, answers)[0] == attempt.score
    first = MemberAccount.objects.select_related("user", "member").get(user__username="resident-0001")
    assert MemberAccount.objects.count() == 3
    quiz = my_quizzes(user=first.user).get()
    assert quiz.closes_at > timezone.now() > quiz.opens_at and (quiz.used, quiz.best) == (1, Decimal("75.0"))


def test_staff_see_the_quiz_attempts_of_their_area_only(tree, community_secretary, client,
                                                        django_assert_num_queries):
    from django.utils import timezone

    from members.training.models import QuizAttempt
    from members.training.selectors import quiz_attempt_list

    quiz = make_quiz(make_class(tree.grid))
    rows = []
    for n, member in enumerate([tree.member, MemberFactory(org=tree.building), tree.other_member]):
        enrolment = quiz.training_class.enrolments.create(member=member)
        rows.append(QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=1, answers={},
                                               score=50 + 20 * n, submitted_at=timezone.now()))
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):  # the scope, the attempts
        seen = list(quiz_attempt_list(user=community_secretary))
    assert {a.pk for a in seen} == {rows[0].pk, rows[1].pk}
    client.force_login(community_secretary)
    page = client.get("/admin/members/quizattempt/")
    assert page.status_code == 200 and tree.member.name in page.content.decode()
    assert tree.other_member.name not in page.content.decode()
    assert client.get(f"/admin/members/quizattempt/{rows[2].pk}/change/").status_code == 404
    assert client.get(f"/admin/members/quizattempt/{rows[0].pk}/change/").status_code == 200
    assert client.post(f"/admin/members/quizattempt/{rows[0].pk}/delete/").status_code == 403
    assert client.post(f"/admin/members/quizattempt/{rows[2].pk}/delete/").status_code == 404

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def list_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/members/quizattempt/").status_code == 200
        return len(captured)

    before = list_queries()
    second = make_quiz(make_class(tree.grid), title="第二次测验")
    for member in [MemberFactory(org=tree.grid) for _ in range(4)]:
        enrolment = second.training_class.enrolments.create(member=member)
        QuizAttempt.objects.create(enrolment=enrolment, quiz=second, number=1, answers={}, score=90,
                                   submitted_at=timezone.now())
    assert list_queries() == before  # no query per row


# --- my record: dues, meetings, political birthday; an applicant's own steps -------------------------------------


def test_my_record_shows_my_dues_arrears_meetings_and_birthday_only(client, tree, django_assert_max_num_queries):
    from tests.members.helpers import make_dues, make_meeting

    user = _resident()
    _link(user, tree.member)
    make_dues(tree.member, month=datetime.date(2026, 4, 1), paid=0)
    make_dues(tree.member, month=datetime.date(2026, 5, 1), paid=10)
    make_dues(tree.other_member, month=datetime.date(2026, 5, 1), paid=0)
    colleague = MemberFactory(org=tree.grid, name="张伟")
    make_meeting(tree.grid, present=[tree.member, colleague])
    client.force_login(user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("party:record"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "2026-04" in body and "2026-05" in body and "学习党章" in body
    arrears = sum(d.arrears for d in page.context["dues"])
    assert page.context["arrears"] == arrears and len(page.context["dues"]) == 2  # not the other member's
    assert "张伟" not in body and tree.member.id_number not in body  # no one else, no full ID
    assert page.context["attended"] == 1


def test_my_record_needs_a_linked_member(client):
    user = _resident()
    client.force_login(user)
    assert client.get(reverse("party:record")).status_code == 302


def test_an_applicant_links_and_follows_their_own_steps(client, tree, sms_outbox):
    from members.selfservice.models import CandidateAccount
    from tests.members.helpers import make_candidate, record_to

    candidate = make_candidate(tree.grid, name="张申请")
    candidate.phone = "13700000001"
    candidate.save()
    record_to(candidate, 3)
    other = make_candidate(tree.other_grid, name="李申请")
    user = _resident()
    # The same two steps as a member: the details, then the code sent to the applicant's own phone.
    pending = member_account_link_begin(actor=user, address=ADDRESS, name="张申请", id_number=candidate.id_number,
                                        phone="13700000001")
    assert sms_outbox[-1].phone == "13700000001" and not CandidateAccount.objects.exists()
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    member_account_link_confirm(actor=user, pending=pending, code=code, address=ADDRESS)
    assert CandidateAccount.objects.get(user=user).candidate == candidate
    client.force_login(user)
    assert client.get(reverse("party:home")).url == reverse("party:development")
    page = client.get(reverse("party:development"))
    assert page.status_code == 200 and page.context["done"] == 3
    assert "李申请" not in page.content.decode()
    assert other.pk != candidate.pk
