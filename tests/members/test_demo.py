import datetime

import pytest

from demo import members as demo
from demo import tree as grid_demo
from members.development.models import Candidate, StageFiling, StepRecord
from members.points.models import PointEntry
from members.records.models import BirthdayGreeting

pytestmark = pytest.mark.django_db

SMALL = grid_demo.Counts(streets=2, level2=4, villages=1, grids=6, building_groups=8, members=80, residents=2)
TODAY = datetime.date(2026, 11, 25)


def _counts():
    return [Candidate.objects.count(), StepRecord.objects.count(), StageFiling.objects.count(),
            PointEntry.objects.count(), BirthdayGreeting.objects.count()]


def test_seed_is_deterministic_and_consistent():
    grid_demo.insert(grid_demo.generate(1, counts=SMALL, seed=7, today=TODAY))
    lines = demo.seed(scale=1, seed=7, hashed_password="x", today=TODAY)
    counts = dict(lines)
    assert [counts["development candidates"], counts["development step records"], counts["stage filings"],
            counts["points entries"] + counts["points from attendance"], counts["political birthday greetings"]
            ] == _counts()
    assert Candidate.objects.count() == 4 * demo.CANDIDATES_PER_COMMUNITY
    first = list(StepRecord.objects.order_by("candidate__id_number", "step__number").values_list(
        "candidate__id_number", "step__number", "done_on"))
    # Every candidate's steps are consecutive from 1 and a stage in effect has an approved filing.
    for candidate in Candidate.objects.prefetch_related("steps__step", "filings"):
        numbers = sorted(r.step.number for r in candidate.steps.all())
        assert numbers == list(range(1, len(numbers) + 1))
        approved = {f.stage for f in candidate.filings.all() if f.status == "approved"}
        assert set(range(2, candidate.stage + 1)) <= approved
    from django.db.models import Sum

    from members.dues.models import DuesPayment
    from members.orglife.models import Attendance, Meeting
    from members.training.models import Enrolment, SignIn, TrainingClass
    from members.transfers.models import Transfer

    for enrolment in Enrolment.objects.annotate(total=Sum("sign_ins__hours")):
        assert enrolment.total == enrolment.hours
    assert Meeting.objects.exists() and Attendance.objects.exists() and DuesPayment.objects.exists()
    assert Transfer.objects.exists() and TrainingClass.objects.count() == 26
    assert PointEntry.objects.filter(meeting__isnull=False).count() == Attendance.objects.filter(present=True).count()
    for model in (SignIn, Enrolment, TrainingClass, Transfer, DuesPayment, Attendance, BirthdayGreeting, PointEntry,
                  Meeting, StageFiling, StepRecord, Candidate):
        model.objects.all().delete()
    demo.seed(scale=1, seed=7, hashed_password="x", today=TODAY)
    assert first == list(StepRecord.objects.order_by("candidate__id_number", "step__number").values_list(
        "candidate__id_number", "step__number", "done_on"))
