"""Writes to member records. Atomic, scope-checked, and recorded in the member's history."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError

from .models import Member, MemberStatus
from .validators import (
    birth_date_from_id,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)

MEMBER_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
    "joined_on", "full_member_on", "status", "category", "org",
)


def member_clean(member, *, db_checks=True, trusted=()):
    """Validate a member record as a whole; raises ValidationError with field errors.

    `db_checks=False` (no duplicate query, no query per check constraint: the rules above already cover them)
    and `trusted` (fields already checked, e.g. "org") let a bulk import do those checks for the whole file in
    one query instead of several per row."""
    errors = {}
    member.id_number = normalize_id_number(member.id_number)
    member.phone = normalize_phone(member.phone)
    try:
        validate_id_number(member.id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    else:
        born = birth_date_from_id(member.id_number)
        if member.birth_date is None:
            member.birth_date = born
        elif member.birth_date != born:
            errors["birth_date"] = [_("The date of birth does not match the ID-card number (%(date)s).") % {"date": born}]
    if member.phone:
        try:
            validate_phone(member.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if member.joined_on and member.birth_date and member.joined_on <= member.birth_date:
        errors["joined_on"] = [_("The date joined must come after the date of birth.")]
    if member.status == MemberStatus.FULL and not member.full_member_on:
        errors["full_member_on"] = [_("A full member needs the date they were made full member.")]
    if member.status == MemberStatus.PROBATIONARY and member.full_member_on:
        errors["full_member_on"] = [_("A probationary member has no date of becoming full member yet.")]
    if member.full_member_on and member.joined_on and member.full_member_on <= member.joined_on:
        errors["full_member_on"] = [_("The date made full member must come after the date joined.")]
    try:
        # With an unreadable ID number the birth date (read from it) is missing too: one error, not two.
        derived = ["birth_date"] if member.birth_date is None and "id_number" in errors else []
        member.full_clean(exclude=list(errors) + ["id_number", *trusted, *derived], validate_unique=False,
                          validate_constraints=db_checks)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if db_checks and "id_number" not in errors:
        duplicate = Member.objects.filter(id_number=member.id_number).exclude(pk=member.pk).exists()
        if duplicate:
            errors["id_number"] = [_("A party member with this ID-card number is already registered.")]
    if errors:
        raise ValidationError(errors)


def _save(member, actor):
    member._history_user = actor
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        # A concurrent insert of the same ID number slipped between the check and the save.
        raise ValidationError({"id_number": [_("A party member with this ID-card number is already registered.")]}) from exc
    return member


def member_create(*, actor, **fields):
    """Register a party member under an organization the actor may change."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    member = Member(**fields)
    org = fields.get("org")
    if org is None:
        raise ValidationError({"org": [_("Choose the party organization the member belongs to.")]})
    if not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    member_clean(member)
    return _save(member, actor)


def member_update(*, actor, member, **changes):
    """Change a member record; moving to another organization needs write scope on both."""
    scope = resolve_scope(actor)
    if not scope.covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    for field, value in changes.items():
        if field not in MEMBER_FIELDS:
            raise ValidationError({field: [_("Unknown field.")]})
        setattr(member, field, value)
    if "org" in changes and not scope.covers(member.org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    member_clean(member)
    return _save(member, actor)


@transaction.atomic
def member_delete(*, actor, member):
    """Delete a member record (its history stays)."""
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    member._history_user = actor
    member.delete()


def member_reveal(*, actor, member, channel):
    """Record that `actor` is shown `member`'s full ID number and phone; refuse when they may not see them."""
    from .models import PersonalDataReveal
    from .selectors import member_can_reveal

    if not member_can_reveal(user=actor, member=member):
        raise PermissionDenied(_("You may not see this member's personal data."))
    return PersonalDataReveal.objects.create(user=actor, member=member, channel=channel)


def member_reveal_for_export(*, actor, members):
    """Of `members` (loaded with their organization), the pks whose full ID-card number `actor` may see in an
    export (members they may change; the others stay masked); each such reveal is recorded."""
    from .models import PersonalDataReveal

    scope = resolve_scope(actor)
    revealed = {m.pk for m in members if scope.covers(m.org, write=True)}
    PersonalDataReveal.objects.bulk_create([
        PersonalDataReveal(user=actor, member_id=pk, channel=PersonalDataReveal.Channel.EXPORT) for pk in revealed])
    return revealed


@transaction.atomic
def member_export(*, actor, queryset, reveal=False, file_format="csv"):
    """A CSV of `queryset` cut to the actor's scope, masked; with reveal=True, rows the actor may change come
    in full and each such reveal is recorded. Returns the CSV text (or, with file_format="xlsx", the bytes of an
    Excel workbook)."""
    from .models import PersonalDataReveal
    from .resources import MemberResource
    from .selectors import member_list

    rows = member_list(user=actor).filter(pk__in=queryset.values("pk")).order_by("org__path", "name", "pk")
    revealed = set()
    if reveal:
        revealed = set(member_list(user=actor, write=True).filter(pk__in=rows.values("pk")).values_list("pk", flat=True))
        PersonalDataReveal.objects.bulk_create(
            [PersonalDataReveal(user=actor, member_id=pk, channel=PersonalDataReveal.Channel.EXPORT) for pk in revealed]
        )
    dataset = MemberResource(revealed_ids=revealed).export(queryset=rows)
    if file_format == "xlsx":
        dataset.title = "members"
        return dataset.export("xlsx")
    return dataset.csv


# ---------------------------------------------------------------------------------------------------------------
# Member development 发展党员
# ---------------------------------------------------------------------------------------------------------------


def _street_path(node):
    """"/S01/S01C01/…/" → "/S01/": the street above a node (no query)."""
    return "/" + node.path.strip("/").split("/")[0] + "/"


def _add_months(day, months):
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def _steps():
    from .models import DevelopmentStep

    return {s.number: s for s in DevelopmentStep.objects.all()}


def candidate_create(*, actor, name, gender, id_number, org, applied_on, reviewer, opinion="", birth_date=None,
                     phone="", education="", ethnicity="汉族", today=None):
    """Register an applicant (step 1, the written application) in a branch the actor may change."""
    from django.utils import timezone

    from .models import Candidate

    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if org.level < 2:
        raise ValidationError({"org": [_("Choose a party branch (a community, village, grid or building group).")]})
    candidate = Candidate(name=name, gender=gender, id_number=normalize_id_number(id_number), org=org,
                          birth_date=birth_date, phone=normalize_phone(phone), education=education,
                          ethnicity=ethnicity)
    errors = {}
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
        if Member.objects.filter(id_number=candidate.id_number).exists():
            errors["id_number"] = [_("This person is already a party member.")]
        elif Candidate.objects.filter(id_number=candidate.id_number).exists():
            errors["id_number"] = [_("This person is already on the development list.")]
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


def _step_errors(candidate, step, steps, done, done_on, today):
    """Every rule a step's entry must meet; returns a list of messages (empty when it may be recorded)."""
    from .models import DevelopmentStage

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
    if n == 1 and _add_months(candidate.birth_date, 12 * 18) > done_on:
        errors.append(_("An applicant must be at least 18 years old on the day of the application."))
    if step.after_step:
        base = done[step.after_step]
        names = {"number": n, "after": step.after_step, "after_name": steps[step.after_step].name, "base": base}
        if step.min_months and done_on < _add_months(base, step.min_months):
            errors.append(
                _("Step %(number)s comes at least %(months)s months after step %(after)s (%(after_name)s, "
                  "%(base)s): not before %(limit)s.")
                % {**names, "months": step.min_months, "limit": _add_months(base, step.min_months)}
            )
        if step.max_months and done_on > _add_months(base, step.max_months):
            errors.append(
                _("Step %(number)s comes at most %(months)s months after step %(after)s (%(after_name)s, "
                  "%(base)s): %(limit)s at the latest.")
                % {**names, "months": step.max_months, "limit": _add_months(base, step.max_months)}
            )
    return errors


@transaction.atomic
def development_step_record(*, actor, candidate, step_number, done_on, reviewer, opinion="", attachment=None,
                            today=None):
    """Record one of the 25 steps for a candidate, checking order, stage, dates and interval rules.

    A step that decides a stage opens its two-level filing (the community's level, by the actor); the stage
    takes effect when the street pre-reviews and files it (stage_filing_approve).
    """
    from django.utils import timezone

    from .models import Candidate, FilingStatus, StageFiling, StepRecord

    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=candidate.pk)
    if not resolve_scope(actor).covers(candidate.org, write=True):
        raise PermissionDenied(_("This candidate is outside your area."))
    steps = _steps()
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
    from django.utils import timezone

    from .models import Candidate, FilingStatus, StageFiling

    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("org").get(pk=candidate.pk)
    if not resolve_scope(actor).covers(candidate.org, write=True):
        raise PermissionDenied(_("This candidate is outside your area."))
    steps = _steps()
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
    if not resolve_scope(actor).covers_path(_street_path(candidate.org), write=True):
        raise PermissionDenied(_("Only the street (or the district) pre-reviews and files a stage."))


@transaction.atomic
def stage_filing_approve(*, actor, filing, opinion="", on=None):
    """The street's pre-review and filing: the stage takes effect; the member record is created on probation
    and made full at the last stage."""
    from django.utils import timezone

    from .models import Candidate, DevelopmentStage, FilingStatus, StageFiling

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
                      full_member_on=_add_months(member.joined_on, 12))
    candidate._history_user = actor
    candidate.save()
    return filing


@transaction.atomic
def stage_filing_return(*, actor, filing, opinion, on=None):
    """The street sends a stage back to the community, saying why; the community may file it again."""
    from django.utils import timezone

    from .models import FilingStatus, StageFiling

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


# ---------------------------------------------------------------------------------------------------------------
# Points 积分
# ---------------------------------------------------------------------------------------------------------------


def point_entry_clean(*, member, on, category, points, reason, today=None):
    """The rules of a points entry, without writing it: returns the unsaved entry or raises ValidationError
    (shared by point_entry_create and the spreadsheet import, which checks the scope for the whole file)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    from django.utils import timezone

    from .models import PointCategory, PointEntry

    errors = {}
    try:
        value = Decimal(str(points)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value == 0 or abs(value) > 100:
        errors["points"] = [_("Points are a non-zero number between -100 and 100, to one decimal place.")]
    if category not in PointCategory.values:
        errors["category"] = [_("Choose a category.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the points are given or taken.")]
    elif len(reason.strip()) > PointEntry._meta.get_field("reason").max_length:
        errors["reason"] = [_("At most %(max)s characters.") % {"max": PointEntry._meta.get_field("reason").max_length}]
    if on is None:
        errors["on"] = [_("Give the date.")]
    elif on > (today or timezone.localdate()):
        errors["on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return PointEntry(member=member, on=on, category=category, points=value, reason=reason.strip())


@transaction.atomic
def point_entry_create(*, actor, member, on, category, points, reason, today=None):
    """Add (or, negative, take away) points for a member in the actor's area, with the reason."""
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    entry = point_entry_clean(member=member, on=on, category=category, points=points, reason=reason, today=today)
    entry.recorded_by = actor
    entry._history_user = actor
    entry.save()
    return entry


@transaction.atomic
def point_entry_update(*, actor, entry, today=None, **changes):
    """Correct an entry (date, category, points, reason) in the actor's area; the history keeps the old values."""
    from .models import PointEntry

    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("member__org").get(pk=entry.pk)
    if not resolve_scope(actor).covers(entry.member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    unknown = set(changes) - {"on", "category", "points", "reason"}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    values = {"on": entry.on, "category": entry.category, "points": entry.points, "reason": entry.reason, **changes}
    # The same rules as a new entry, checked without writing one.
    sid = transaction.savepoint()
    try:
        checked = point_entry_create(actor=actor, member=entry.member, today=today, **values)
    finally:
        transaction.savepoint_rollback(sid)
    entry.on, entry.category, entry.points, entry.reason = checked.on, checked.category, checked.points, checked.reason
    entry._history_user = actor
    entry.save()
    return entry


# ---------------------------------------------------------------------------------------------------------------
# Transfers 组织关系转接
# ---------------------------------------------------------------------------------------------------------------


def _today():
    from django.utils import timezone

    return timezone.localdate()


@transaction.atomic
def transfer_send(*, actor, member, reason, to_org=None, destination="", on=None):
    """Send a member to another branch of the district (it accepts or sends back), or, with `destination`,
    out of the district: the introduction letter is issued at once (printable), numbered."""
    from .models import Transfer, TransferStatus

    member = Member.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the transfer.")]
    if (to_org is None) == (not (destination or "").strip()):
        errors["to_org"] = [_("Choose either a branch in the district or a receiving organization outside it.")]
    elif to_org is not None and (to_org.level < 2 or to_org.pk == member.org_id):
        errors["to_org"] = [_("Choose another party branch (a community, village, grid or building group).")]
    if member.transfers.filter(status__in=[TransferStatus.SENT, TransferStatus.LETTER]).exists():
        errors["member"] = [_("This member already has a transfer under way.")]
    if errors:
        raise ValidationError(errors)
    on = on or _today()
    transfer = Transfer(member=member, from_org=member.org, to_org=to_org, destination=(destination or "").strip(),
                        reason=reason.strip(), sent_by=actor, sent_on=on,
                        status=TransferStatus.SENT if to_org else TransferStatus.LETTER)
    transfer._history_user = actor
    transfer.save()
    if to_org is None:
        transfer.letter_number = f"JSZ{on.year}-{transfer.pk:05d}"
        transfer.save(update_fields=["letter_number"])
    return transfer


def _decide_transfer(actor, transfer, want_status):
    from .models import Transfer, TransferStatus

    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("to_org", "from_org").get(
        pk=transfer.pk)
    target = transfer.to_org if want_status == TransferStatus.SENT else transfer.from_org
    if not resolve_scope(actor).covers(target, write=True):
        raise PermissionDenied(_("Only the receiving branch decides on a transfer.")
                               if want_status == TransferStatus.SENT else _("This transfer is outside your area."))
    if transfer.status != want_status:
        raise ValidationError({"status": [_("This transfer has already been decided.")]})
    return transfer


@transaction.atomic
def transfer_accept(*, actor, transfer, on=None):
    """The receiving branch accepts: the member (with their history, points and dues) now belongs to it."""
    from .models import TransferStatus

    transfer = _decide_transfer(actor, transfer, TransferStatus.SENT)
    member = Member.objects.select_for_update(of=("self",)).get(pk=transfer.member_id)
    member.org = transfer.to_org
    member._history_user = actor
    member.save(update_fields=["org", "updated_at"])
    transfer.status, transfer.decided_by, transfer.decided_on = TransferStatus.ACCEPTED, actor, on or _today()
    transfer._history_user = actor
    transfer.save()
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer, note, on=None):
    """The receiving branch sends the transfer back, saying why; the member stays where they were."""
    from .models import TransferStatus

    transfer = _decide_transfer(actor, transfer, TransferStatus.SENT)
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say why the transfer is sent back.")]})
    transfer.status, transfer.decided_by, transfer.decided_on = TransferStatus.RETURNED, actor, on or _today()
    transfer.note = note.strip()
    transfer._history_user = actor
    transfer.save()
    return transfer


@transaction.atomic
def transfer_complete_out(*, actor, transfer, on=None):
    """The receipt of an introduction letter came back: the member leaves the district's records (their
    history stays)."""
    from .models import TransferStatus

    transfer = _decide_transfer(actor, transfer, TransferStatus.LETTER)
    transfer.status, transfer.decided_by, transfer.decided_on = TransferStatus.COMPLETED, actor, on or _today()
    transfer._history_user = actor
    transfer.save()
    member_delete(actor=actor, member=Member.objects.select_related("org").get(pk=transfer.member_id))
    return transfer


# ---------------------------------------------------------------------------------------------------------------
# Organizational life 三会一课
# ---------------------------------------------------------------------------------------------------------------

#: Points for attending each kind of meeting (organizational-life category), counted from the attendance.
ATTENDANCE_POINTS = {"members": 2, "committee": 1, "group": 1, "lecture": 2, "theme_day": 2}


@transaction.atomic
def meeting_record(*, actor, org, kind, held_on, topic, minutes, present, absent=None, today=None):
    """Record a branch meeting: `present` is the members there, `absent` {member: reason} the expected members
    who were not. Present members get their organizational-life points from this record (once)."""
    from .models import Attendance, Meeting, MeetingKind, PointEntry

    absent = absent or {}
    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    errors = {}
    if org.level < 2:
        errors["org"] = [_("Choose a party branch (a community, village, grid or building group).")]
    if kind not in MeetingKind.values:
        errors["kind"] = [_("Choose the kind of meeting.")]
    if not (topic or "").strip():
        errors["topic"] = [_("Give the topic.")]
    if not (minutes or "").strip():
        errors["minutes"] = [_("The minutes are required.")]
    if held_on > (today or _today()):
        errors["held_on"] = [_("The date cannot be in the future.")]
    expected = {m.pk: m for m in list(present) + list(absent)}
    if len(expected) != len(present) + len(absent):
        errors["present"] = [_("A member cannot be both present and absent.")]
    if any(not m.org.path.startswith(org.path) for m in expected.values()):
        errors["present"] = [_("Only members of this branch can be expected at its meeting.")]
    if any(not (reason or "").strip() for reason in absent.values()):
        errors["absent"] = [_("Give the reason for each absence.")]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(org=org, kind=kind, held_on=held_on, topic=topic.strip(), minutes=minutes, recorded_by=actor)
    meeting._history_user = actor
    meeting.save()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m, present=True) for m in present]
        + [Attendance(meeting=meeting, member=m, present=False, absence_reason=r.strip()) for m, r in absent.items()]
    )
    PointEntry.objects.bulk_create([_attendance_points(actor, meeting, m) for m in present])
    _tick_duties_for_meeting(actor, meeting)
    return meeting


def _attendance_points(actor, meeting, member):
    """The organizational-life points a present member earns from a meeting (counted once per meeting)."""
    from .models import MeetingKind, PointCategory, PointEntry

    label = MeetingKind(meeting.kind).label
    return PointEntry(member=member, on=meeting.held_on, category=PointCategory.ORG_LIFE,
                      points=ATTENDANCE_POINTS[meeting.kind], reason=f"{label}: {meeting.topic}"[:200],
                      recorded_by=actor, meeting=meeting)


@transaction.atomic
def meeting_attendance_set(*, actor, rows):
    """Record (or correct) the attendance of meetings already recorded: `rows` is a list of
    (meeting, member, present, absence_reason). A member newly present gets the meeting's organizational-life
    points as meeting_record gives them; one no longer present loses them. Returns (created, updated).
    A constant number of queries, whatever the number of rows."""
    from .models import Attendance, PointEntry

    scope = resolve_scope(actor)
    errors = {}
    for meeting, member, present, reason in rows:
        if not scope.covers(meeting.org, write=True) or not scope.covers(member.org, write=True):
            raise PermissionDenied(_("This organization is outside your area."))
        if not member.org.path.startswith(meeting.org.path):
            errors["present"] = [_("Only members of this branch can be expected at its meeting.")]
        if not present and not (reason or "").strip():
            errors["absent"] = [_("Give the reason for each absence.")]
    from .models import Meeting

    if Meeting.objects.filter(pk__in={m.pk for m, *_rest in rows}, reviewed_on__isnull=False).exists():
        errors["meeting"] = [_("This meeting has been reviewed by the level above; its attendance can no longer "
                               "change.")]
    if len({(m.pk, p.pk) for m, p, _present, _reason in rows}) != len(rows):
        errors["present"] = [_("A member cannot be both present and absent.")]
    if errors:
        raise ValidationError(errors)
    meeting_ids = {m.pk for m, *_rest in rows}
    member_ids = {p.pk for _m, p, *_rest in rows}
    existing = {(a.meeting_id, a.member_id): a for a in Attendance.objects.filter(
        meeting_id__in=meeting_ids, member_id__in=member_ids)}
    pointed = {(e.meeting_id, e.member_id): e for e in PointEntry.objects.filter(
        meeting_id__in=meeting_ids, member_id__in=member_ids)}
    new, changed, points_new, points_gone = [], [], [], []
    for meeting, member, present, reason in rows:
        reason = "" if present else reason.strip()
        attendance = existing.get((meeting.pk, member.pk))
        if attendance is None:
            new.append(Attendance(meeting=meeting, member=member, present=present, absence_reason=reason))
        elif (attendance.present, attendance.absence_reason) != (present, reason):
            attendance.present, attendance.absence_reason = present, reason
            changed.append(attendance)
        entry = pointed.get((meeting.pk, member.pk))
        if present and entry is None:
            points_new.append(_attendance_points(actor, meeting, member))
        elif not present and entry is not None:
            points_gone.append(entry)
    Attendance.objects.bulk_create(new, batch_size=1000)
    Attendance.objects.bulk_update(changed, ["present", "absence_reason"], batch_size=1000)
    PointEntry.objects.bulk_create(points_new, batch_size=1000)
    for entry in points_gone:  # a correction (present → absent) is rare: one delete each, kept in the history
        entry._history_user = actor
        entry.delete()
    return len(new), len(changed)


@transaction.atomic
def meeting_review(*, actor, meeting, opinion, on=None):
    """The level above the branch reviews the meeting record."""
    from .models import Meeting

    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    parent_path = meeting.org.path[: meeting.org.path.rstrip("/").rfind("/") + 1]
    if not resolve_scope(actor).covers_path(parent_path, write=True):
        raise PermissionDenied(_("The meeting is reviewed by the level above the branch."))
    if meeting.reviewed_on:
        raise ValidationError({"reviewed_on": [_("This meeting has already been reviewed.")]})
    meeting.reviewed_by, meeting.reviewed_on, meeting.review_opinion = actor, on or _today(), opinion
    meeting._history_user = actor
    meeting.save()
    return meeting


# ---------------------------------------------------------------------------------------------------------------
# Dues 党费
# ---------------------------------------------------------------------------------------------------------------


def dues_monthly_amount(*, income_base, kind):
    """The monthly dues from the standard brackets (组织部 2008): salaried ≤3,000 yuan 0.5%, ≤5,000 1%,
    ≤10,000 1.5%, above 2%; retired ≤5,000 0.5%, above 1%; students, unemployed, on allowance 0.20 yuan.
    The rate applies to the whole base; rounded to the fen."""
    from decimal import ROUND_HALF_UP, Decimal

    base = Decimal(str(income_base))
    if base < 0:
        raise ValidationError({"income_base": [_("The income base cannot be negative.")]})
    if kind == "low":
        return Decimal("0.20")
    if kind == "retired":
        rate = Decimal("0.005") if base <= 5000 else Decimal("0.01")
    elif kind == "employed":
        if base <= 3000:
            rate = Decimal("0.005")
        elif base <= 5000:
            rate = Decimal("0.01")
        elif base <= 10000:
            rate = Decimal("0.015")
        else:
            rate = Decimal("0.02")
    else:
        raise ValidationError({"kind": [_("Choose the kind of income.")]})
    return max((base * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal("0.20"))


def dues_clean(*, payment, kind, income_base, amount_paid=0, paid_on=None, paid_by=""):
    """Set a dues payment's figures by the rules (the amount due from the brackets; a payment needs its date, not
    in the future) without saving it; raises ValidationError. Shared by dues_record and the spreadsheet import."""
    from decimal import Decimal, InvalidOperation

    from .models import DuesPayment

    errors = {}
    try:
        base = Decimal(str(income_base))
        if not base.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        base = None
        errors["income_base"] = [_("Enter an amount in yuan.")]
    try:
        paid = Decimal(str(amount_paid or 0))
        if not paid.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        paid = None
        errors["amount_paid"] = [_("Enter an amount in yuan.")]
    due = None
    if base is not None:
        try:
            due = dues_monthly_amount(income_base=base, kind=kind)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if base >= 10 ** 7:
            errors["income_base"] = [_("The amount is too large.")]
    if paid is not None and paid < 0:
        errors["amount_paid"] = [_("The amount paid cannot be negative.")]
    elif paid is not None and paid >= 10 ** 6:
        errors["amount_paid"] = [_("The amount is too large.")]
    if paid and not paid_on:
        errors["paid_on"] = [_("Give the date of the payment.")]
    if paid_on and paid_on > _today():
        errors["paid_on"] = [_("The date cannot be in the future.")]
    if len((paid_by or "").strip()) > DuesPayment._meta.get_field("paid_by").max_length:
        errors["paid_by"] = [_("At most %(max)s characters.") % {
            "max": DuesPayment._meta.get_field("paid_by").max_length}]
    if errors:
        raise ValidationError(errors)
    payment.kind, payment.income_base, payment.amount_due = kind, base.quantize(Decimal("0.01")), due
    payment.amount_paid = paid.quantize(Decimal("0.01"))
    payment.paid_on, payment.paid_by = paid_on if paid else None, (paid_by or "").strip()
    return payment


@transaction.atomic
def dues_record(*, actor, member, month, kind, income_base, amount_paid=0, paid_on=None, paid_by=""):
    """Set (or update) a member's dues for a month; the amount due follows from the brackets. A payment short of
    the amount due leaves the rest in arrears."""
    from .models import DuesPayment

    if not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    month = month.replace(day=1)
    payment = DuesPayment.objects.select_for_update().filter(member=member, month=month).first() or DuesPayment(
        member=member, month=month)
    dues_clean(payment=payment, kind=kind, income_base=income_base, amount_paid=amount_paid, paid_on=paid_on,
               paid_by=paid_by)
    payment.recorded_by = actor
    payment._history_user = actor
    payment.save()
    return payment


# ---------------------------------------------------------------------------------------------------------------
# Training 党校培训
# ---------------------------------------------------------------------------------------------------------------


def _tenth(value, field):
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    try:
        return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number to one decimal place.")]}) from None


@transaction.atomic
def training_class_create(*, actor, organizer, name, starts_on, ends_on, planned_hours):
    from .models import TrainingClass

    if organizer is None or not resolve_scope(actor).covers(organizer, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    hours = _tenth(planned_hours, "planned_hours")
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = [_("The class cannot end before it starts.")]
    if hours <= 0:
        errors["planned_hours"] = [_("Give the planned hours.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the name of the class.")]
    if errors:
        raise ValidationError(errors)
    training = TrainingClass(name=name.strip(), organizer=organizer, starts_on=starts_on, ends_on=ends_on,
                             planned_hours=hours)
    training._history_user = actor
    training.save()
    return training


@transaction.atomic
def training_enrol(*, actor, training_class, members):
    """Enrol members (of the actor's area) in a class; members already enrolled are left as they are."""
    from .models import Enrolment

    from .selectors import training_class_list

    scope = resolve_scope(actor)
    members = list(members)
    if not training_class_list(user=actor).filter(pk=training_class.pk).exists():
        raise PermissionDenied(_("This class is organized outside your area."))
    if any(not scope.covers(m.org, write=True) for m in members):
        raise PermissionDenied(_("This party member is outside your area."))
    Enrolment.objects.bulk_create([Enrolment(training_class=training_class, member=m) for m in members],
                                  ignore_conflicts=True)
    return Enrolment.objects.filter(training_class=training_class, member__in=members)


def _enrolment_for(actor, enrolment):
    from .models import Enrolment

    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related(
        "member__org", "training_class__organizer").get(pk=enrolment.pk)
    scope = resolve_scope(actor)
    if not (scope.covers(enrolment.member.org, write=True) or scope.covers(enrolment.training_class.organizer,
                                                                            write=True)):
        raise PermissionDenied(_("This enrolment is outside your area."))
    return enrolment


@transaction.atomic
def training_sign_in(*, actor, enrolment, on, hours):
    """Record a day's attendance (hours to 0.1 h, once a day, within the class's dates); the enrolment's hours
    are the sum."""
    from django.db.models import Sum

    from .models import SignIn

    enrolment = _enrolment_for(actor, enrolment)
    value = _tenth(hours, "hours")
    klass = enrolment.training_class
    errors = {}
    if not (0 < value <= 12):
        errors["hours"] = [_("Between 0.1 and 12 hours a day.")]
    if not (klass.starts_on <= on <= klass.ends_on):
        errors["on"] = [_("The class runs from %(start)s to %(end)s.") % {"start": klass.starts_on,
                                                                          "end": klass.ends_on}]
    elif enrolment.sign_ins.filter(on=on).exists():
        errors["on"] = [_("Already signed in that day.")]
    if errors:
        raise ValidationError(errors)
    SignIn.objects.create(enrolment=enrolment, on=on, hours=value, recorded_by=actor)
    enrolment.hours = enrolment.sign_ins.aggregate(total=Sum("hours"))["total"]
    enrolment.save(update_fields=["hours"])
    return enrolment


@transaction.atomic
def training_quiz_score(*, actor, enrolment, score):
    enrolment = _enrolment_for(actor, enrolment)
    value = _tenth(score, "quiz_score")
    if not (0 <= value <= 100):
        raise ValidationError({"quiz_score": [_("A score is between 0 and 100.")]})
    enrolment.quiz_score = value
    enrolment.save(update_fields=["quiz_score"])
    return enrolment


# ---------------------------------------------------------------------------------------------------------------
# Duty checklist 支部必做工作清单
# ---------------------------------------------------------------------------------------------------------------


def duty_period(frequency, day):
    """The period key an item of `frequency` done on `day` counts for."""
    if frequency == "weekly":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == "monthly":
        return f"{day:%Y-%m}"
    if frequency == "quarterly":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if frequency == "half_yearly":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    return str(day.year)


def duty_period_end(period):
    """The last day of a period key."""
    import datetime

    if "-W" in period:
        year, week = period.split("-W")
        return datetime.date.fromisocalendar(int(year), int(week), 7)
    if "Q" in period or "H" in period or "-" in period:
        year = int(period[:4])
        if "Q" in period:
            last_month = int(period[-1]) * 3
        elif "H" in period:
            last_month = int(period[-1]) * 6
        else:
            last_month = int(period[5:7])
        return _add_months(datetime.date(year, last_month, 1), 1) - datetime.timedelta(days=1)
    return datetime.date(int(period), 12, 31)


@transaction.atomic
def duty_mark_done(*, actor, org, item, done_on, period=None, meeting=None):
    """Tick off a checklist item for a branch; done after the period's end it counts as done late."""
    from .models import DutyDone

    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if org.level < 2:
        raise ValidationError({"org": [_("Choose a party branch (a community, village, grid or building group).")]})
    if done_on > _today():
        raise ValidationError({"done_on": [_("The date cannot be in the future.")]})
    period = period or duty_period(item.frequency, done_on)
    if duty_period(item.frequency, duty_period_end(period)) != period:
        raise ValidationError({"period": [_("This is not a period of the item's frequency.")]})
    if done_on < _add_months(duty_period_end(period), -12):
        raise ValidationError({"done_on": [_("The date is long before the period.")]})
    if DutyDone.objects.filter(org=org, item=item, period=period).exists():
        raise ValidationError({"period": [_("This item is already done for %(period)s.") % {"period": period}]})
    return DutyDone.objects.create(org=org, item=item, period=period, done_on=done_on,
                                   on_time=done_on <= duty_period_end(period), meeting=meeting, recorded_by=actor)


def _tick_duties_for_meeting(actor, meeting):
    from .models import DutyDone, DutyItem

    rows = [DutyDone(org=meeting.org, item=item, period=duty_period(item.frequency, meeting.held_on),
                     done_on=meeting.held_on, on_time=True, meeting=meeting, recorded_by=actor)
            for item in DutyItem.objects.filter(meeting_kind=meeting.kind)]
    DutyDone.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def duty_redate(*, actor, duty, done_on):
    """Correct the date an item was done; whether it was on time follows."""
    if not resolve_scope(actor).covers(duty.org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if done_on > _today():
        raise ValidationError({"done_on": [_("The date cannot be in the future.")]})
    duty.done_on, duty.on_time = done_on, done_on <= duty_period_end(duty.period)
    duty.recorded_by = actor
    duty.save(update_fields=["done_on", "on_time", "recorded_by"])
    return duty


@transaction.atomic
def dues_review(*, actor, community, month, opinion=""):
    """Review a community's dues for a month: the community's own review first, then the street's (which needs
    the community's). The totals reviewed are kept with the review."""
    from django.db.models import Count, Sum

    from .models import DuesPayment, DuesReview

    if community.level != 2:
        raise ValidationError({"org": [_("Dues are reviewed per community or village.")]})
    scope = resolve_scope(actor)
    street_level = scope.covers_path(_street_path(community), write=True)
    if not scope.covers(community, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    month = month.replace(day=1)
    done = set(DuesReview.objects.filter(org=community, month=month).values_list("level", flat=True))
    if DuesReview.Level.COMMUNITY not in done:
        level = DuesReview.Level.COMMUNITY
    elif street_level and DuesReview.Level.STREET not in done:
        level = DuesReview.Level.STREET
    elif DuesReview.Level.STREET in done:
        raise ValidationError({"month": [_("This month's dues are already reviewed by the community and the street.")]})
    else:
        raise PermissionDenied(_("The community has reviewed this month; the street reviews next."))
    totals = DuesPayment.objects.filter(member__org__path__startswith=community.path, month=month).aggregate(
        members=Count("pk"), due=Sum("amount_due"), paid=Sum("amount_paid"))
    if not totals["members"]:
        raise ValidationError({"month": [_("No dues are recorded for this month.")]})
    return DuesReview.objects.create(org=community, month=month, level=level, members=totals["members"],
                                     due=totals["due"], paid=totals["paid"], reviewed_by=actor, opinion=opinion)


# ---------------------------------------------------------------------------------------------------------------
# Members on their phone: linking an account to a member record; online quizzes
# ---------------------------------------------------------------------------------------------------------------

#: Failed self-link tries allowed per user within LINK_FAILURE_WINDOW seconds.
LINK_FAILURE_LIMIT = 5
LINK_FAILURE_WINDOW = 3600


class LinkThrottled(ValidationError):
    """Too many failed tries at linking a member record: wait before trying again."""


def _link_failures_key(user):
    return f"members:link-failures:{user.pk}"


def _link_generic_error():
    return ValidationError({"__all__": [_(
        "These details do not match a party member record we hold. Check the name, the ID-card number and the "
        "phone number registered with your branch, or ask your branch secretary.")]}, code="no_match")


def _refuse_if_linked(user, member):
    from .models import MemberAccount

    if MemberAccount.objects.filter(user=user).exists():
        raise ValidationError({"__all__": [_("This account is already linked to a party member record.")]},
                              code="user_linked")
    if MemberAccount.objects.filter(member=member).exists():
        raise ValidationError({"__all__": [_(
            "This party member record is already linked to another account. Ask your branch secretary.")]},
            code="member_linked")


def _link_save(account, actor):
    from .models import MemberAccount

    account._history_user = actor
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # the same member or user linked by a concurrent request
        raise ValidationError({"__all__": [_(
            "This party member record or this account is already linked.")]}, code="linked") from exc
    return MemberAccount.objects.select_related("member__org", "user").get(pk=account.pk)


def member_account_link_self(*, actor, name, id_number, phone):
    """Link the signed-in user to their own member record when name, ID-card number and phone all match it.

    Any mismatch gives one message that tells neither which part was wrong nor whether such a member exists;
    after LINK_FAILURE_LIMIT failures within an hour the user is refused (LinkThrottled) until the hour passes.
    The failure count lives in the cache (Redis), shared by every web process."""
    from django.core.cache import cache

    from .models import MemberAccount

    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    key = _link_failures_key(actor)
    if (cache.get(key) or 0) >= LINK_FAILURE_LIMIT:
        raise LinkThrottled({"__all__": [_(
            "Too many unsuccessful tries. For your security, linking is paused for an hour; try again later or "
            "ask your branch secretary.")]}, code="throttled")
    number = normalize_id_number(id_number)
    member = Member.objects.select_related("org").filter(
        id_number=number, name=(name or "").strip(), phone=normalize_phone(phone)).exclude(phone="").first()
    if member is None or not number or not normalize_phone(phone):
        cache.add(key, 0, LINK_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LINK_FAILURE_WINDOW)
        raise _link_generic_error()
    _refuse_if_linked(actor, member)
    cache.delete(key)
    return _link_save(MemberAccount(user=actor, member=member, method=MemberAccount.Method.SELF), actor)


def member_account_link(*, actor, user, member):
    """Staff link a user account to a member record of their area (after checking the person's identity)."""
    from .models import MemberAccount

    if member is None or not resolve_scope(actor).covers(member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    if user is None:
        raise ValidationError({"username": [_("No user account with this user name.")]})
    _refuse_if_linked(user, member)
    return _link_save(MemberAccount(user=user, member=member, method=MemberAccount.Method.STAFF, linked_by=actor),
                      actor)


@transaction.atomic
def member_account_unlink(*, actor, account):
    """Staff unlink an account from a member record of their area (history keeps who did it)."""
    from .models import MemberAccount

    account = MemberAccount.objects.select_related("member__org").get(pk=account.pk)
    if not resolve_scope(actor).covers(account.member.org, write=True):
        raise PermissionDenied(_("This party member is outside your area."))
    account._history_user = actor
    account.delete()


def quiz_check_questions(questions):
    """Check a quiz's questions before they are saved: at least one, each with text, two choices or more and
    exactly one correct. `questions` is a list of {"text", "order", "choices": [(text, correct), ...]}."""
    errors = []
    if not questions:
        errors.append(_("A quiz needs at least one question."))
    for index, question in enumerate(questions, start=1):
        choices = [(text.strip(), correct) for text, correct in question.get("choices", []) if (text or "").strip()]
        if not (question.get("text") or "").strip():
            errors.append(_("Question %(n)d has no text.") % {"n": index})
        if len(choices) < 2:
            errors.append(_("Question %(n)d needs at least two choices.") % {"n": index})
        if sum(1 for _text, correct in choices if correct) != 1:
            errors.append(_("Question %(n)d needs exactly one correct choice.") % {"n": index})
    if errors:
        raise ValidationError({"questions": errors})


def _quiz_check(quiz):
    from .models import QUIZ_MAX_ATTEMPTS

    errors = {}
    if not (quiz.title or "").strip():
        errors["title"] = [_("Give the title of the quiz.")]
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        errors["closes_at"] = [_("The quiz must close after it opens.")]
    if not (1 <= (quiz.attempts_allowed or 0) <= QUIZ_MAX_ATTEMPTS):
        errors["attempts_allowed"] = [_("Between 1 and %(n)d attempts.") % {"n": QUIZ_MAX_ATTEMPTS}]
    if quiz.pass_mark is None or not (0 <= quiz.pass_mark <= 100):
        errors["pass_mark"] = [_("A score is between 0 and 100.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def quiz_save(*, actor, quiz, questions=None):
    """Create or change a quiz of a class the actor organizes (the class organizer's subtree), and with
    `questions` (see quiz_check_questions) replace its questions and choices. Questions are fixed once anyone
    has made an attempt (the attempts' answers refer to them)."""
    from .models import Choice, Question, Quiz, TrainingClass

    klass = TrainingClass.objects.select_related("organizer").filter(pk=quiz.training_class_id).first()
    scope = resolve_scope(actor)
    if klass is None or not scope.covers(klass.organizer, write=True):
        raise PermissionDenied(_("This class is organized outside your area."))
    if quiz.pk:
        before = Quiz.objects.select_for_update().select_related("training_class__organizer").get(pk=quiz.pk)
        if not scope.covers(before.training_class.organizer, write=True):
            raise PermissionDenied(_("This class is organized outside your area."))
    _quiz_check(quiz)
    attempted = bool(quiz.pk) and quiz.attempts.exists()
    if questions is not None:
        if attempted:
            raise ValidationError({"questions": [_(
                "Members have already taken this quiz: its questions can no longer change.")]})
        quiz_check_questions(questions)
    elif not quiz.pk:
        raise ValidationError({"questions": [_("A quiz needs at least one question.")]})
    quiz.title = quiz.title.strip()
    quiz._history_user = actor
    quiz.save()
    if questions is not None:
        quiz.questions.all().delete()
        for index, data in enumerate(questions, start=1):
            question = Question.objects.create(quiz=quiz, text=data["text"].strip(), order=data.get("order") or index)
            Choice.objects.bulk_create([Choice(question=question, text=text.strip(), correct=bool(correct))
                                        for text, correct in data["choices"] if (text or "").strip()])
    return quiz


def _linked_member(user):
    from .selectors import linked_member

    member = linked_member(user=user)
    if member is None:
        raise PermissionDenied(_("Link your account to your party member record first."))
    return member


def quiz_score(quiz, answers):
    """(score out of 100 to 0.1, {question id: (chosen choice id, correct choice id)}) for validated answers."""
    from decimal import ROUND_HALF_UP, Decimal

    questions = list(quiz.questions.all())
    detail, right = {}, 0
    for question in questions:
        correct = next((c.pk for c in question.choices.all() if c.correct), None)
        chosen = answers.get(question.pk)
        detail[question.pk] = (chosen, correct)
        right += chosen is not None and chosen == correct
    score = (Decimal(100) * right / len(questions)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) \
        if questions else Decimal(0)
    return score, detail


def _parse_answers(quiz, answers):
    """{question id: choice id} as ints, each question of this quiz answered with one of its own choices."""
    valid = {q.pk: {c.pk for c in q.choices.all()} for q in quiz.questions.all()}
    parsed = {}
    try:
        for question_id, choice_id in (answers or {}).items():
            parsed[int(question_id)] = int(choice_id)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"answers": [_("The answers could not be read.")]}) from None
    if any(q not in valid or c not in valid[q] for q, c in parsed.items()):
        raise ValidationError({"answers": [_("An answer does not belong to this quiz.")]}, code="foreign_choice")
    if set(parsed) != set(valid):
        raise ValidationError({"answers": [_("Answer every question.")]}, code="unanswered")
    return parsed


@transaction.atomic
def quiz_attempt_submit(*, actor, quiz, answers, now=None):
    """Score a member's answers on the server and record the attempt.

    `actor` is the member's linked user; `answers` maps question id to choice id (as submitted: text is fine).
    Refused when the actor is not linked or not enrolled in the quiz's class, outside the quiz's window, beyond
    its attempts, or with a choice that is not one of its question's. The enrolment's quiz score becomes the
    best of its attempts. Returns the attempt."""
    from django.db.models import Max
    from django.utils import timezone

    from .models import Enrolment, Quiz, QuizAttempt

    member = _linked_member(actor)
    quiz = Quiz.objects.prefetch_related("questions__choices").get(pk=quiz.pk)
    enrolment = Enrolment.objects.select_for_update().filter(training_class_id=quiz.training_class_id,
                                                             member=member).first()
    if enrolment is None:
        raise PermissionDenied(_("You are not enrolled in the class of this quiz."))
    now = now or timezone.now()
    if now < quiz.opens_at:
        raise ValidationError({"__all__": [_("This quiz is not open yet.")]}, code="not_open")
    if now >= quiz.closes_at:
        raise ValidationError({"__all__": [_("This quiz has closed.")]}, code="closed")
    used = QuizAttempt.objects.filter(quiz=quiz, enrolment=enrolment).count()
    if used >= quiz.attempts_allowed:
        raise ValidationError({"__all__": [_("You have used all your attempts at this quiz.")]}, code="no_attempts")
    parsed = _parse_answers(quiz, answers)
    score, _detail = quiz_score(quiz, parsed)
    attempt = QuizAttempt.objects.create(enrolment=enrolment, quiz=quiz, number=used + 1, score=score,
                                         answers={str(q): c for q, c in parsed.items()}, submitted_at=now)
    enrolment.quiz_score = enrolment.quiz_attempts.aggregate(best=Max("score"))["best"]
    enrolment.save(update_fields=["quiz_score"])
    return attempt
