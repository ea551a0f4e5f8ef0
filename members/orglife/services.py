"""Organizational life 三会一课 and the duty checklist: meetings with their attendance (and the points it earns),
their review by the level above, and the checklist items a branch ticks off (a meeting ticks its own)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope, writes_above
from core.errors import PermissionDenied, ValidationError
from members.points.models import PointCategory, PointEntry
from members.records.selectors import member_list
from members.rules import add_months, duty_period, duty_period_end

from .models import Attendance, DutyDone, DutyItem, Meeting, MeetingKind


#: Points for attending each kind of meeting (organizational-life category), counted from the attendance.
ATTENDANCE_POINTS = {"members": 2, "committee": 1, "group": 1, "lecture": 2, "theme_day": 2}


@transaction.atomic
def meeting_record(*, actor, org, kind, held_on, topic, minutes, present, absent=None, absent_text="", today=None):
    """Record a branch meeting: `present` is the members there, `absent` {member: reason} the expected members
    who were not; or `absent_text`, the same typed a line each as "ID-card number or name: reason" (the admin's
    box, read by meeting_absent_parse). Present members get their organizational-life points from this record
    (once)."""
    absent = absent or {}
    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if absent_text:
        absent = {**absent, **meeting_absent_parse(actor=actor, org=org, text=absent_text)}
    errors = {}
    if org.level < 2:
        errors["org"] = [_("Choose a party branch (a community, village, grid or building group).")]
    if kind not in MeetingKind.values:
        errors["kind"] = [_("Choose the kind of meeting.")]
    if not (topic or "").strip():
        errors["topic"] = [_("Give the topic.")]
    if not (minutes or "").strip():
        errors["minutes"] = [_("The minutes are required.")]
    if held_on > (today or timezone.localdate()):
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


def meeting_absent_parse(*, actor, org, text):
    """{member: reason} read from `text`, one absent member a line: their ID-card number or name, a colon (either
    width) and the reason ("王明: 出差"). Only members of the branch `org` the actor may change are found; an
    unknown one is a ValidationError on "absent"."""
    members = {m.id_number: m for m in member_list(user=actor, write=True).filter(org__path__startswith=org.path)}
    by_name = {m.name: m for m in members.values()}
    absent = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        who, _sep, reason = line.replace("：", ":").partition(":")
        member = members.get(who.strip()) or by_name.get(who.strip())
        if member is None:
            raise ValidationError({"absent": [_("No member “%(who)s” in this branch.") % {"who": who.strip()}]})
        absent[member] = reason
    return absent


def _attendance_points(actor, meeting, member):
    """The organizational-life points a present member earns from a meeting (counted once per meeting)."""
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
    scope = resolve_scope(actor)
    errors = {}
    for meeting, member, present, reason in rows:
        if not scope.covers(meeting.org, write=True) or not scope.covers(member.org, write=True):
            raise PermissionDenied(_("This organization is outside your area."))
        if not member.org.path.startswith(meeting.org.path):
            errors["present"] = [_("Only members of this branch can be expected at its meeting.")]
        if not present and not (reason or "").strip():
            errors["absent"] = [_("Give the reason for each absence.")]
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
    """The level above the branch reviews the meeting record; never the person who recorded it."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    if not writes_above(actor, meeting.org, meeting.org.level - 1):
        raise PermissionDenied(_("The meeting is reviewed by the level above the branch."))
    if meeting.recorded_by_id == actor.pk:
        raise PermissionDenied(_("You recorded this meeting: someone else at the level above reviews it."))
    if meeting.reviewed_on:
        raise ValidationError({"reviewed_on": [_("This meeting has already been reviewed.")]})
    meeting.reviewed_by, meeting.reviewed_on, meeting.review_opinion = actor, on or timezone.localdate(), opinion
    meeting._history_user = actor
    meeting.save()
    return meeting


@transaction.atomic
def duty_mark_done(*, actor, org, item, done_on, period=None, meeting=None):
    """Tick off a checklist item for a branch; done after the period's end it counts as done late."""
    if org is None or not resolve_scope(actor).covers(org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if org.level < 2:
        raise ValidationError({"org": [_("Choose a party branch (a community, village, grid or building group).")]})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("The date cannot be in the future.")]})
    period = period or duty_period(item.frequency, done_on)
    if duty_period(item.frequency, duty_period_end(period)) != period:
        raise ValidationError({"period": [_("This is not a period of the item's frequency.")]})
    if done_on < add_months(duty_period_end(period), -12):
        raise ValidationError({"done_on": [_("The date is long before the period.")]})
    if DutyDone.objects.filter(org=org, item=item, period=period).exists():
        raise ValidationError({"period": [_("This item is already done for %(period)s.") % {"period": period}]})
    return DutyDone.objects.create(org=org, item=item, period=period, done_on=done_on,
                                   on_time=done_on <= duty_period_end(period), meeting=meeting, recorded_by=actor)


def _tick_duties_for_meeting(actor, meeting):
    rows = [DutyDone(org=meeting.org, item=item, period=duty_period(item.frequency, meeting.held_on),
                     done_on=meeting.held_on, on_time=True, meeting=meeting, recorded_by=actor)
            for item in DutyItem.objects.filter(meeting_kind=meeting.kind)]
    DutyDone.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def duty_redate(*, actor, duty, done_on):
    """Correct the date an item was done; whether it was on time follows."""
    if not resolve_scope(actor).covers(duty.org, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("The date cannot be in the future.")]})
    duty.done_on, duty.on_time = done_on, done_on <= duty_period_end(duty.period)
    duty.recorded_by = actor
    duty.save(update_fields=["done_on", "on_time", "recorded_by"])
    return duty
