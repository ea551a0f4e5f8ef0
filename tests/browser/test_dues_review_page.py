"""The monthly dues review in a real browser: the community's secretary reviews a month (with screenshots), under
the Content-Security-Policy."""

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-x3")


@pytest.fixture
def shot(screenshot):
    def take(page, label):
        path = screenshot(page, label)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)

    return take


def test_a_community_secretary_reviews_a_month_of_dues(live_server, page, sign_in, shot, tree, community_secretary):
    from django.utils import timezone

    from members.dues.models import DuesReview
    from members.dues.selectors import _months_back
    from members.dues.services import dues_record
    from tests.factories import MemberFactory

    month = _months_back(timezone.localdate(), 2)
    for member, paid in ((tree.member, 40), (MemberFactory(org=tree.building, name="赵丽"), 0)):
        dues_record(actor=community_secretary, member=member, month=month, kind="employed", income_base=4000,
                    amount_paid=paid, paid_on=month if paid else None)
    sign_in(page, community_secretary)
    page.goto(f"{live_server.url}/workbench/")
    assert page.locator("#wb-dues .wb-items li").count() == 1
    shot(page, "dues-workbench")
    page.click("#wb-dues .wb-items a")
    row = page.locator(f"#dues-{tree.community.pk}-{month:%Y-%m}")
    assert "省委社区" in row.inner_text() and "¥40.00" in row.inner_text()
    shot(page, "dues-review")
    row.locator("input[name=opinion]").fill("一人欠缴，已提醒")
    with page.expect_navigation():
        row.locator("button").click()
    assert "已审核 省委社区" in page.locator(".flash").inner_text()
    assert page.locator("#dues-review-empty").is_visible()
    shot(page, "dues-reviewed")
    assert DuesReview.objects.get().opinion == "一人欠缴，已提醒"
