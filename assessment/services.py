"""Writes of the assessment app: keyword-only, atomic, scope-checked through accounts.scopes.

Who may do what:
- district staff score streets and departments (and may score communities), close, reopen and publish quarters,
  plan and publish inspections, record any interview;
- a street secretary scores the communities of their street and interviews their community secretaries;
- an inspector records their own inspections, findings and follow-ups;
- a unit's secretary reports a finding of their unit rectified (the inspector or the district closes it).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scopes import holds_role, is_district, is_inspector, resolve_scope, role_paths
from core.errors import PermissionDenied, ValidationError
from grids.models import OrgNode
from jobs.queue import enqueue

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
    InterviewAction,
    InterviewReason,
    InterviewStatus,
    Plan,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterStatus,
    RankingSnapshot,
    Score,
    UnitLevel,
)
from core.periods import month_of, parse_month, parse_quarter, quarter_end, quarter_start

# --- who may do what (shared with selectors and views) ---------------------------------------------


def unit_level(unit):
    """The UnitLevel of an OrgNode (level 1 or 2) or a Department; None for other nodes."""
    if isinstance(unit, Department):
        return UnitLevel.DEPARTMENT
    if isinstance(unit, OrgNode):
        return LEVEL_OF_TREE.get(unit.level)
    return None


def can_assess(user, unit):
    """Whether `user` scores `unit`: district staff everything, a street secretary their street's communities."""
    level = unit_level(unit)
    if level is None:
        return False
    if is_district(user):
        return True
    if level == UnitLevel.COMMUNITY:
        return any(unit.path.startswith(p) for p in role_paths(user, Role.STREET_SECRETARY))
    return False


def can_interview(user, unit):
    """The district interviews street secretaries and departments; a street its community secretaries."""
    return can_assess(user, unit)


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


def _check_quarter_begun(quarter):
    if quarter_start(quarter) > timezone.localdate():
        raise ValidationError({"quarter": [_("Quarter %(quarter)s has not begun yet.") % {"quarter": quarter}]})


def _check_quarter_open(quarter, status):
    if status == QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is published and locked.") % {"quarter": quarter}]})
    if status == QuarterStatus.CLOSED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is closed for scoring.") % {"quarter": quarter}]})


def _checked_score(unit, quarter, indicator, score, evidence):
    """(score as a Decimal, evidence) of one indicator's entry, or a ValidationError saying what is wrong."""
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
    return value, evidence


def _unit_field(unit):
    return {"department": unit} if unit_level(unit) == UnitLevel.DEPARTMENT else {"org": unit}


@transaction.atomic
def score_enter(*, actor, unit, quarter, indicator, score, evidence):
    """Enter (or correct) `unit`'s score on `indicator` for `quarter`, with a note of evidence."""
    quarter = _quarter_key(quarter)
    if not can_assess(actor, unit):
        raise PermissionDenied(_("You do not assess this unit."))
    _check_quarter_begun(quarter)
    state = _locked_quarter(quarter)
    _check_quarter_open(quarter, state.status)
    value, evidence = _checked_score(unit, quarter, indicator, score, evidence)
    obj, _created = Score.objects.update_or_create(
        quarter=quarter, indicator=indicator, **_unit_field(unit),
        defaults={"level": unit_level(unit), "score": value, "max_score": indicator.max_score,
                  "weight": indicator.weight, "evidence": evidence, "entered_by": actor},
    )
    return obj


class ScoreSheetError(ValidationError):
    """A unit's score sheet refused: `by_indicator` maps the pk of each refused indicator to its ValidationError
    (its messages keyed by "score", "evidence", "quarter" or "indicator")."""

    def __init__(self, by_indicator):
        super().__init__([message for exc in by_indicator.values() for message in exc.messages])
        self.by_indicator = by_indicator


def _unchanged(old, score, evidence):
    if old is None or score is None or old.evidence != (evidence or "").strip():
        return False
    try:
        return old.score == Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        return False


def _score_sheet(actor, unit, quarter, scores, *, lock):
    """Check a sheet; returns (quarter, [(indicator, score, evidence, existing row or None)] to write)."""
    quarter = _quarter_key(quarter)
    if not can_assess(actor, unit):
        raise PermissionDenied(_("You do not assess this unit."))
    indicator_ids = [getattr(indicator, "pk", None) for indicator in scores]
    existing = {s.indicator_id: s for s in Score.objects.filter(
        quarter=quarter, indicator_id__in=[pk for pk in indicator_ids if pk is not None], **_unit_field(unit))}
    # A blank line and a line left as it was are not entries.
    entries = [
        (indicator, score, evidence) for indicator, (score, evidence) in scores.items()
        if not (score is None and not (evidence or "").strip())
        and not _unchanged(existing.get(getattr(indicator, "pk", None)), score, evidence)
    ]
    if not entries:
        return quarter, []
    sheet_refusal = None
    try:
        _check_quarter_begun(quarter)
        if lock:
            status = _locked_quarter(quarter).status
            existing = {s.indicator_id: s for s in Score.objects.filter(
                quarter=quarter, indicator_id__in=[pk for pk in indicator_ids if pk is not None],
                **_unit_field(unit))}  # read again under the quarter's lock: every score writer takes it
        else:
            status = Quarter.objects.filter(key=quarter).values_list("status", flat=True).first()
        _check_quarter_open(quarter, status)
    except ValidationError as exc:
        sheet_refusal = exc
    refused, rows = {}, []
    for indicator, score, evidence in entries:
        key = getattr(indicator, "pk", indicator)
        if score is None:
            refused[key] = ValidationError({"score": [_("Enter a score.")]})
        elif sheet_refusal is not None:
            refused[key] = sheet_refusal
        else:
            try:
                value, note = _checked_score(unit, quarter, indicator, score, evidence)
            except ValidationError as exc:
                refused[key] = exc
            else:
                rows.append((indicator, value, note, existing.get(indicator.pk)))
    if refused:
        raise ScoreSheetError(refused)
    return quarter, rows


def unit_quarter_scores_check(*, actor, unit, quarter, scores):
    """Raise as `unit_quarter_scores_enter` would, writing nothing (the form has errors of its own elsewhere)."""
    _score_sheet(actor, unit, quarter, scores, lock=False)


@transaction.atomic
def unit_quarter_scores_enter(*, actor, unit, quarter, scores):
    """Enter (or correct) a unit's scores for a quarter in one go: all of them or none.

    `scores` maps each indicator of the unit's plan to (score, evidence). A blank line, or one left as it was,
    is skipped; every other line must be a valid score with its evidence. Refusals raise ScoreSheetError, whose
    `by_indicator` says what is wrong with each line; nothing is written then. The scores are written with one
    insert and one update, under the quarter's lock. Returns the Score rows written.
    """
    quarter, rows = _score_sheet(actor, unit, quarter, scores, lock=True)
    if not rows:
        return []
    level, unit_field, now = unit_level(unit), _unit_field(unit), timezone.now()
    written, created, updated = [], [], []
    for indicator, value, evidence, obj in rows:
        if obj is None:
            obj = Score(quarter=quarter, indicator=indicator, **unit_field)
            created.append(obj)
        else:
            obj.entered_at = now
            updated.append(obj)
        obj.level, obj.score, obj.evidence, obj.entered_by = level, value, evidence, actor
        obj.max_score, obj.weight = indicator.max_score, indicator.weight
        written.append(obj)
    Score.objects.bulk_create(created)
    Score.objects.bulk_update(updated, ["level", "score", "max_score", "weight", "evidence", "entered_by",
                                        "entered_at"])
    return written


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


def quarter_unscored(*, quarter):
    """The units of every kind with a plan for the quarter's year that have no score at all in `quarter`
    ({"level", "code", "name"}, by kind then code): what a publication would rank apart. A constant number of
    queries."""
    from .ranking import _unit_key, _units

    year = parse_quarter(quarter)[0]
    levels = [lv for lv in UnitLevel.values if lv in set(Plan.objects.filter(year=year).values_list("level",
                                                                                                    flat=True))]
    scored = {_unit_key(r) for r in Score.objects.filter(quarter=quarter).values("org_id", "department_id")
              .distinct().order_by()}
    return [{"level": level, "code": u["code"], "name": u["name"]}
            for level in levels for u in sorted(_units(level), key=lambda u: u["code"]) if u["key"] not in scored]


@transaction.atomic
def quarter_publish(*, actor, quarter, exception_reason=""):
    """Publish a quarter (district staff): only once it has ended, and with every unit of every planned kind
    scored, or with `exception_reason` saying why the unscored units (recorded by name) are left unranked. Locks
    it, records who published it (QuarterLog), and queues the ranking job (snapshot + interview suggestions)."""
    _require_district(actor)
    quarter = _quarter_key(quarter)
    today = timezone.localdate()
    if quarter_end(quarter) >= today:
        raise ValidationError({"quarter": [
            _("Quarter %(quarter)s has not ended yet: it can be published from %(day)s.") % {
                "quarter": quarter, "day": (quarter_end(quarter) + datetime.timedelta(days=1)).isoformat()}]})
    state = _locked_quarter(quarter)
    if state.status == QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is already published.") % {"quarter": quarter}]})
    if not Plan.objects.filter(year=parse_quarter(quarter)[0]).exists():
        raise ValidationError({"quarter": [_("There is no assessment plan for %(year)s: nothing to rank.") % {
            "year": parse_quarter(quarter)[0]}]})
    unscored = quarter_unscored(quarter=quarter)
    reason = (exception_reason or "").strip()
    if unscored and not reason:
        names = "、".join(u["name"] for u in unscored[:10]) + ("……" if len(unscored) > 10 else "")
        raise ValidationError({"exception_reason": [ValidationError(
            _("%(count)s units have no score in %(quarter)s (%(names)s). Score them, or give the reason to "
              "publish without them.") % {"count": len(unscored), "quarter": quarter, "names": names},
            code="unscored")]})
    state.status, state.changed_by = QuarterStatus.PUBLISHED, actor
    state.save()
    QuarterLog.objects.create(quarter=quarter, action=QuarterAction.PUBLISH, reason=reason if unscored else "",
                              unscored=unscored, by=actor)
    enqueue("assessment.quarterly_ranking", quarter)
    return state


@transaction.atomic
def quarter_reopen(*, actor, quarter, reason):
    """Reopen a published quarter for scoring (district staff), with the reason, recorded. Its ranking snapshots
    are kept, marked superseded (no longer shown as the quarter's ranking); publishing it again takes a new one."""
    from jobs.models import JobRun

    _require_district(actor)
    quarter = _quarter_key(quarter)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for reopening the quarter.")]})
    state = _locked_quarter(quarter)
    if state.status != QuarterStatus.PUBLISHED:
        raise ValidationError({"quarter": [_("Quarter %(quarter)s is not published.") % {"quarter": quarter}]})
    RankingSnapshot.objects.filter(quarter=quarter, superseded_at__isnull=True).update(superseded_at=timezone.now())
    # The ranking job ran for this quarter: forget that run, so that the next publication ranks it again.
    JobRun.objects.filter(job="assessment.quarterly_ranking", period=quarter).delete()
    state.status, state.changed_by = QuarterStatus.OPEN, actor
    state.save()
    QuarterLog.objects.create(quarter=quarter, action=QuarterAction.REOPEN, reason=reason, by=actor)
    return state


def is_published(quarter):
    """Whether `quarter` is published (locked for scoring)."""
    return Quarter.objects.filter(key=quarter, status=QuarterStatus.PUBLISHED).exists()


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
    if inspector is None or not holds_role(inspector, Role.INSPECTOR):
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
def inspection_visit_record(*, actor, org, visited_on, summary, finding="", deadline=None):
    """An inspector records a visit and, when `finding` is given, its first finding (to be rectified by
    `deadline`): both or neither. The month's plan entry for this unit and inspector, if any and not yet
    visited, is matched. A visit recorded twice (its plan entry taken meanwhile) is refused, not a crash."""
    if not is_inspector(actor):
        raise PermissionDenied(_("Only inspectors record inspections."))
    plan = InspectionPlan.objects.filter(
        month=month_of(visited_on), org=org, inspector=actor, inspection__isnull=True
    ).first()
    try:
        with transaction.atomic():
            inspection = inspection_record(actor=actor, org=org, visited_on=visited_on, summary=summary, plan=plan)
            if (finding or "").strip():
                if deadline is None:
                    raise ValidationError({"deadline": [_("A finding needs a rectification deadline.")]})
                finding_add(actor=actor, inspection=inspection, description=finding, deadline=deadline)
    except IntegrityError:
        raise ValidationError(_("This visit is already recorded.")) from None
    return inspection


@transaction.atomic
def finding_follow_up(*, actor, finding, note, status, on=None):
    """Add a follow-up. The unit reports it rectified; the inspector (or the district) closes or reopens it."""
    finding = Finding.objects.select_for_update().select_related("inspection", "org").get(pk=finding.pk)
    on = on or timezone.localdate()
    own = finding.inspection.inspector_id == actor.pk or is_district(actor)
    unit = resolve_scope(actor).covers(finding.org, write=True)
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


def interview_check(*, actor, unit, reason, interviewee, held_on, outcome, follow_up_on=None, minutes=None):
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
                     interview=None, minutes=None):
    """Record an interview held (or complete a suggested one): who interviewed whom, why, outcome, follow-up."""
    if interview is not None:
        unit = interview.org or interview.department
    interview_check(actor=actor, unit=unit, reason=reason, interviewee=interviewee, held_on=held_on,
                    outcome=outcome, follow_up_on=follow_up_on)
    if interview is None:
        interview = Interview(**({"department": unit} if isinstance(unit, Department) else {"org": unit}))
    elif interview.status in (InterviewStatus.CLOSED, InterviewStatus.DROPPED):
        raise ValidationError(_("This interview is closed."))
    if minutes is not None:
        interview.minutes = minutes.strip()
    interview.reason = reason
    interview.interviewee = interviewee.strip()
    interview.interviewer = actor
    interview.status = InterviewStatus.HELD
    interview.held_on, interview.outcome, interview.follow_up_on = held_on, outcome.strip(), follow_up_on
    interview.detail = detail or interview.detail
    interview.save()
    return interview


# --- interviews followed through: agreed actions, closing, dismissing, proposals from other apps -------------


def _locked_interview(interview):
    return Interview.objects.select_for_update(of=("self",)).select_related("org", "department").get(pk=interview.pk)


def _interviewer_of(actor, interview):
    unit = interview.org or interview.department
    if not can_interview(actor, unit):
        raise PermissionDenied(_("You do not interview this unit's secretary."))


def may_report_action(user, interview):
    """The interviewer's side, or the unit interviewed itself (it reports its own actions done)."""
    unit = interview.org or interview.department
    if can_interview(user, unit):
        return True
    return interview.org is not None and resolve_scope(user).covers(interview.org, write=True)


@transaction.atomic
def interview_action_add(*, actor, interview, description, owner_name, deadline, owner=None):
    """Record an action agreed at a held interview: what, who owns it, by when."""
    interview = _locked_interview(interview)
    _interviewer_of(actor, interview)
    if interview.status != InterviewStatus.HELD:
        raise ValidationError(_("Actions are agreed at an interview held and not yet closed."))
    errors = {}
    if not (description or "").strip():
        errors["description"] = [_("Describe the action.")]
    if not (owner_name or "").strip():
        errors["owner_name"] = [_("Name who owns the action.")]
    if deadline is None:
        errors["deadline"] = [_("Give the action a deadline.")]
    elif interview.held_on and deadline < interview.held_on:
        errors["deadline"] = [_("The deadline cannot come before the interview.")]
    if errors:
        raise ValidationError(errors)
    return InterviewAction.objects.create(interview=interview, description=description.strip(),
                                          owner_name=owner_name.strip(), owner=owner, deadline=deadline)


@transaction.atomic
def interview_action_done(*, actor, action, note, done_on=None):
    """Report an agreed action done (the unit interviewed, or the interviewer)."""
    action = InterviewAction.objects.select_for_update(of=("self",)).select_related("interview", "interview__org",
                                                                          "interview__department").get(pk=action.pk)
    if not may_report_action(actor, action.interview):
        raise PermissionDenied(_("You may not report on this action."))
    if action.interview.status != InterviewStatus.HELD:
        raise ValidationError(_("This interview is closed."))
    if action.done_on is not None:
        raise ValidationError(_("This action is already done."))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("The date cannot be in the future.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Write what was done.")]})
    action.done_on, action.done_note = done_on, note.strip()
    action.save(update_fields=["done_on", "done_note"])
    return action


@transaction.atomic
def interview_close(*, actor, interview, note, closed_on=None):
    """Close a held interview once every agreed action is done (the interviewer judges it, beside the next
    quarter's rank)."""
    interview = _locked_interview(interview)
    _interviewer_of(actor, interview)
    if interview.status != InterviewStatus.HELD:
        raise ValidationError(_("Only an interview held and not yet closed can be closed."))
    actions = list(interview.actions.all())
    if not actions:
        raise ValidationError(_("Record the actions agreed at the interview before closing it."))
    open_actions = [a for a in actions if a.done_on is None]
    if open_actions:
        raise ValidationError(_("%(count)s agreed actions are not done yet: the interview stays open.")
                              % {"count": len(open_actions)})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Write how the unit followed the interview through.")]})
    interview.status, interview.closed_on = InterviewStatus.CLOSED, closed_on or timezone.localdate()
    interview.closing_note = note.strip()
    interview.save(update_fields=["status", "closed_on", "closing_note"])
    return interview


@transaction.atomic
def interview_dismiss(*, actor, interview, reason):
    """Dismiss a proposed interview, with the reason (it is kept)."""
    interview = _locked_interview(interview)
    _interviewer_of(actor, interview)
    if interview.status != InterviewStatus.SUGGESTED:
        raise ValidationError(_("Only a proposed interview can be dismissed."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the interview is not needed.")]})
    interview.status, interview.dismissed_reason = InterviewStatus.DROPPED, reason.strip()
    interview.interviewer = actor
    interview.save(update_fields=["status", "dismissed_reason", "interviewer"])
    return interview


def interview_propose(*, unit, reason, detail, source_key, interviewee="", quarter=""):
    """Propose an interview of `unit` once per `source_key` (e.g. a failed duty report); returns (interview,
    created). Called by other apps' services, which have checked their own actor."""
    if reason not in InterviewReason.values or not source_key:
        raise ValidationError(_("A proposal needs a reason and a source."))
    field = {"department": unit} if isinstance(unit, Department) else {"org": unit}
    with transaction.atomic():
        existing = Interview.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing, False
        return Interview.objects.create(
            reason=reason, detail=detail[:2000], source_key=source_key, quarter=quarter,
            interviewee=(interviewee or getattr(unit, "secretary_name", "") or unit.name)[:50], **field,
        ), True
