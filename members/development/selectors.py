"""Reads of member development: candidates, stage filings and the next steps' deadlines, cut to the user's
scope."""

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from accounts.scopes import resolve_scope
from members.rules import next_deadline

from .models import Candidate, DevelopmentStep, StageFiling, StepRecord


def development_steps():
    """The 25 steps, {number: DevelopmentStep} (one query)."""
    return {s.number: s for s in DevelopmentStep.objects.all()}


def candidate_list(*, user, write=False):
    """Development candidates `user` may see (or change, with write=True), with their branch joined in."""
    return Candidate.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__")).select_related(
        "org__parent__parent")


def candidate_can_reveal(*, user, candidate):
    """Whether `user` may see this candidate's full ID-card number and phone (only where they may change them)."""
    return resolve_scope(user).covers(candidate.org, write=True)


def stage_filing_list(*, user, write=False):
    """Stage filings the user may see; `.filter(status="proposed")` is the street's to-do list."""
    return StageFiling.objects.filter(
        resolve_scope(user).nodes_q(write=write, prefix="candidate__org__")
    ).select_related("candidate__org__parent__parent", "community_by", "street_by")


def development_deadlines(*, user, today=None, within_days=30):
    """(candidate, step, deadline) for every open candidate whose next step has an "at most" rule falling due
    within `within_days` (or overdue), soonest first. Three queries whatever the number of candidates."""
    today = today or timezone.localdate()
    steps = development_steps()
    rows = []
    candidates = candidate_list(user=user).filter(completed_on__isnull=True).prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.select_related("step").only("candidate_id", "done_on",
                                                                               "step__number"))
    )
    for candidate in candidates:
        due = next_deadline(steps, {r.step.number: r.done_on for r in candidate.steps.all()})
        if due is not None and due[1] <= today + datetime.timedelta(days=within_days):
            rows.append((candidate, *due))
    rows.sort(key=lambda r: (r[2], r[0].pk))
    return rows


def step_record_get(*, user, pk):
    """A step record of a candidate `user` may see (its attachment is downloaded through it), or None."""
    return StepRecord.objects.filter(resolve_scope(user).nodes_q(prefix="candidate__org__"), pk=pk).first()


def candidate_facts(*, candidate):
    """What a pre-review weighs: the candidate's steps done (oldest first, with their stage, date, reviewer,
    opinion and attachment) and their earlier filings with both levels' opinions. Two queries. The caller has
    already found `candidate` in the user's scope."""
    steps = list(candidate.steps.select_related("step").order_by("step__number"))
    filings = list(candidate.filings.select_related("community_by", "street_by").order_by("community_on", "pk"))
    return steps, filings
