"""Builders for member-development tests: candidates walked through the 25 steps with valid dates."""

import datetime

from members.development.models import Candidate, FilingStatus
from members.development.services import candidate_create, development_step_record, stage_filing_approve
from members.dues.services import dues_record
from members.orglife.services import meeting_record
from members.points.models import PointEntry
from members.records.validators import make_id_number
from members.training.services import quiz_save, training_class_create
from members.transfers.services import transfer_send
from tests.factories import Role, UserFactory, grant

#: A valid date for every step: a year as activist (3 → 7), approval within 3 months of the branch meeting
#: (15 → 17), the probationary year (15 → 23), approval of full membership within 3 months (23 → 24).
STEP_DATES = {
    1: datetime.date(2021, 1, 4), 2: datetime.date(2021, 1, 20), 3: datetime.date(2021, 3, 1),
    4: datetime.date(2021, 3, 10), 5: datetime.date(2021, 3, 12), 6: datetime.date(2021, 9, 1),
    7: datetime.date(2022, 3, 2), 8: datetime.date(2022, 3, 10), 9: datetime.date(2022, 3, 15),
    10: datetime.date(2022, 4, 1), 11: datetime.date(2022, 5, 1), 12: datetime.date(2022, 6, 1),
    13: datetime.date(2022, 6, 5), 14: datetime.date(2022, 6, 10), 15: datetime.date(2022, 6, 15),
    16: datetime.date(2022, 6, 20), 17: datetime.date(2022, 7, 1), 18: datetime.date(2022, 7, 5),
    19: datetime.date(2022, 7, 10), 20: datetime.date(2022, 7, 15), 21: datetime.date(2023, 1, 10),
    22: datetime.date(2023, 6, 1), 23: datetime.date(2023, 6, 15), 24: datetime.date(2023, 7, 1),
    25: datetime.date(2023, 7, 10),
}
_counter = iter(range(1, 10_000))


def district_actor():
    user = UserFactory(username="helper-district")
    if not user.role_grants.exists():
        grant(user, Role.DISTRICT_STAFF)
    return user


def make_candidate(org, *, name="张申请", actor=None, birth=datetime.date(1995, 5, 5)):
    ensure_definitions()
    n = next(_counter)
    number = make_id_number("410105", birth, 500 + n)
    return candidate_create(
        actor=actor or district_actor(), name=name, gender="M" if int(number[16]) % 2 else "F",
        id_number=number, org=org,
        applied_on=STEP_DATES[1], reviewer="李书记",
    )


def record_to(candidate, last, *, actor=None, approve=True):
    """Record the steps after the candidate's last one up to `last`; approve every stage filing on the way,
    except (with a decision step as `last`) the last one, which stays waiting for the street."""
    actor = actor or district_actor()
    done = candidate.steps.count()
    for number in range(done + 1, last + 1):
        development_step_record(actor=actor, candidate=candidate, step_number=number,
                                done_on=STEP_DATES[number], reviewer="李书记")
        filing = candidate.filings.filter(status=FilingStatus.PROPOSED).first()
        if filing is not None and approve and number != last:
            stage_filing_approve(actor=actor, filing=filing)
    return Candidate.objects.get(pk=candidate.pk)


def make_points(member, points=5, on=datetime.date(2026, 3, 1), category="volunteer"):
    return PointEntry.objects.create(member=member, on=on, category=category, points=points, reason="志愿服务",
                                     recorded_by=district_actor())


def make_transfer(member, to_org):
    return transfer_send(actor=district_actor(), member=member, to_org=to_org, reason="搬家",
                         on=datetime.date(2026, 5, 1))


def make_meeting(org, present, kind="theme_day"):
    ensure_definitions()
    return meeting_record(actor=district_actor(), org=org, kind=kind, held_on=datetime.date(2026, 5, 8),
                          topic="学习党章", minutes="会议记录", present=present)


def make_dues(member, month=datetime.date(2026, 5, 1), paid=0):
    return dues_record(actor=district_actor(), member=member, month=month, kind="employed",
                       income_base=4000, amount_paid=paid,
                       paid_on=datetime.date(2026, 5, 10) if paid else None)


def make_class(organizer, name="入党积极分子培训班"):
    return training_class_create(actor=district_actor(), organizer=organizer, name=name,
                                 starts_on=datetime.date(2026, 4, 1), ends_on=datetime.date(2026, 4, 5),
                                 planned_hours=16)


def make_quiz(klass, *, questions=None, opens=None, closes=None, attempts=2, pass_mark=60, title="党章知识测验"):
    """A quiz of three single-choice questions (the first choice right), open from yesterday to tomorrow."""
    from django.utils import timezone

    from members.training.models import Quiz

    now = timezone.now()
    quiz = Quiz(training_class=klass, title=title, opens_at=opens or now - datetime.timedelta(days=1),
                closes_at=closes or now + datetime.timedelta(days=1), attempts_allowed=attempts, pass_mark=pass_mark)
    questions = questions or [
        {"text": "中国共产党的最高理想和最终目标是？", "choices": [("实现共产主义", True), ("全面小康", False)]},
        {"text": "党的基层组织设立的条件是有正式党员几人以上？", "choices": [("三人", True), ("五人", False),
                                                                          ("七人", False)]},
        {"text": "党员的党龄从何时算起？", "choices": [("预备期满转为正式党员之日", True), ("递交申请书之日", False)]},
    ]
    return quiz_save(actor=district_actor(), quiz=quiz, questions=questions)


def fast_forward(candidate, last):
    """Like record_to(…, approve=True) but written directly (for tests of a later step's rules): the steps up to
    `last` with their dates, and every stage decided on the way filed by both levels."""
    from members.development.models import DevelopmentStep, StageFiling, StepRecord

    actor = district_actor()
    steps = {s.number: s for s in DevelopmentStep.objects.all()}
    done = candidate.steps.count()
    StepRecord.objects.bulk_create([
        StepRecord(candidate=candidate, step=steps[n], done_on=STEP_DATES[n], reviewer="李书记", recorded_by=actor)
        for n in range(done + 1, last + 1)])
    stage = candidate.stage
    for n in range(done + 1, last + 1):
        if steps[n].decides_stage:
            StageFiling.objects.create(candidate=candidate, stage=steps[n].stage, status=FilingStatus.APPROVED,
                                       community_by=actor, community_on=STEP_DATES[n], street_by=actor,
                                       street_on=STEP_DATES[n])
            stage = steps[n].stage
    Candidate.objects.filter(pk=candidate.pk).update(stage=stage)
    return Candidate.objects.get(pk=candidate.pk)


def ensure_definitions():
    """Re-run the members data migrations' seeds (idempotent) after a flush by a transactional test."""
    import importlib

    from django.apps import apps

    from members.development.models import DevelopmentStep
    from members.orglife.models import DutyItem

    # (Beat's schedules come back by themselves: the flush's post_migrate installs them from the job registry.)
    if DevelopmentStep.objects.count() == 25 and DutyItem.objects.exists():
        return
    for name in ("0003_seed_steps_and_schedule", "0007_seed_duty_items"):
        importlib.import_module(f"members.migrations.{name}").seed(apps, None)
