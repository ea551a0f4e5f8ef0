"""A resident who is a party member links their account on a phone-sized browser, sees their points and their
branch's ranking, and takes their class's online quiz."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from members.selfservice.models import MemberAccount
from members.training.models import Enrolment, QuizAttempt
from tests.browser.test_booking_mobile import PHONE, phone_sign_in
from tests.factories import MemberFactory, UserFactory, grant
from tests.members.helpers import make_class, make_points, make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_links_their_record_and_takes_a_quiz(live_server, page, screenshot, password, tree, sms_outbox):
    year = timezone.localdate().year
    member = tree.member
    for n, (name, points) in enumerate((("张伟", 12), ("刘芳", 6.5), ("陈静", 3))):
        make_points(MemberFactory(org=tree.grid, name=name), points, on=datetime.date(year, 3, 1 + n))
    make_points(member, 5, on=datetime.date(year, 5, 4), category="org_life")
    make_points(member, 3, on=datetime.date(year, 6, 12))
    make_points(tree.other_member, 50, on=datetime.date(year, 3, 1))
    klass = make_class(tree.street, name="2026年第二期党员轮训班")
    Enrolment.objects.create(training_class=klass, member=member, hours=12)
    quiz = make_quiz(klass)
    resident = grant(UserFactory(username="resident-0001", is_staff=False), Role.RESIDENT)

    phone_sign_in(page, live_server, resident, password)
    page.click("#party-entry")
    page.fill("#id_name", "王明")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_phone", "13000000000")  # not the phone on the record
    with page.expect_navigation():
        page.click("#link-form [type=submit]")
    # The same answer as for the right details: a code is asked for (none was sent).
    assert page.locator("#link-code-form").is_visible() and not sms_outbox
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.click("#link-code-form [type=submit]")
    assert "验证码不对" in page.locator("#link-code-form .errorlist").inner_text()
    screenshot(page, "link")
    with page.expect_navigation():
        page.click("button[name=restart]")
    page.fill("#id_name", "王明")
    page.fill("#id_id_number", member.id_number)
    page.fill("#id_phone", member.phone)
    with page.expect_navigation():
        page.click("#link-form [type=submit]")
    assert len(sms_outbox) == 1 and sms_outbox[0].phone == member.phone
    page.fill("#id_code", re.search(r"\b(\d{6})\b", sms_outbox[0].text).group(1))
    with page.expect_navigation():
        page.click("#link-code-form [type=submit]")
    assert MemberAccount.objects.filter(user=resident, member=member).exists()

    ranking = page.locator("#branch-ranking").inner_text()
    assert "张伟" in ranking and "王明" in ranking and "李红" not in ranking
    assert "8.0" in page.locator("#my-points").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "party")

    page.click(f"#my-quizzes >> text={quiz.title}")
    questions = list(quiz.questions.order_by("order", "pk"))
    for n, question in enumerate(questions):
        choice = question.choices.filter(correct=n != 1).order_by("pk").first()
        page.check(f'input[name="q{question.pk}"][value="{choice.pk}"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "quiz")
    with page.expect_navigation():
        page.click("#quiz-submit")
    assert page.locator("#score").inner_text() == "66.7"
    assert page.locator(".answer.wrong").count() == 1
    screenshot(page, "result")
    attempt = QuizAttempt.objects.get()
    assert str(attempt.score) == "66.7"
    assert Enrolment.objects.get(member=member).quiz_score == attempt.score
