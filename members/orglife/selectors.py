"""Reads of organizational life and the duty checklist, cut to the user's scope."""

from accounts.scopes import resolve_scope
from core.counts import count_of
from members.rules import duty_period

from .models import Attendance, ComplianceSnapshot, DutyDone, DutyItem, Meeting


def meeting_list(*, user, write=False):
    """Meetings of branches `user` may see (or change, with write=True), with their present and absent counts."""
    return Meeting.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__")).select_related(
        "org", "reviewed_by").annotate(
        present_count=count_of(Attendance.objects.filter(present=True), to="meeting"),
        absent_count=count_of(Attendance.objects.filter(present=False), to="meeting"),
    )


def duty_status(*, user, org, day):
    """Each checklist item with, for the period containing `day`, whether `org` did it (and on time)."""
    if org is None or not resolve_scope(user).covers(org):
        return []
    items = list(DutyItem.objects.all())
    periods = {item.pk: duty_period(item.frequency, day) for item in items}
    done = {(d.item_id, d.period): d for d in DutyDone.objects.filter(org=org, period__in=set(periods.values()))}
    return [(item, periods[item.pk], done.get((item.pk, periods[item.pk]))) for item in items]


def compliance_list(*, user):
    """Quarterly compliance snapshots of the branches `user` may see."""
    return ComplianceSnapshot.objects.filter(resolve_scope(user).nodes_q(prefix="org__")).select_related("org")


def duty_done_list(*, user, write=False):
    """Checklist items done by the branches `user` may see (or change, with write=True)."""
    return DutyDone.objects.filter(resolve_scope(user).nodes_q(write=write, prefix="org__"))
