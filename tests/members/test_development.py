import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.development.models import Candidate, DevelopmentStage, DevelopmentStep, FilingStatus, StepRecord
from members.development.selectors import candidate_list, development_deadlines, stage_filing_list
from members.development.services import (
    candidate_update,
    candidate_create,
    development_step_record,
    stage_filing_approve,
    stage_filing_propose,
    stage_filing_return,
)
from members.records.models import Member
from tests.members.helpers import STEP_DATES, district_actor, fast_forward, make_candidate, record_to

pytestmark = pytest.mark.django_db


def _record(candidate, number, on=None, actor=None, **kw):
    return development_step_record(actor=actor or district_actor(), candidate=candidate,
                                   step_number=number, done_on=on or STEP_DATES[number],
                                   reviewer="李书记", **kw)


def _messages(exc):
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


def test_twenty_five_steps_in_five_stages_seeded():
    steps = list(DevelopmentStep.objects.order_by("number"))
    assert len(steps) == 25
    assert [s.stage for s in steps].count(1) == 2 and {s.stage for s in steps} == {1, 2, 3, 4, 5}
    assert [s.number for s in steps if s.decides_stage] == [3, 7, 17, 24]


def test_whole_pipeline_creates_then_completes_the_member(tree, community_secretary, street_secretary):
    c = make_candidate(tree.grid, actor=community_secretary)
    assert c.stage == DevelopmentStage.APPLICANT and c.steps.count() == 1
    for last, stage in ((3, DevelopmentStage.ACTIVIST), (7, DevelopmentStage.TARGET),
                        (17, DevelopmentStage.PROBATIONARY), (24, DevelopmentStage.FULL)):
        c = record_to(c, last, actor=community_secretary)
        filing = c.filings.get(stage=stage)
        assert filing.status == FilingStatus.PROPOSED and c.stage == stage - 1  # not in effect yet
        stage_filing_approve(actor=street_secretary, filing=filing, opinion="同意")
        c.refresh_from_db()
        assert c.stage == stage
        if stage == DevelopmentStage.PROBATIONARY:
            member = c.member
            assert member.status == "probationary" and member.joined_on == STEP_DATES[15]
            assert member.org == tree.grid and member.history.first().history_user == street_secretary
    member = Member.objects.get(pk=c.member_id)
    assert member.status == "full" and member.full_member_on == datetime.date(2023, 6, 15)
    c = record_to(c, 25, actor=community_secretary)
    assert c.completed_on == STEP_DATES[25] and c.steps.count() == 25
    assert StepRecord.objects.get(candidate=c, step__number=25).history.first().history_user == community_secretary


def test_community_cannot_file_at_the_street_level(tree, community_secretary, street_secretary):
    c = record_to(make_candidate(tree.grid, actor=community_secretary), 3, actor=community_secretary)
    filing = c.filings.get()
    with pytest.raises(PermissionDenied):
        stage_filing_approve(actor=community_secretary, filing=filing)
    with pytest.raises(ValidationError, match="has not taken effect"):
        _record(c, 4, actor=community_secretary)
    stage_filing_return(actor=street_secretary, filing=filing, opinion="材料不全")
    c.refresh_from_db()
    assert c.stage == DevelopmentStage.APPLICANT
    again = stage_filing_propose(actor=community_secretary, candidate=c, opinion="已补充")
    stage_filing_approve(actor=street_secretary, filing=again)
    _record(c, 4, actor=community_secretary)
    with pytest.raises(ValidationError, match="already been decided"):
        stage_filing_approve(actor=street_secretary, filing=again)


def test_steps_go_in_order_and_once(tree):
    c = make_candidate(tree.grid)
    with pytest.raises(ValidationError, match="Step 2"):
        _record(c, 3)
    _record(c, 2)
    with pytest.raises(ValidationError, match="already recorded"):
        _record(c, 2)
    with pytest.raises(ValidationError, match="cannot come before step 2"):
        _record(c, 3, on=datetime.date(2021, 1, 10))
    with pytest.raises(ValidationError, match="future"):
        _record(c, 3, on=datetime.date(2099, 1, 1))
    with pytest.raises(ValidationError, match="Name who reviewed"):
        development_step_record(actor=district_actor(), candidate=c, step_number=3,
                                done_on=STEP_DATES[3], reviewer=" ")


def test_applicant_must_be_eighteen(tree):
    with pytest.raises(ValidationError, match="18 years"):
        make_candidate(tree.grid, birth=datetime.date(2003, 6, 1))  # 17 on 2021-01-04
    assert not Candidate.objects.exists()  # nothing half-written


def test_talk_within_a_month_of_the_application(tree):
    c = make_candidate(tree.grid)
    with pytest.raises(ValidationError) as exc:
        _record(c, 2, on=datetime.date(2021, 2, 5))
    assert "at most 1 months after step 1" in _messages(exc) and "2021-02-04" in _messages(exc)


def test_a_year_as_activist_before_development_target(tree):
    c = fast_forward(make_candidate(tree.grid), 6)
    with pytest.raises(ValidationError) as exc:
        _record(c, 7, on=datetime.date(2022, 2, 28))
    assert "at least 12 months after step 3" in _messages(exc) and "not before 2022-03-01" in _messages(exc)
    _record(c, 7, on=datetime.date(2022, 3, 1))


def test_approval_within_three_months_of_the_branch_meeting(tree):
    c = fast_forward(make_candidate(tree.grid), 16)
    with pytest.raises(ValidationError, match="at most 3 months after step 15"):
        _record(c, 17, on=datetime.date(2022, 9, 16))


def test_probationary_year_before_full_membership(tree):
    c = fast_forward(make_candidate(tree.grid), 22)
    with pytest.raises(ValidationError) as exc:
        _record(c, 23, on=datetime.date(2023, 6, 14))
    assert "at least 12 months after step 15" in _messages(exc)


def test_full_membership_approved_within_three_months(tree):
    c = fast_forward(make_candidate(tree.grid), 23)
    with pytest.raises(ValidationError, match="at most 3 months after step 23"):
        _record(c, 24, on=datetime.date(2023, 9, 16))


def test_candidate_duplicates_and_foreign_org_refused(tree, community_secretary):
    with pytest.raises(PermissionDenied):
        make_candidate(tree.other_grid, actor=community_secretary)
    with pytest.raises(ValidationError, match="already a party member"):
        candidate_create(actor=community_secretary, name="王明", gender="M", id_number=tree.member.id_number,
                         org=tree.grid, applied_on=STEP_DATES[1], reviewer="李书记")
    with pytest.raises(ValidationError, match="party branch"):
        make_candidate(tree.street)


def test_foreign_candidate_step_refused(tree, community_secretary):
    foreign = make_candidate(tree.other_grid)
    with pytest.raises(PermissionDenied):
        _record(foreign, 2, actor=community_secretary)


def test_selectors_scoped_and_counted(tree, community_secretary, django_assert_num_queries):
    own = make_candidate(tree.grid)
    make_candidate(tree.other_grid, name="赵申请")
    record_to(own, 3)
    with django_assert_num_queries(2):
        assert list(candidate_list(user=community_secretary)) == [own]
    community_secretary.__dict__.pop("_jinshui_scope", None)
    with django_assert_num_queries(2):
        assert [f.candidate_id for f in stage_filing_list(user=community_secretary)] == [own.pk]


def test_deadlines_turn_into_reminders(tree, community_secretary, django_assert_num_queries):
    from inbox.models import Message
    from members.jobs import development_deadlines as job

    c = record_to(make_candidate(tree.grid), 1)
    today = datetime.date(2021, 1, 28)  # step 2 due by 2021-02-04
    with django_assert_num_queries(4):
        rows = development_deadlines(user=community_secretary, today=today)
    assert [(r[0].pk, r[1].number, r[2]) for r in rows] == [(c.pk, 2, datetime.date(2021, 2, 4))]
    assert job("2021-01-28") == {"due": 1, "messages": 1}
    assert job("2021-01-29") == {"due": 1, "messages": 0}  # once per step and deadline
    assert Message.objects.get(recipient=community_secretary).kind == "members.development_deadline"


def test_candidate_details_change_through_the_service(tree, community_secretary):
    candidate = make_candidate(tree.grid)
    changed = candidate_update(actor=community_secretary, candidate=candidate, name="张改名", org=tree.building)
    assert (changed.name, changed.org, changed.stage) == ("张改名", tree.building, DevelopmentStage.APPLICANT)
    assert changed.history.first().history_user == community_secretary
    with pytest.raises(PermissionDenied):
        candidate_update(actor=community_secretary, candidate=candidate, org=tree.other_grid)
    with pytest.raises(ValidationError, match="Unknown field"):
        candidate_update(actor=community_secretary, candidate=candidate, stage=DevelopmentStage.FULL)
    with pytest.raises(ValidationError, match="Choose a party branch"):
        candidate_update(actor=district_actor(), candidate=candidate, org=tree.street)
    assert Candidate.objects.get(pk=candidate.pk).org == tree.building
