"""Writes to member records. Atomic, scope-checked, and recorded in the member's history."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.dates import EARLIEST, PARTY_FOUNDED, date_errors
from core.errors import PermissionDenied, ValidationError
from members.rules import JOINING_AGE, adult_on, earliest_full_member_on

from .models import Gender, Member, MemberStatus, PersonalDataReveal, RegistrationConflict
from .resources import MemberResource
from .selectors import member_can_reveal, member_list
from .validators import (
    birth_date_from_id,
    gender_from_id,
    clean_person_name,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)


MEMBER_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
    "joined_on", "full_member_on", "status", "category", "org",
)


def refused_here():
    """The answer to whoever may not change the record already holding an ID-card number: the same whether the
    number is held in another part of the district or refused for any other reason, so that registering is no
    way to learn who is registered where."""
    return _("This ID-card number cannot be registered here; ask the district.")


def id_number_taken(*, actor, precise, channel, id_number, org=None, member=None, candidate=None):
    """The message for an ID-card number already held by `member` (or `candidate`): `precise` to whoever may
    change that record (the district, the holder's own secretary), `refused_here()` to anyone else, and then the
    attempt is recorded for the district (RegistrationConflict)."""
    holder = member or candidate
    if actor is not None and holder is not None and resolve_scope(actor).covers(holder.org, write=True):
        return precise
    if actor is not None and actor.is_authenticated:
        RegistrationConflict.objects.create(user=actor, channel=channel, id_number=id_number, org=org,
                                            member=member, candidate=candidate)
    return refused_here()


def member_clean(member, *, db_checks=True, trusted=(), actor=None, changed=None):
    """Validate a member record as a whole; raises ValidationError with field errors.

    The date of birth and the gender are read from the ID-card number when left empty and must agree with it;
    no date lies in the future; a member joins at 18 or older and is made a full member (转正) a year after
    joining at the earliest (members.rules). `changed` (the fields a change touches; None: a new record, all of
    them) limits the rules added since records were first kept (gender against the number, the joining age, the
    probationary year) to the changes that touch them, so a record kept before them can still have its phone
    corrected.

    `db_checks=False` (no duplicate query, no query per check constraint: the rules above already cover them)
    and `trusted` (fields already checked, e.g. "org") let a bulk import do those checks for the whole file in
    one query instead of several per row. A duplicate ID-card number is named as such only to an `actor` who
    may change the member holding it (see id_number_taken)."""

    def touches(*names):
        return changed is None or bool(set(names) & set(changed))

    errors = {}
    member.id_number = normalize_id_number(member.id_number)
    member.phone = normalize_phone(member.phone)
    try:
        member.name = clean_person_name(member.name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    try:
        validate_id_number(member.id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    else:
        born, gender = birth_date_from_id(member.id_number), gender_from_id(member.id_number)
        if member.birth_date is None:
            member.birth_date = born
        elif member.birth_date != born:
            errors["birth_date"] = [
                _("The date of birth does not match the ID-card number (%(date)s).") % {"date": born}]
        if not member.gender:
            member.gender = gender
        elif member.gender != gender and touches("gender", "id_number"):
            errors["gender"] = [_("The ID-card number says %(gender)s: choose %(gender)s, or correct the "
                                  "number.") % {"gender": Gender(gender).label}]
    if member.phone:
        try:
            validate_phone(member.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    # No future dates, none before 1900, and nobody joined before the Party was founded.
    for name, messages in {
        **date_errors(earliest=EARLIEST, latest="today", birth_date=member.birth_date),
        **date_errors(earliest=PARTY_FOUNDED, latest="today", joined_on=member.joined_on,
                      full_member_on=member.full_member_on),
    }.items():
        errors.setdefault(name, messages)
    if member.joined_on and member.birth_date and member.joined_on <= member.birth_date:
        errors.setdefault("joined_on", [_("The date joined must come after the date of birth.")])
    elif (member.joined_on and member.birth_date and member.joined_on < adult_on(member.birth_date)
          and touches("joined_on", "birth_date", "id_number")):
        errors.setdefault("joined_on", [
            _("A member joins the Party at %(age)s or older: born on %(born)s, they could join on %(date)s at the "
              "earliest.") % {"age": JOINING_AGE, "born": member.birth_date, "date": adult_on(member.birth_date)}])
    if member.status == MemberStatus.FULL and not member.full_member_on:
        errors["full_member_on"] = [_("A full member needs the date they were made full member; a "
                                      "member not yet made full is a probationary member.")]
    if member.status == MemberStatus.PROBATIONARY and member.full_member_on:
        errors["full_member_on"] = [_("A probationary member has not been made full member yet: leave the date "
                                      "made full member empty, or choose the status Full member.")]
    if member.full_member_on and member.joined_on and member.full_member_on <= member.joined_on:
        errors["full_member_on"] = [_("The date made full member must come after the date joined.")]
    elif (member.full_member_on and member.joined_on
          and member.full_member_on < earliest_full_member_on(member.joined_on)
          and touches("full_member_on", "joined_on", "status")):
        errors["full_member_on"] = [
            _("The probationary period lasts a year: a member who joined on %(joined)s is made full member on "
              "%(date)s at the earliest.") % {"joined": member.joined_on,
                                             "date": earliest_full_member_on(member.joined_on)}]
    try:
        # With an unreadable ID number the birth date (read from it) is missing too: one error, not two.
        derived = [name for name in ("birth_date", "gender") if not getattr(member, name) and "id_number" in errors]
        member.full_clean(exclude=list(errors) + ["id_number", *trusted, *derived], validate_unique=False,
                          validate_constraints=db_checks)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if db_checks and "id_number" not in errors:
        holder = Member.objects.filter(id_number=member.id_number).exclude(pk=member.pk).select_related("org").first()
        if holder is not None:
            errors["id_number"] = [id_number_taken(
                actor=actor, precise=_("A party member with this ID-card number is already registered."),
                channel=RegistrationConflict.Channel.MEMBER, id_number=member.id_number, org=member.org,
                member=holder)]
    if errors:
        raise ValidationError(errors)


def _save(member, actor):
    member._history_user = actor
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        # A concurrent insert of the same ID number slipped between the check and the save.
        holder = Member.objects.filter(id_number=member.id_number).select_related("org").first()
        raise ValidationError({"id_number": [id_number_taken(
            actor=actor, precise=_("A party member with this ID-card number is already registered."),
            channel=RegistrationConflict.Channel.MEMBER, id_number=member.id_number, org=member.org,
            member=holder)]}) from exc
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
    member_clean(member, actor=actor)
    return _save(member, actor)


def changed_fields(member, changes):
    """Of `changes` (field → new value), the fields whose value differs from what `member` has stored."""
    if member.pk is None:
        return None
    stored = Member.objects.filter(pk=member.pk).values(*[f if f != "org" else "org_id" for f in changes]).first()
    if stored is None:
        return None
    differs = set()
    for field, value in changes.items():
        key = "org_id" if field == "org" else field
        value = getattr(value, "pk", value) if field == "org" else value
        if field == "id_number":
            value = normalize_id_number(value)
        if stored[key] != value:
            differs.add(field)
    return differs


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
    member_clean(member, actor=actor, changed=changed_fields(member, changes))
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
    if not member_can_reveal(user=actor, member=member):
        raise PermissionDenied(_("You may not see this member's personal data."))
    return PersonalDataReveal.objects.create(user=actor, member=member, channel=channel)


def member_reveal_for_export(*, actor, members):
    """Of `members` (loaded with their organization), the pks whose full ID-card number `actor` may see in an
    export (members they may change; the others stay masked); each such reveal is recorded."""
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
    rows = member_list(user=actor).filter(pk__in=queryset.values("pk")).order_by("org__path", "name", "pk")
    revealed = set()
    if reveal:
        revealed = set(member_list(user=actor, write=True).filter(pk__in=rows.values("pk")).values_list(
            "pk", flat=True))
        PersonalDataReveal.objects.bulk_create(
            [PersonalDataReveal(user=actor, member_id=pk, channel=PersonalDataReveal.Channel.EXPORT) for pk in revealed]
        )
    dataset = MemberResource(revealed_ids=revealed).export(queryset=rows)
    if file_format == "xlsx":
        dataset.title = "members"
        return dataset.export("xlsx")
    return dataset.csv
