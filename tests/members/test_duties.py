import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inbox.models import Message
from jobs import ledger, registry
from jobs.ledger import run_once
from members.jobs import COMPLIANCE_JOB, DUTY_REMINDER_JOB
from members.orglife.models import ComplianceSnapshot, DutyDone, DutyItem
from members.orglife.selectors import duty_status
from members.orglife.services import duty_mark_done
from members.rules import duty_period, duty_period_end
from tests.members.helpers import make_meeting

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("frequency,day,period,end", [
    ("weekly", datetime.date(2026, 4, 1), "2026-W14", datetime.date(2026, 4, 5)),
    ("monthly", datetime.date(2026, 4, 1), "2026-04", datetime.date(2026, 4, 30)),
    ("quarterly", datetime.date(2026, 5, 9), "2026Q2", datetime.date(2026, 6, 30)),
    ("half_yearly", datetime.date(2026, 8, 9), "2026H2", datetime.date(2026, 12, 31)),
    ("yearly", datetime.date(2026, 8, 9), "2026", datetime.date(2026, 12, 31)),
])
def test_periods(frequency, day, period, end):
    assert duty_period(frequency, day) == period and duty_period_end(period) == end


def test_meetings_tick_items_and_late_items_count_late(tree, community_secretary, django_assert_num_queries):
    make_meeting(tree.community, [tree.member])  # a theme party day in May 2026
    theme = DutyItem.objects.get(meeting_kind="theme_day")
    assert DutyDone.objects.get(org=tree.community, item=theme).period == "2026-05"
    dues = DutyItem.objects.get(number=4)
    late = duty_mark_done(actor=community_secretary, org=tree.community, item=dues, period="2026-04",
                          done_on=datetime.date(2026, 5, 3))
    assert not late.on_time
    with pytest.raises(ValidationError, match="already done"):
        duty_mark_done(actor=community_secretary, org=tree.community, item=dues, period="2026-04",
                       done_on=datetime.date(2026, 4, 3))
    with pytest.raises(ValidationError, match="not a period"):
        duty_mark_done(actor=community_secretary, org=tree.community, item=dues, period="2026Q2",
                       done_on=datetime.date(2026, 4, 3))
    with pytest.raises(PermissionDenied):
        duty_mark_done(actor=community_secretary, org=tree.other_community, item=dues,
                       done_on=datetime.date(2026, 4, 3))
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(3):
        status = duty_status(user=community_secretary, org=tree.community, day=datetime.date(2026, 5, 20))
    assert [(item.number, done is not None) for item, _p, done in status][:4] == [(1, False), (2, False), (3, True),
                                                                                 (4, False)]


def _on_the_first(year, month):
    """Beat's runs on the 1st at 07:30 (Asia/Shanghai): each job for its default period."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(year, month, 1, 7, 30))


def test_monthly_reminders_and_quarterly_snapshot_run_once(tree, community_secretary):
    make_meeting(tree.community, [tree.member])
    period, result, _ran = ledger.run(DUTY_REMINDER_JOB, now=_on_the_first(2026, 6))
    assert (period, result) == ("2026-05", {"communities_missing": 2, "messages": 1})
    message = Message.objects.get(recipient=community_secretary, kind="members.duty_reminder")
    assert "召开党小组会" in message.body and "开展主题党日活动" not in message.body
    assert ledger.run(DUTY_REMINDER_JOB, now=_on_the_first(2026, 6))[1]["messages"] == 1  # the stored result: once
    assert Message.objects.filter(kind="members.duty_reminder").count() == 1
    # The snapshot runs after a quarter's last month only, for the quarter just ended.
    compliance = registry.get(COMPLIANCE_JOB)
    assert compliance.schedule["month_of_year"] == "1,4,7,10" and "month_of_year" not in registry.get(
        DUTY_REMINDER_JOB).schedule
    ledger.run(DUTY_REMINDER_JOB, now=_on_the_first(2026, 7))
    period, result, _ran = ledger.run(COMPLIANCE_JOB, now=_on_the_first(2026, 7))
    assert (period, result) == ("2026Q2", {"branches": 2, "due": 13 + 4 * 3 + 2 + 1})
    snapshot = ComplianceSnapshot.objects.get(org=tree.community, quarter="2026Q2")
    assert (snapshot.done, snapshot.on_time) == (1, 1)
    run_once(COMPLIANCE_JOB, "2026Q2")
    assert ComplianceSnapshot.objects.filter(quarter="2026Q2").count() == 2


def test_monthly_command(tree, community_secretary):
    from django.core.management import call_command

    for _ in range(2):
        call_command("run_job", DUTY_REMINDER_JOB, "2026-06")
        call_command("run_job", COMPLIANCE_JOB, "2026Q2")
    assert Message.objects.filter(recipient=community_secretary, kind="members.duty_reminder").count() == 1
    assert ComplianceSnapshot.objects.filter(quarter="2026Q2").count() == 2


def test_periods_ending_in_a_month():
    from members.jobs import periods_ending_in

    assert periods_ending_in("2026-05") == {"monthly": ["2026-05"],
                                            "weekly": ["2026-W18", "2026-W19", "2026-W20", "2026-W21", "2026-W22"]}
    june = periods_ending_in("2026-06")
    assert (june["quarterly"], june["half_yearly"], "yearly" in june) == (["2026Q2"], ["2026H1"], False)
    assert periods_ending_in("2026-12")["yearly"] == ["2026"]
    # 2026-11-29 is a Sunday; the week of Monday 30 November ends in December.
    assert periods_ending_in("2026-11")["weekly"][-1] == "2026-W48"
    assert periods_ending_in("2026-12")["weekly"][0] == "2026-W49"


def test_reminders_name_every_frequency_whose_period_ended(tree, community_secretary):
    meeting_item = DutyItem.objects.get(number=6)  # 召开党员大会, quarterly
    duty_mark_done(actor=community_secretary, org=tree.community, item=meeting_item,
                   done_on=datetime.date(2026, 5, 12))
    weekly = DutyItem.objects.get(number=1)
    duty_mark_done(actor=community_secretary, org=tree.community, item=weekly,
                   done_on=datetime.date(2026, 6, 3))  # week 23 done, weeks 24-26 not
    run_once(DUTY_REMINDER_JOB, "2026-06")
    body = Message.objects.get(recipient=community_secretary, kind="members.duty_reminder").body.splitlines()
    assert "召开党员大会 (2026Q2)" not in body and "上党课 (2026Q2)" in body
    assert "开展党员积分评定 (2026H1)" in body and not any("(2026)" in line for line in body)
    assert [line for line in body if line.startswith("组织党员开展周学习")] == [
        "组织党员开展周学习 (2026-W24)", "组织党员开展周学习 (2026-W25)", "组织党员开展周学习 (2026-W26)"]
    assert "收缴党费 (2026-06)" in body
    run_once(DUTY_REMINDER_JOB, "2026-12")
    december = Message.objects.filter(recipient=community_secretary, kind="members.duty_reminder").order_by("-pk")[0]
    assert "召开组织生活会 (2026)" in december.body.splitlines()
