"""A party member on a phone-sized browser practises a question of the bank (and reads the explanation), then
enters a knowledge contest, hands in the paper before the clock runs out and sees their score and ranks."""

import pytest

from learning.models import ContestAttempt, PracticeAnswer
from learning.selectors import contest_paper
from members.points.models import PointEntry
from tests.browser.test_booking_mobile import PHONE, phone_sign_in
from tests.learning.conftest import learning  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_practises_and_enters_a_contest(live_server, page, screenshot, password, learning):  # noqa: F811
    learning.user.set_password(password)
    learning.user.save()
    phone_sign_in(page, live_server, learning.user, password)
    page.goto(f"{live_server.url}/m/party/")
    page.click("#party-learning")
    assert "学党章知识竞赛" in page.locator("#contests").inner_text()
    assert "学习新党章" in page.locator("#lessons").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home")

    page.click("#practice-topics >> text=党章党规")
    page.locator("#practice-form label.choice").first.click()
    with page.expect_navigation():
        page.click("#practice-submit")
    assert "全心全意为人民服务" in page.locator("#practice-result").inner_text()
    assert PracticeAnswer.objects.filter(member=learning.tree.member).count() == 1
    screenshot(page, "practice")

    page.goto(f"{live_server.url}/m/learn/contests/{learning.contest.pk}/")
    with page.expect_navigation():
        page.click("#contest-start")
    assert "/paper/" in page.url
    assert page.locator("#clock b").inner_text().count(":") == 1  # the clock runs (m:ss)
    for question in contest_paper(learning.contest):
        for option in question.options.all():
            if option.correct:
                page.check(f'input[name="q{question.pk}"][value="{option.pk}"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#clock").is_visible()  # kept in sight below the top bar while scrolling
    screenshot(page, "paper")
    with page.expect_navigation():
        page.click("#paper-submit")
    assert page.locator("#my-score").inner_text().strip() == "100.0"
    assert "ranking-branch" in page.content() and "ranking-district" in page.content()
    attempt = ContestAttempt.objects.get(member=learning.tree.member)
    assert attempt.status == "submitted" and PointEntry.objects.filter(member=learning.tree.member).count() == 1
    screenshot(page, "result")
