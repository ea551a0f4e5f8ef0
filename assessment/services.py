"""Writes of the assessment app: keyword-only, atomic, scope-checked through accounts.scopes.

Who may do what:
- district staff score streets and departments (and may score communities), close, reopen and publish quarters,
  plan and publish inspections, record any interview;
- a street secretary scores the communities of their street and interviews their community secretaries;
- an inspector records their own inspections, findings and follow-ups;
- a unit's secretary reports a finding of their unit rectified (the inspector or the district closes it).
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import resolve_scope
from grids.models import OrgNode
from core.errors import PermissionDenied, ValidationError
from jobs.registry import enqueue

from .models import (
    LEVEL_OF_TREE,
    Department,
    Finding,
    FindingStatus,
    FollowUp,
    Indicator,
    Inspection,
    InspectionPlan,
    Interview,
    InterviewReason,
    InterviewStatus,
    Quarter,
    QuarterStatus,
    Score,
    UnitLevel,
)
from core.periods import month_of, parse_month, parse_quarter, quarter_start

# --- who may do what (shared with selectors and views) ---------------------------------------------


def unit_level(unit):
    """The UnitLevel of an OrgNode (level 1 or 2) or a Department; None for other nodes."""
    if isinstance(unit, Department):
        return UnitLevel.DEPARTMENT
    if isinstance(unit, OrgNode):
        return LEVEL_OF_TREE.get(unit.level)
    return None


def street_secretary_paths(scope):
    """Paths of the streets where the user holds the street secretary role."""
    return [p for p, role in scope.grant_paths.items() if role == Role.STREET_SECRETARY]


def can_assess(user, unit):
    """Whether `user` scores `unit`: district staff everything, a street secretary their street's communities."""
    scope = resolve_scope(user)
    level = unit_level(unit)
    if level is None:
        return False
    if scope.write_all:
        return True
    if level == UnitLevel.COMMUNITY:
        return any(unit.path.startswith(p) for p in street_secretary_paths(scope))
    return False


def can_interview(user, unit):
    """The district interviews street secretaries and departments; a street its community secretaries."""
    return can_assess(user, unit)


def is_district(user):
    return resolve_scope(user).write_all


def is_inspector(user):
    scope = resolve_scope(user)
    return scope.write_all or scope.has_role(Role.INSPECTOR)


# --- scores and quarters ---------------------------------------------------------------------------


def _quarter_key(quarter):
    try:
        parse_quarter(quarter)
    except ValueError as exc:
        raise ValidationError({"quarter": [str(exc)]}) from exc
    return quarter


def _locked_quarter(key):
    """The quarter's row, locked for this transaction (created open if missing)."""
    Quarter.objects.get_or_create(key=key)
    return Quarter.objects.select_for_update().get(key=key)


def _parse_score(value):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({"score": [_("Enter a number.")]})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"score": [_("Use at most two decimal places.")]})
    return number


@transaction.atomic
def score_enter(*, actor, unit, quarter, indicator, score, evidence):
    """Enter (or correct) `unit`'s score on `indicator` for `quarter`, with a note of evidence."""
    quarter = _quarter_key(quarter)
    if not can_assess(actor, unit):
        raise PermissionDenied(_("You do not assess this unit."))
    if quarter_start(quarter) > timezone.localdate():
        raise ValidationError({"quarter": [_("Quarter %(quarter)s has not begun yet.") % {"quarter": quarter}]})
    state = _locked_quarter(quarter)
    if state.status == QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is published and locked.") % {"quarter": quarter}]})
    if state.status == QuarterStatus.CLOSED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is closed for scoring.") % {"quarter": quarter}]})
    if not isinstance(indicator, Indicator):
        raise ValidationError({"indicator": [_("Choose an indicator.")]})
    level = unit_level(unit)
    plan = indicator.plan
    year, _q = parse_quarter(quarter)
    if plan.level != level or plan.year != year:
        raise ValidationError({"indicator": [_("This indicator belongs to another plan than this unit's %(year)s plan.")
                                             % {"year": year}]})
    value = _parse_score(score)
    if value < 0:
        raise ValidationError({"score": [_("A score cannot be negative.")]})
    if value > indicator.max_score:
        raise ValidationError({"score": [_("“%(name)s” is scored out of %(max)s: %(score)s is too high.") % {
            "name": indicator.name, "max": indicator.max_score, "score": value}]})
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": [_("Note the evidence for this score.")]})
    unit_field = {"department": unit} if level == UnitLevel.DEPARTMENT else {"org": unit}
    obj, _created = Score.objects.update_or_create(
        quarter=quarter, indicator=indicator, **unit_field,
        defaults={"level": level, "score": value, "max_score": indicator.max_score, "weight": indicator.weight,
                  "evidence": evidence, "entered_by": actor},
    )
    return obj


def _require_district(actor):
    if not is_district(actor):
        raise PermissionDenied(_("Only district staff may do this."))


@transaction.atomic
def quarter_set_status(*, actor, quarter, status):
    """Close or reopen a quarter for scoring (district staff). A published quarter stays locked."""
    _require_district(actor)
    quarter = _quarter_key(quarter)
    if status not in (QuarterStatus.OPEN, QuarterStatus.CLOSED):
        raise ValidationError({"status": [_("Publish a quarter with the publish action.")]})
    state = _locked_quarter(quarter)
    if state.status == QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is published and locked.") % {"quarter": quarter}]})
    state.status, state.changed_by = status, actor
    state.save()
    return state


@transaction.atomic
def quarter_publish(*, actor, quarter):
    """Publish a quarter: lock it, and queue the ranking job (snapshot + interview suggestions) after commit."""
    _require_district(actor)
    quarter = _quarter_key(quarter)
    if quarter_start(quarter) > timezone.localdate():
        raise ValidationError({"quarter": [_("Quarter %(quarter)s has not begun yet.") % {"quarter": quarter}]})
    state = _locked_quarter(quarter)
    if state.status == QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is already published.") % {"quarter": quarter}]})
    state.status, state.changed_by = QuarterStatus.PUBLISHED, actor
    state.save()
    enqueue("assessment.quarterly_ranking", quarter)
    return state


def mark_published(quarter):
    """Lock a quarter from a job (no actor)."""
    state = _locked_quarter(quarter)
    if state.status != QuarterStatus.PUBLISHED:
        state.status = QuarterStatus.PUBLISHED
        state.save()
    return state


# --- inspections -----------------------------------------------------------------------------------


def _month_key(month):
    try:
        parse_month(month)
    except ValueError as exc:
        raise ValidationError({"month": [str(exc)]}) from exc
    return month


def _inspectable(org):
    if not isinstance(org, OrgNode) or org.level not in (1, 2):
        raise ValidationError({"org": [_("Inspections cover streets, communities and villages.")]})


def inspection_plan_check(*, actor, month, org, inspector):
    """Raise unless `org` may go on `month`'s plan for `inspector` (district staff draw up the plan)."""
    _require_district(actor)
    month = _month_key(month)
    _inspectable(org)
    if inspector is None or not resolve_scope(inspector).has_role(Role.INSPECTOR):
        raise ValidationError({"inspector": [_("This user is not an inspector.")]})
    if InspectionPlan.objects.filter(month=month, org=org).exists():
        raise ValidationError({"org": [_("This unit is already on the plan for %(month)s.") % {"month": month}]})


@transaction.atomic
def inspection_plan_add(*, actor, month, org, inspector):
    """Put `org` on `month`'s inspection plan for `inspector` (district staff)."""
    inspection_plan_check(actor=actor, month=month, org=org, inspector=inspector)
    try:
        with transaction.atomic():
            return InspectionPlan.objects.create(month=month, org=org, inspector=inspector)
    except IntegrityError:
        raise ValidationError({"org": [_("This unit is already on the plan for %(month)s.") % {"month": month}]}) \
            from None


@transaction.atomic
def inspection_record(*, actor, org, visited_on, summary, plan=None):
    """An inspector records their own visit (district staff may record one too)."""
    if not is_inspector(actor):
        raise PermissionDenied(_("Only inspectors record inspections."))
    _inspectable(org)
    if plan is not None and (plan.org_id != org.pk or (plan.inspector_id != actor.pk and not is_district(actor))):
        raise ValidationError({"plan": [_("This plan entry is for another unit or inspector.")]})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("The visit cannot be in the future.")]})
    if not (summary or "").strip():
        raise ValidationError({"summary": [_("Summarise what the inspection saw.")]})
    return Inspection.objects.create(plan=plan, month=month_of(visited_on), org=org, inspector=actor,
                                     visited_on=visited_on, summary=summary.strip())


def _own_inspection(actor, inspection):
    if inspection.inspector_id != actor.pk and not is_district(actor):
        raise PermissionDenied(_("This is another inspector's inspection."))


@transaction.atomic
def finding_add(*, actor, inspection, description, deadline):
    """Record a finding of the actor's own inspection, to be rectified by `deadline`."""
    _own_inspection(actor, inspection)
    if not (description or "").strip():
        raise ValidationError({"description": [_("Describe the finding.")]})
    if deadline < inspection.visited_on:
        raise ValidationError({"deadline": [_("The deadline cannot come before the inspection.")]})
    return Finding.objects.create(inspection=inspection, org_id=inspection.org_id, description=description.strip(),
                                  found_on=inspection.visited_on, deadline=deadline)


@transaction.atomic
def finding_follow_up(*, actor, finding, note, status, on=None):
    """Add a follow-up. The unit reports it rectified; the inspector (or the district) closes or reopens it."""
    finding = Finding.objects.select_for_update().select_related("inspection", "org").get(pk=finding.pk)
    on = on or timezone.localdate()
    scope = resolve_scope(actor)
    own = finding.inspection.inspector_id == actor.pk or scope.write_all
    unit = scope.covers(finding.org, write=True)
    if status not in FindingStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    if not own and not (unit and status == FindingStatus.RECTIFIED):
        raise PermissionDenied(_("You may not change this finding."))
    if finding.status == FindingStatus.CLOSED and not own:
        raise ValidationError({"status": [_("This finding is closed.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Write what was done.")]})
    followup = FollowUp.objects.create(finding=finding, author=actor, on=on, note=note.strip(), status=status)
    finding.status = status
    finding.closed_on = on if status == FindingStatus.CLOSED else None
    finding.save(update_fields=["status", "closed_on"])
    return followup


@transaction.atomic
def inspection_publish(*, actor, inspection):
    """Put an inspection on the published notice list (district staff)."""
    _require_district(actor)
    if inspection.published_at is None:
        inspection.published_at = timezone.now()
        inspection.save(update_fields=["published_at"])
    return inspection


# --- interviews ------------------------------------------------------------------------------------


def interview_check(*, actor, unit, reason, interviewee, held_on, outcome, follow_up_on=None):
    """Raise unless `actor` may record this interview of `unit` as given."""
    if unit is None:
        raise ValidationError({"org": [_("Choose the unit interviewed.")]})
    if not can_interview(actor, unit):
        raise PermissionDenied(_("You do not interview this unit's secretary."))
    errors = {}
    if reason not in InterviewReason.values:
        errors["reason"] = [_("Choose a reason.")]
    if not (interviewee or "").strip():
        errors["interviewee"] = [_("Name the person interviewed.")]
    if held_on is None:
        errors["held_on"] = [_("Give the date of the interview.")]
    elif held_on > timezone.localdate():
        errors["held_on"] = [_("The interview cannot be in the future.")]
    if not (outcome or "").strip():
        errors["outcome"] = [_("Write the outcome.")]
    if follow_up_on and held_on and follow_up_on < held_on:
        errors["follow_up_on"] = [_("The follow-up comes after the interview.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def interview_record(*, actor, unit, reason, interviewee, held_on, outcome, follow_up_on=None, detail="",
                     interview=None):
    """Record an interview held (or complete a suggested one): who interviewed whom, why, outcome, follow-up."""
    if interview is not None:
        unit = interview.org or interview.department
    interview_check(actor=actor, unit=unit, reason=reason, interviewee=interviewee, held_on=held_on,
                    outcome=outcome, follow_up_on=follow_up_on)
    if interview is None:
        interview = Interview(**({"department": unit} if isinstance(unit, Department) else {"org": unit}))
    interview.reason = reason
    interview.interviewee = interviewee.strip()
    interview.interviewer = actor
    interview.status = InterviewStatus.HELD
    interview.held_on, interview.outcome, interview.follow_up_on = held_on, outcome.strip(), follow_up_on
    interview.detail = detail or interview.detail
    interview.save()
    return interview
