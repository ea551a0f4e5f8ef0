"""Writes of accountability: keyword-only, atomic, checked against the named rules of accounts.scopes, recorded in
history (django-simple-history, with the actor).

Who may do what:
- district staff open a year's duty-report cycle per kind of unit and publish its results; compute, adjust (with a
  reason) and publish the year-end evaluation; keep the standing committee's contact points and visits;
- a unit's own secretary (accounts.scopes.leads_unit) writes and submits its duty report, with attachments;
- the level above (accounts.scopes.reviews_from_above: the district for streets and departments, the street for its
  communities) reviews and scores it, keeps the voters' roll and counts the democratic evaluation's ballots;
- whoever keeps a unit's records (accounts.scopes.keeps_unit_records: the unit and the levels above) keeps its
  committee and terms, the five ones, and (for a street) the reserve-cadre pool and election slates.
"""

import os
from collections import Counter
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import is_district, keeps_unit_records, leads_unit, reviews_from_above
from assessment.evaluation import evaluate
from assessment.models import TREE_LEVEL, Department, InterviewReason, UnitLevel
from assessment.ranking import rank_units
from assessment.services import interview_propose
from core.errors import PermissionDenied, ValidationError
from grids.models import OrgNode

from . import rules
from .models import (
    Ballot,
    CadreStatus,
    Candidate,
    Committee,
    CommitteeMember,
    ContactVisit,
    CycleStatus,
    DutyAttachment,
    DutyCycle,
    DutyReport,
    EvaluationRow,
    EvaluationStatus,
    EvaluationYear,
    FiveOne,
    FiveOneItem,
    Post,
    ReportStatus,
    ReserveCadre,
    Slate,
    SlateStatus,
    Source,
    Voter,
    VoterKind,
)

ATTACHMENT_TYPES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _require_district(actor):
    if not is_district(actor):
        raise PermissionDenied(_("Only district staff may do this."))


def _text(value, field, message, limit=20000):
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


def _history(obj, actor):
    obj._history_user = actor
    return obj


# --- 述职评议 ------------------------------------------------------------------------------------------


def parse_criteria(text):
    """Criteria written one per line as "name: maximum" → [{"name", "max"}], maxima adding up to 100."""
    criteria = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, maximum = line.replace("：", ":").rpartition(":")
        try:
            value = Decimal(maximum.strip())
        except (InvalidOperation, ValueError):
            value = None
        if not sep or not name.strip() or value is None or not value.is_finite() or value <= 0:
            raise ValidationError({"criteria": [_("Line %(n)s: write a criterion as “name: maximum score”.")
                                                % {"n": number}]})
        criteria.append({"name": name.strip()[:100], "max": str(rules.q2(value))})
    if not criteria:
        raise ValidationError({"criteria": [_("List the criteria the reports are scored by.")]})
    if sum(Decimal(c["max"]) for c in criteria) != 100:
        raise ValidationError({"criteria": [_("The criteria's maximum scores must add up to 100.")]})
    if len({c["name"] for c in criteria}) != len(criteria):
        raise ValidationError({"criteria": [_("Each criterion once.")]})
    return criteria


def _units_of(level):
    if level == UnitLevel.DEPARTMENT:
        return [{"department": d, "secretary_name": d.secretary_name} for d in Department.objects.filter(active=True)]
    return [{"org": n, "secretary_name": n.secretary_name}
            for n in OrgNode.objects.filter(level=TREE_LEVEL[level]).order_by("code")]


@transaction.atomic
def duty_cycle_open(*, actor, year, level, duties, criteria, due_on):
    """Open a year's duty reporting for one kind of unit (district staff): a report to write for every unit."""
    _require_district(actor)
    if level not in UnitLevel.values:
        raise ValidationError({"level": [_("Choose a kind of unit.")]})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    duties = _text(duties, "duties", _("List the duties the secretaries report on."))
    parsed = criteria if isinstance(criteria, list) else parse_criteria(criteria)
    if due_on is None:
        raise ValidationError({"due_on": [_("Give the date the reports are due.")]})
    if DutyCycle.objects.filter(year=year, level=level).exists():
        raise ValidationError({"year": [_("The %(year)s cycle of this kind of unit is already open.") % {"year": year}]})
    try:
        with transaction.atomic():
            cycle = _history(DutyCycle(year=year, level=level, duties=duties, criteria=parsed, due_on=due_on,
                                       opened_by=actor), actor)
            cycle.save()
    except IntegrityError:
        raise ValidationError({"year": [_("The %(year)s cycle of this kind of unit is already open.")
                                        % {"year": year}]}) from None
    DutyReport.objects.bulk_create([DutyReport(cycle=cycle, **unit) for unit in _units_of(level)])
    return cycle


def may_write_report(user, report):
    if report.department_id:
        return is_district(user)
    return leads_unit(user, report.org)


def may_review_report(user, report):
    if report.department_id:
        return is_district(user)
    return reviews_from_above(user, report.org)


def _locked_report(report):
    return DutyReport.objects.select_for_update(of=("self",)).select_related("cycle", "org", "department").get(pk=report.pk)


def _writable(actor, report):
    if not may_write_report(actor, report):
        raise PermissionDenied(_("Only the unit's own secretary writes its duty report."))
    if report.cycle.status == CycleStatus.PUBLISHED:
        raise ValidationError(_("The results are published: the report can no longer change."))
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("The report has been submitted and can no longer change."))


@transaction.atomic
def duty_report_save(*, actor, report, body, secretary_name=None, submit=False):
    """Write (and, with `submit`, hand in) a duty report; a submitted report goes to the level above."""
    report = _locked_report(report)
    _writable(actor, report)
    report.body = (body or "").strip()[:50000]
    if secretary_name is not None:
        report.secretary_name = secretary_name.strip()[:50]
    if submit:
        _text(report.body, "body", _("Write the report before submitting it."), limit=50000)
        if not report.secretary_name:
            raise ValidationError({"secretary_name": [_("Name the secretary reporting.")]})
        report.status, report.submitted_at = ReportStatus.SUBMITTED, timezone.now()
    _history(report, actor).save()
    return report


@transaction.atomic
def duty_attachment_add(*, actor, report, upload):
    """Attach a file (PDF, Word, Excel, an image or text, at most 10 MB) to a draft report."""
    report = _locked_report(report)
    _writable(actor, report)
    if upload is None:
        raise ValidationError({"file": [_("Choose a file.")]})
    name = os.path.basename(upload.name or "")[:200]
    if os.path.splitext(name)[1].lower() not in ATTACHMENT_TYPES:
        raise ValidationError({"file": [_("Attach a PDF, Word, Excel, image or text file.")]})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": [_("A file may be at most 10 MB.")]})
    if report.attachments.count() >= 20:
        raise ValidationError({"file": [_("A report takes at most 20 attachments.")]})
    return DutyAttachment.objects.create(report=report, file=upload, name=name, uploaded_by=actor)


@transaction.atomic
def duty_review(*, actor, report, scores, comment):
    """The level above scores a submitted report against the cycle's criteria (`scores`: {criterion name: score})."""
    report = _locked_report(report)
    if not may_review_report(actor, report):
        raise PermissionDenied(_("The level above reviews this report."))
    if report.cycle.status == CycleStatus.PUBLISHED:
        raise ValidationError(_("The results are published: the review can no longer change."))
    if report.status == ReportStatus.DRAFT:
        raise ValidationError(_("The report has not been submitted yet."))
    lines, errors = [], {}
    for criterion in report.cycle.criteria:
        raw = scores.get(criterion["name"])
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or value != value.quantize(rules.TWO):
            errors[criterion["name"]] = [_("Enter a number with at most two decimals.")]
        elif not 0 <= value <= Decimal(criterion["max"]):
            errors[criterion["name"]] = [_("Between 0 and %(max)s.") % {"max": criterion["max"]}]
        else:
            lines.append({"name": criterion["name"], "max": criterion["max"], "score": str(value)})
    if errors:
        raise ValidationError(errors)
    report.criteria_scores = lines
    report.review_score = sum(Decimal(line["score"]) for line in lines)
    report.review_comment = _text(comment, "comment", _("Write the review's comment."))
    report.status, report.reviewed_by, report.reviewed_at = ReportStatus.REVIEWED, actor, timezone.now()
    report.final_score = rules.duty_result(report.review_score, report.democratic_score)
    report.grade = rules.grade(report.final_score, rules.DUTY_GRADES)
    _history(report, actor).save()
    return report


@transaction.atomic
def voter_add(*, actor, report, kind, name, member=None):
    """Put a voter on a report's roll (the level above keeps it): a party member or a residents' representative."""
    report = _locked_report(report)
    if not may_review_report(actor, report):
        raise PermissionDenied(_("The level above keeps the voters' roll."))
    if report.cycle.status == CycleStatus.PUBLISHED:
        raise ValidationError(_("The results are published."))
    if kind not in VoterKind.values:
        raise ValidationError({"kind": [_("Choose the kind of voter.")]})
    name = _text(name, "name", _("Name the voter."), limit=50)
    try:
        with transaction.atomic():
            return Voter.objects.create(report=report, kind=kind, name=name, member=member)
    except IntegrityError:
        raise ValidationError({"name": [_("This voter is already on the roll.")]}) from None


@transaction.atomic
def ballot_cast(*, actor, voter, choice):
    """Count one voter's ballot (the level above counts them): each voter once. The ballot keeps the vote and the
    kind of voter, never who; the voter's roll entry only that they voted."""
    voter = Voter.objects.select_for_update().select_related("report").get(pk=voter.pk)
    report = _locked_report(voter.report)
    if not may_review_report(actor, report):
        raise PermissionDenied(_("The level above counts the ballots."))
    if report.cycle.status == CycleStatus.PUBLISHED:
        raise ValidationError(_("The results are published."))
    if report.status == ReportStatus.DRAFT:
        raise ValidationError(_("The report has not been submitted yet."))
    if choice not in rules.CHOICE_POINTS:
        raise ValidationError({"choice": [_("Choose a vote.")]})
    if voter.voted_at is not None:
        raise ValidationError({"voter": [_("%(name)s has already voted.") % {"name": voter.name}]})
    voter.voted_at = timezone.now()
    voter.save(update_fields=["voted_at"])
    Ballot.objects.create(report=report, kind=voter.kind, choice=choice)
    counts = Counter(dict(report.ballots.values_list("choice").annotate(n=models_count()).order_by()))
    report.democratic_score = rules.democratic_score(counts)
    report.final_score = rules.duty_result(report.review_score, report.democratic_score)
    report.grade = rules.grade(report.final_score, rules.DUTY_GRADES)
    _history(report, actor).save()
    return voter


def models_count():
    from django.db.models import Count

    return Count("id")


@transaction.atomic
def duty_cycle_publish(*, actor, cycle):
    """Publish a cycle's results (district staff): every submitted report must be reviewed; results are ranked
    (ties shared) and a failed report (grade poor) is proposed for an interview. Once only."""
    _require_district(actor)
    cycle = DutyCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status == CycleStatus.PUBLISHED:
        raise ValidationError(_("The %(year)s results are already published.") % {"year": cycle.year})
    reports = list(cycle.reports.select_related("org", "department"))
    waiting = [r for r in reports if r.status == ReportStatus.SUBMITTED]
    if waiting:
        raise ValidationError(_("%(count)s submitted reports are not reviewed yet.") % {"count": len(waiting)})
    if not any(r.status == ReportStatus.REVIEWED for r in reports):
        raise ValidationError(_("No report has been reviewed yet."))
    units = [{"report": r, "code": (r.org or r.department).code,
              "final": r.final_score if r.status == ReportStatus.REVIEWED else None} for r in reports]
    rank_units(units, "final")
    for unit in units:
        unit["report"].rank = unit["rank"]
    DutyReport.objects.bulk_update([u["report"] for u in units], ["rank"])
    cycle.status, cycle.published_at = CycleStatus.PUBLISHED, timezone.now()
    _history(cycle, actor).save()
    proposed = 0
    for report in reports:
        if report.status == ReportStatus.REVIEWED and report.grade == "poor":
            _interview, created = interview_propose(
                unit=report.org or report.department, reason=InterviewReason.DUTY,
                interviewee=report.secretary_name, source_key=f"duty:{report.pk}",
                detail=_("%(year)s duty report: %(score)s, poor") % {"year": cycle.year, "score": report.final_score},
            )
            proposed += created
    return {"ranked": sum(1 for u in units if u["rank"]), "interviews_proposed": proposed}


# --- 年终综合评定 ---------------------------------------------------------------------------------------------


def _unit_key(org_id, department_id):
    return ("org", org_id) if org_id else ("department", department_id)


def evaluation_compute(year, *, actor=None):
    """Compute and store every unit's year-end evaluation of `year` from the four quarters' snapshots, the year's
    findings and the published duty-report results; adjustments already made are kept. A published year is left
    alone. Returns a summary. Used by the year-end job (accountability.year_end) and by district staff."""
    if actor is not None:
        _require_district(actor)
    with transaction.atomic():
        EvaluationYear.objects.get_or_create(year=year, defaults={"computed_at": timezone.now()})
        evaluation = EvaluationYear.objects.select_for_update().get(year=year)
        if evaluation.published:
            return {"year": year, "skipped": "published"}
        existing = {(r.level, _unit_key(r.org_id, r.department_id)): r for r in evaluation.rows.all()}
        duty = {
            (r.cycle.level, _unit_key(r.org_id, r.department_id)): r
            for r in DutyReport.objects.filter(cycle__year=year, cycle__status=CycleStatus.PUBLISHED,
                                               status=ReportStatus.REVIEWED).select_related("cycle")
        }
        keep, create, summary = set(), [], {}
        for level in UnitLevel.values:
            units = evaluate(year=year, level=level)
            for unit in units:
                key = (level, _unit_key(unit["org_id"], unit["department_id"]))
                report = duty.get(key)
                net = unit["final"]
                duty_score = report.final_score if report else None
                unit["computed"] = rules.year_score(net, duty_score)
                row = existing.get(key) or EvaluationRow(evaluation=evaluation, year=year, level=level,
                                                         org_id=unit["org_id"], department_id=unit["department_id"])
                unit["row"] = row
                unit["score"] = rules.clamp(None if unit["computed"] is None else unit["computed"] + row.adjustment)
                row.unit_code, row.unit_name, row.parent_name = unit["code"], unit["name"], unit["parent_name"]
                row.computed_score = unit["computed"]
                row.breakdown = {
                    "quarters": {q: (None if r is None or r["total"] is None else str(rules.q2(r["total"])))
                                 for q, r in unit["quarters"].items()},
                    "quarter_ranks": {q: (None if r is None else r["rank"]) for q, r in unit["quarters"].items()},
                    "average": None if unit["average"] is None else str(unit["average"]),
                    "findings": unit["findings"], "escalated": unit["escalated"],
                    "deduction": None if unit["deduction"] is None else str(unit["deduction"]),
                    "quarters_net": None if net is None else str(net),
                    "duty_score": None if duty_score is None else str(duty_score),
                    "duty_grade": report.grade if report else "",
                    "quarters_share": str(rules.QUARTERS_SHARE if duty_score is not None else 1),
                    "duty_share": str(rules.DUTY_SHARE if duty_score is not None else 0),
                }
            rank_units(units, "score")
            for unit in units:
                row = unit["row"]
                row.score, row.rank = unit["score"], unit["rank"]
                row.grade = rules.grade(row.score, rules.YEAR_GRADES)
                if row.pk is None:
                    create.append(row)
                else:
                    keep.add(row.pk)
            summary[level] = {"units": len(units), "ranked": sum(1 for u in units if u["rank"])}
        stale = [r.pk for r in existing.values() if r.pk not in keep]
        EvaluationRow.objects.filter(pk__in=stale).delete()
        EvaluationRow.objects.bulk_create(create)
        EvaluationRow.objects.bulk_update(
            [r for r in existing.values() if r.pk in keep],
            ["unit_code", "unit_name", "parent_name", "computed_score", "breakdown", "score", "rank", "grade"],
        )
        evaluation.computed_at = timezone.now()
        evaluation.save(update_fields=["computed_at"])
    return {"year": year, "levels": summary, "removed": len(stale)}


def _rerank(evaluation, level):
    rows = list(evaluation.rows.filter(level=level))
    units = [{"row": r, "score": r.score, "code": r.unit_code} for r in rows]
    rank_units(units, "score")
    for unit in units:
        unit["row"].rank = unit["rank"]
    EvaluationRow.objects.bulk_update(rows, ["rank"])


@transaction.atomic
def evaluation_adjust(*, actor, row, adjustment, reason):
    """District staff adjust a unit's year-end score (−20 … +20, with the reason recorded); the level is ranked
    again. A published year is frozen."""
    _require_district(actor)
    evaluation = EvaluationYear.objects.select_for_update().get(pk=row.evaluation_id)
    if evaluation.published:
        raise ValidationError(_("The %(year)s evaluation is published and frozen.") % {"year": evaluation.year})
    row = EvaluationRow.objects.select_for_update().get(pk=row.pk)
    try:
        value = Decimal(str(adjustment).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"adjustment": [_("Enter a number.")]}) from None
    if not value.is_finite() or value != value.quantize(rules.TWO) or abs(value) > rules.MAX_ADJUSTMENT:
        raise ValidationError({"adjustment": [_("An adjustment is between −20 and +20, with at most two decimals.")]})
    if row.computed_score is None:
        raise ValidationError({"adjustment": [_("This unit has no score to adjust.")]})
    reason = "" if value == 0 else _text(reason, "reason", _("Give the reason for the adjustment."), limit=2000)
    row.adjustment, row.adjustment_reason = value, reason
    row.score = rules.clamp(row.computed_score + value)
    row.grade = rules.grade(row.score, rules.YEAR_GRADES)
    _history(row, actor).save()
    _rerank(evaluation, row.level)
    row.refresh_from_db()
    return row


@transaction.atomic
def evaluation_publish(*, actor, year):
    """Publish a year's evaluation (district staff): from then on it is frozen. Once only."""
    _require_district(actor)
    evaluation = EvaluationYear.objects.select_for_update().filter(year=year).first()
    if evaluation is None or not evaluation.rows.exists():
        raise ValidationError(_("The %(year)s evaluation has not been computed yet.") % {"year": year})
    if evaluation.published:
        raise ValidationError(_("The %(year)s evaluation is already published.") % {"year": year})
    evaluation.status, evaluation.published_at, evaluation.published_by = (
        EvaluationStatus.PUBLISHED, timezone.now(), actor)
    evaluation.save(update_fields=["status", "published_at", "published_by"])
    return evaluation


# --- 换届 ----------------------------------------------------------------------------------------------------


def default_term_years(org):
    """Five years for streets and communities, three for branches (grids and building groups)."""
    return 5 if org.level <= 2 else 3


def _keeper(actor, org):
    if not keeps_unit_records(actor, org):
        raise PermissionDenied(_("This organization is outside your area."))


def _sync_secretary(actor, committee):
    """The node's secretary fields follow from its current committee's secretary."""
    secretary = committee.members.filter(post=Post.SECRETARY).first()
    org = committee.org
    name, phone = (secretary.name, secretary.phone) if secretary else ("", "")
    if (org.secretary_name, org.secretary_phone) != (name, phone):
        org.secretary_name, org.secretary_phone = name, phone
        _history(org, actor).save(update_fields=["secretary_name", "secretary_phone"])


@transaction.atomic
def committee_record(*, actor, org, term_start, term_years=None, members=()):
    """Record an organization's committee for a new term (the previous one ends): `members` are (name, post, phone)."""
    _keeper(actor, org)
    term_years = term_years or default_term_years(org)
    if term_start is None:
        raise ValidationError({"term_start": [_("Give the date the term began.")]})
    if not 1 <= int(term_years) <= 5:
        raise ValidationError({"term_years": [_("A term lasts one to five years.")]})
    if term_start > timezone.localdate():
        raise ValidationError({"term_start": [_("The term cannot begin in the future.")]})
    posts = Counter(post for _name, post, _phone in members)
    if posts[Post.SECRETARY] != 1:
        raise ValidationError({"members": [_("A committee has exactly one secretary.")]})
    if any(post not in Post.values for post in posts):
        raise ValidationError({"members": [_("Choose each member's post.")]})
    current = Committee.objects.select_for_update().filter(org=org, ended_on__isnull=True).first()
    if current is not None:
        if term_start <= current.term_start:
            raise ValidationError({"term_start": [_("The new term begins after the current one began.")]})
        current.ended_on = term_start
        _history(current, actor).save(update_fields=["ended_on"])
    committee = _history(Committee(org=org, term_start=term_start, term_years=term_years,
                                   term_end=term_start + relativedelta(years=int(term_years))), actor)
    committee.save()
    for name, post, phone in members:
        _history(CommitteeMember(committee=committee, name=_text(name, "members", _("Name each member."), 50),
                                 post=post, phone=(phone or "")[:20]), actor).save()
    _sync_secretary(actor, committee)
    for kind in FiveOne.values:
        FiveOneItem.objects.create(committee=committee, kind=kind, due_on=term_start + relativedelta(months=3))
    return committee


@transaction.atomic
def committee_member_change(*, actor, committee, name, post, phone="", member=None, remove=False):
    """Add a member to the current committee, or remove one (`member`, remove=True); the node's secretary follows."""
    _keeper(actor, committee.org)
    if committee.ended_on is not None:
        raise ValidationError(_("This committee's term has ended."))
    if remove:
        if member is None or member.committee_id != committee.pk:
            raise ValidationError(_("Choose a member of this committee."))
        member._history_user = actor
        member.delete()
    else:
        if post not in Post.values:
            raise ValidationError({"post": [_("Choose a post.")]})
        name = _text(name, "name", _("Name the member."), 50)
        if post == Post.SECRETARY and committee.members.filter(post=Post.SECRETARY).exists():
            raise ValidationError({"post": [_("The committee already has a secretary.")]})
        _history(CommitteeMember(committee=committee, name=name, post=post, phone=(phone or "")[:20]), actor).save()
    _sync_secretary(actor, committee)
    return committee


@transaction.atomic
def five_one_done(*, actor, item, note, done_on=None):
    """Tick off one of the five ones of a new committee."""
    item = FiveOneItem.objects.select_for_update().select_related("committee__org").get(pk=item.pk)
    _keeper(actor, item.committee.org)
    if item.done_on is not None:
        raise ValidationError(_("This item is already done."))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate() or done_on < item.committee.term_start:
        raise ValidationError({"done_on": [_("The date falls between the term's start and today.")]})
    item.done_on, item.note = done_on, (note or "").strip()[:2000]
    _history(item, actor).save()
    return item


@transaction.atomic
def reserve_cadre_add(*, actor, street, name, gender, birth_date, education, source, joined_on=None, training="",
                      assessment=""):
    """Add a reserve cadre to a street's pool (the street or the district)."""
    if street is None or street.level != 1:
        raise ValidationError({"street": [_("Reserve cadres are kept per street.")]})
    _keeper(actor, street)
    errors = {}
    if source not in Source.values:
        errors["source"] = [_("Choose where the cadre comes from.")]
    if gender not in ("M", "F"):
        errors["gender"] = [_("Choose a gender.")]
    if birth_date is None or not 18 <= relativedelta(timezone.localdate(), birth_date).years <= 60:
        errors["birth_date"] = [_("A reserve cadre is between 18 and 60 years old.")]
    if errors:
        raise ValidationError(errors)
    cadre = ReserveCadre(street=street, name=_text(name, "name", _("Give the name."), 50), gender=gender,
                         birth_date=birth_date, education=_text(education, "education", _("Give the education."), 30),
                         source=source, joined_on=joined_on or timezone.localdate(), training=training.strip(),
                         assessment=assessment.strip())
    try:
        with transaction.atomic():
            _history(cadre, actor).save()
    except IntegrityError:
        raise ValidationError({"name": [_("This person is already in the pool.")]}) from None
    return cadre


@transaction.atomic
def slate_create(*, actor, org, election_on):
    _keeper(actor, org)
    if election_on is None:
        raise ValidationError({"election_on": [_("Give the election date.")]})
    slate = _history(Slate(org=org, election_on=election_on), actor)
    slate.save()
    return slate


def _street_of(org):
    return org.path.strip("/").split("/")[0]


@transaction.atomic
def candidate_add(*, actor, slate, name, source, post=Post.MEMBER, cadre=None):
    slate = Slate.objects.select_for_update().select_related("org").get(pk=slate.pk)
    _keeper(actor, slate.org)
    if slate.status != SlateStatus.DRAFT:
        raise ValidationError(_("The slate is confirmed: it can no longer change."))
    if source not in Source.values:
        raise ValidationError({"source": [_("Choose where the candidate comes from.")]})
    if post not in Post.values:
        raise ValidationError({"post": [_("Choose a post.")]})
    if cadre is not None:
        if cadre.street.code != _street_of(slate.org) or cadre.status != CadreStatus.POOL:
            raise ValidationError({"cadre": [_("Choose a reserve cadre in this street's pool.")]})
        name, source = cadre.name, cadre.source
    name = _text(name, "name", _("Name the candidate."), 50)
    try:
        with transaction.atomic():
            return Candidate.objects.create(slate=slate, name=name, source=source, post=post, cadre=cadre)
    except IntegrityError:
        raise ValidationError({"name": [_("This candidate is already on the slate.")]}) from None


def slate_problems(slate, candidates=None):
    """What keeps a slate from the election: for a community, the three thirds (三个三分之一); for any, one
    secretary and at least three candidates. A list of messages (empty: fine)."""
    candidates = list(slate.candidates.all()) if candidates is None else candidates
    problems = []
    if len(candidates) < 3:
        problems.append(_("A slate has at least three candidates."))
    if sum(1 for c in candidates if c.post == Post.SECRETARY) != 1:
        problems.append(_("A slate names exactly one candidate for secretary."))
    if slate.org.level == 2 and len(candidates) >= 3:
        counts = Counter({s: 0 for s in Source.values})
        counts.update(c.source for c in candidates)
        for source, n, low, high in rules.thirds_problems(counts, len(candidates)):
            problems.append(_("Three thirds: %(source)s has %(n)s of %(total)s candidates; a third is %(range)s.") % {
                "source": Source(source).label, "n": n, "total": len(candidates),
                "range": str(low) if low == high else f"{low}–{high}"})
    return problems


@transaction.atomic
def slate_confirm(*, actor, slate):
    """Confirm a slate for the election, once it passes the checks (the three thirds for a community)."""
    slate = Slate.objects.select_for_update().select_related("org").get(pk=slate.pk)
    _keeper(actor, slate.org)
    if slate.status != SlateStatus.DRAFT:
        raise ValidationError(_("The slate is already confirmed."))
    problems = slate_problems(slate)
    if problems:
        raise ValidationError(problems)
    slate.status = SlateStatus.CONFIRMED
    _history(slate, actor).save()
    return slate


@transaction.atomic
def slate_elect(*, actor, slate, elected_on):
    """Record the election of a confirmed slate: the new committee's term begins, the reserve cadres elected leave
    the pool, and the five ones are due within three months."""
    slate = Slate.objects.select_for_update().select_related("org").get(pk=slate.pk)
    _keeper(actor, slate.org)
    if slate.status != SlateStatus.CONFIRMED:
        raise ValidationError(_("Confirm the slate before recording the election."))
    candidates = list(slate.candidates.select_related("cadre"))
    committee = committee_record(actor=actor, org=slate.org, term_start=elected_on,
                                 members=[(c.name, c.post, "") for c in candidates])
    ReserveCadre.objects.filter(pk__in=[c.cadre_id for c in candidates if c.cadre_id]).update(
        status=CadreStatus.ELECTED)
    slate.status, slate.committee = SlateStatus.ELECTED, committee
    _history(slate, actor).save()
    return committee


# --- 区委常委联系点 ----------------------------------------------------------------------------------------


@transaction.atomic
def contact_visit_record(*, actor, point, visited_on, summary, problems=0, solved=0, problem_notes=""):
    """Record a standing-committee member's visit to their contact point (district staff)."""
    _require_district(actor)
    if visited_on is None or visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("The visit cannot be in the future.")]})
    if not (0 <= solved <= problems <= 100):
        raise ValidationError({"solved": [_("Problems solved cannot exceed the problems taken up.")]})
    return ContactVisit.objects.create(point=point, visited_on=visited_on, recorded_by=actor,
                                       summary=_text(summary, "summary", _("Summarise the visit."), 5000),
                                       problems=problems, solved=solved, problem_notes=problem_notes.strip()[:5000])
