"""Member development 发展党员: registering applicants, recording the 25 steps with their order and interval
rules, and the two-level filing of each stage (the community proposes, the street pre-reviews and files)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope, writes_above
from core.errors import PermissionDenied, ValidationError
from grids.models import Level
from members.records.models import Member, MemberStatus, PersonalDataReveal, RegistrationConflict
from members.records.services import id_number_taken, member_create, member_update
from members.records.validators import (
    birth_date_from_id,
    clean_person_name,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from members.rules import add_months

from .models import Candidate, DevelopmentStage, FilingStatus, StageFiling, StepRecord
from .selectors import candidate_can_reveal, development_steps


def candidate_create(*, actor, name, gender, id_number, org, applied_on, reviewer, opinion="", birth_date=None,
                     phone="", education="", ethnicity="汉族", today=None):
    """Register an applicant (step 1, the written application) in a branch the actor may change."""
    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if org.level < 2:
        raise ValidationError({"org": [_("Choose a party branch (a community, village, grid or building group).")]})
    candidate = Candidate(name=name, gender=gender, id_number=normalize_id_number(id_number), org=org,
                          birth_date=birth_date, phone=normalize_phone(phone), education=education,
                          ethnicity=ethnicity)
    errors = {}
    try:
        candidate.name = clean_person_name(candidate.name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    try:
        validate_id_number(candidate.id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    else:
        born = birth_date_from_id(candidate.id_number)
        if candidate.birth_date and candidate.birth_date != born:
            errors["birth_date"] = [
                _("The date of birth does not match the ID-card number (%(date)s).") % {"date": born}]
        candidate.birth_date = born
        # Named as such only to whoever may change the record holding the number (id_number_taken).
        member = Member.objects.filter(id_number=candidate.id_number).select_related("org").first()
        holder = None if member else Candidate.objects.filter(
            id_number=candidate.id_number).select_related("org").first()
        if member is not None or holder is not None:
            errors["id_number"] = [id_number_taken(
                actor=actor, channel=RegistrationConflict.Channel.CANDIDATE, id_number=candidate.id_number, org=org,
                member=member, candidate=holder,
                precise=_("This person is already a party member.") if member is not None
                else _("This person is already on the development list."))]
    if candidate.phone:
        try:
            validate_phone(candidate.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        candidate._history_user = actor
        candidate.save()
        development_step_record(actor=actor, candidate=candidate, step_number=1, done_on=applied_on,
                                reviewer=reviewer, opinion=opinion, today=today or timezone.localdate())
    return candidate


def candidate_reveal(*, actor, candidate, channel):
    """Record that `actor` is shown `candidate`'s full ID number and phone; refuse when they may not see them."""
    if not candidate_can_reveal(user=actor, candidate=candidate):
        raise PermissionDenied(_("You may not see this candidate's personal data."))
    return PersonalDataReveal.objects.create(user=actor, candidate=candidate, channel=channel)


#: What may change on a candidate's page: not the ID-card number (it names the person) nor the stage, the
#: member record or the completion date (the steps and the filings decide them).
CANDIDATE_FIELDS = ("name", "gender", "ethnicity", "phone", "education", "org")


@transaction.atomic
def candidate_update(*, actor, candidate, **changes):
    """Change a candidate's details (CANDIDATE_FIELDS); moving them to another branch needs write scope on both
    branches. The history records who changed them."""
    unknown = set(changes) - set(CANDIDATE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=candidate.pk)
    scope = resolve_scope(actor)
    if not scope.covers(candidate.org, write=True):
        raise PermissionDenied(_("This candidate is outside your area."))
    for field, value in changes.items():
        setattr(candidate, field, value)
    if "name" in changes:
        try:
            candidate.name = clean_person_name(candidate.name)
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}) from None
    if "org" in changes:
        if not scope.covers(candidate.org, write=True):
            raise PermissionDenied(_("This organization is outside your area."))
        if candidate.org.level < 2:
            raise ValidationError({"org": [
                _("Choose a party branch (a community, village, grid or building group).")]})
    candidate.full_clean(exclude=["id_number", "birth_date", "stage", "member", "completed_on"],
                         validate_unique=False)
    candidate._history_user = actor
    candidate.save()
    return candidate


def _step_errors(candidate, step, steps, done, done_on, today):
    """Every rule a step's entry must meet; returns a list of messages (empty when it may be recorded)."""
    n = step.number
    if n in done:
        return [_("Step %(number)s (%(name)s) is already recorded.") % {"number": n, "name": step.name}]
    missing = [k for k in range(1, n) if k not in done]
    if missing:
        first = steps[missing[0]]
        return [_("Step %(number)s (%(name)s) must be recorded first.") % {"number": first.number, "name": first.name}]
    for k in range(1, n):
        decision = steps[k]
        if decision.decides_stage and candidate.stage < decision.stage:
            stage = DevelopmentStage(decision.stage).label
            return [_("The stage “%(stage)s” has not taken effect yet: the community files it and the street "
                      "pre-reviews and files it before the next step.") % {"stage": stage}]
    errors = []
    if done_on > today:
        errors.append(_("The date cannot be in the future."))
    if n > 1 and done_on < done[n - 1]:
        errors.append(_("Step %(number)s cannot come before step %(previous)s (%(date)s).")
                      % {"number": n, "previous": n - 1, "date": done[n - 1]})
    if n == 1 and add_months(candidate.birth_date, 12 * 18) > done_on:
        errors.append(_("An applicant must be at least 18 years old on the day of the application."))
    if step.after_step:
        base = done[step.after_step]
        names = {"number": n, "after": step.after_step, "after_name": steps[step.after_step].name, "base": base}
        if step.min_months and done_on < add_months(base, step.min_months):
            errors.append(
                _("Step %(number)s comes at least %(months)s months after step %(after)s (%(after_name)s, "
                  "%(base)s): not before %(limit)s.")
                % {**names, "months": step.min_months, "limit": add_months(base, step.min_months)}
            )
        if step.max_months and done_on > add_months(base, step.max_months):
            errors.append(
                _("Step %(number)s comes at most %(months)s months after step %(after)s (%(after_name)s, "
                  "%(base)s): %(limit)s at the latest.")
                % {**names, "months": step.max_months, "limit": add_months(base, step.max_months)}
            )
    return errors


@transaction.atomic
def development_step_record(*, actor, candidate, step_number, done_on, reviewer, opinion="", attachment=None,
                            today=None):
    """Record one of the 25 steps for a candidate, checking order, stage, dates and interval rules.

    A step that decides a stage opens its two-level filing (the community's level, by the actor); the stage
    takes effect when the street pre-reviews and files it (stage_filing_approve).
    """
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=candidate.pk)
    if not resolve_scope(actor).covers(candidate.org, write=True):
        raise PermissionDenied(_("This candidate is outside your area."))
    steps = development_steps()
    if step_number not in steps:
        raise ValidationError({"step": [_("There is no step %(number)s.") % {"number": step_number}]})
    if not (reviewer or "").strip():
        raise ValidationError({"reviewer": [_("Name who reviewed the step.")]})
    step = steps[step_number]
    done = dict(candidate.steps.values_list("step__number", "done_on"))
    errors = _step_errors(candidate, step, steps, done, done_on, today or timezone.localdate())
    if errors:
        raise ValidationError({"done_on": errors})
    record = StepRecord(candidate=candidate, step=step, done_on=done_on, reviewer=reviewer.strip(), opinion=opinion,
                        recorded_by=actor)
    if attachment:
        record.attachment = attachment
    record._history_user = actor
    record.save()
    if step.decides_stage:
        filing = StageFiling(candidate=candidate, stage=step.stage, status=FilingStatus.PROPOSED, community_by=actor,
                             community_on=done_on, community_opinion=opinion)
        filing._history_user = actor
        filing.save()
    if step_number == max(steps):
        candidate.completed_on = done_on
        candidate._history_user = actor
        candidate.save(update_fields=["completed_on"])
    return record


@transaction.atomic
def stage_filing_propose(*, actor, candidate, opinion="", on=None):
    """File a stage again at the community level after the street sent it back."""
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=candidate.pk)
    if not resolve_scope(actor).covers(candidate.org, write=True):
        raise PermissionDenied(_("This candidate is outside your area."))
    steps = development_steps()
    done = set(candidate.steps.values_list("step__number", flat=True))
    pending = [s for n, s in sorted(steps.items()) if s.decides_stage and n in done and s.stage > candidate.stage]
    if not pending:
        raise ValidationError({"stage": [_("No decided stage is waiting to be filed.")]})
    if candidate.filings.filter(stage=pending[0].stage).exclude(status=FilingStatus.RETURNED).exists():
        raise ValidationError({"stage": [_("This stage is already filed and waits for the street.")]})
    filing = StageFiling(candidate=candidate, stage=pending[0].stage, community_by=actor,
                         community_on=on or timezone.localdate(), community_opinion=opinion)
    filing._history_user = actor
    filing.save()
    return filing


def _require_street(actor, candidate):
    if not writes_above(actor, candidate.org, Level.STREET):
        raise PermissionDenied(_("Only the street (or the district) pre-reviews and files a stage."))


@transaction.atomic
def stage_filing_approve(*, actor, filing, opinion="", on=None):
    """The street's pre-review and filing: the stage takes effect; the member record is created on probation
    and made full at the last stage."""
    filing = StageFiling.objects.select_for_update().get(pk=filing.pk)
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=filing.candidate_id)
    _require_street(actor, candidate)
    if filing.status != FilingStatus.PROPOSED:
        raise ValidationError({"status": [_("This filing has already been decided.")]})
    on = on or timezone.localdate()
    if on < filing.community_on:
        raise ValidationError({"street_on": [_("The street cannot file before the community did.")]})
    filing.status, filing.street_by, filing.street_on, filing.street_opinion = (
        FilingStatus.APPROVED, actor, on, opinion)
    filing._history_user = actor
    filing.save()
    candidate.stage = filing.stage
    done = dict(candidate.steps.values_list("step__number", "done_on"))
    if filing.stage == DevelopmentStage.PROBATIONARY:
        # The probationary year runs from the branch meeting's vote (step 15).
        candidate.member = member_create(
            actor=actor, name=candidate.name, gender=candidate.gender, ethnicity=candidate.ethnicity,
            birth_date=candidate.birth_date, id_number=candidate.id_number, phone=candidate.phone,
            education=candidate.education, joined_on=done[15], status=MemberStatus.PROBATIONARY,
            category="direct", org=candidate.org,
        )
    elif filing.stage == DevelopmentStage.FULL and candidate.member is not None:
        member = Member.objects.select_related("org").get(pk=candidate.member_id)
        member_update(actor=actor, member=member, status=MemberStatus.FULL,
                      full_member_on=add_months(member.joined_on, 12))
    candidate._history_user = actor
    candidate.save()
    return filing


@transaction.atomic
def stage_filing_return(*, actor, filing, opinion, on=None):
    """The street sends a stage back to the community, saying why; the community may file it again."""
    filing = StageFiling.objects.select_for_update(of=("self",)).select_related("candidate__org").get(pk=filing.pk)
    _require_street(actor, filing.candidate)
    if filing.status != FilingStatus.PROPOSED:
        raise ValidationError({"status": [_("This filing has already been decided.")]})
    if not (opinion or "").strip():
        raise ValidationError({"street_opinion": [_("Say why the stage is sent back.")]})
    filing.status, filing.street_by, filing.street_on, filing.street_opinion = (
        FilingStatus.RETURNED, actor, on or timezone.localdate(), opinion)
    filing._history_user = actor
    filing.save()
    return filing
