"""The kinds of sheet: members, points, dues and meeting attendance. Each says which columns it reads, how a row
becomes a record (through the services' own rules) and how the valid records are written."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import ValidationError
from core.text import normalize_name
from grids.models import OrgNode
from members.dues.models import DuesKind, DuesPayment
from members.dues.services import dues_clean
from members.orglife.models import Attendance, Meeting, MeetingKind
from members.orglife.selectors import meeting_list
from members.orglife.services import meeting_attendance_set
from members.points.models import PointCategory, PointEntry
from members.points.services import point_entry_clean
from members.records.models import Education, Gender, Member, MemberCategory, MemberStatus, RegistrationConflict
from members.records.resources import MemberResource
from members.records.selectors import member_list
from members.records.services import member_clean, refused_here
from members.records.validators import gender_from_id, normalize_id_number

from .cells import LANGUAGES, choice_table, yes_no_table
from .models import ImportKind


LOOKUP_CHUNK = 5000


class Sheet:
    """One kind of sheet. `spec()` is field → (header, how to read the cell); `required` the fields every row
    must fill. `prepare` looks up, for the whole file at once, what the rows refer to; `clean` turns a row into
    a record or reports its errors; `write` writes the valid records and returns (created, updated)."""

    kind = ""
    title = ""
    required = ()
    refused = gettext_lazy("You may not import records.")
    #: "add" (new records) and, for a sheet that can, "update" (records already registered).
    modes = ("add",)
    mode = "add"

    def __init__(self, actor, scope):
        self.actor, self.scope = actor, scope

    def use_mode(self, mode):
        self.mode = mode

    @classmethod
    def spec(cls):
        raise NotImplementedError

    def choices(self, name):
        return None

    def aliases(self):
        """Header text → field (lower case): the headers in every language and the field names."""
        table = {}
        for name, (header, _kind) in self.spec().items():
            table[name.lower()] = name
            for language in LANGUAGES:
                with translation.override(language):
                    table[str(header).strip().lower()] = name
        return table

    def prepare(self, rows):
        pass

    def clean(self, row_no, values, error, failed):
        """The record of a row, or None after reporting its errors (`failed`: a cell could not be read)."""
        raise NotImplementedError

    def finish(self, items, error):
        return items

    def write(self, items):
        raise NotImplementedError


def _members_by_number(actor, numbers):
    """The members the actor may change with these ID-card numbers (a query per 5,000 numbers)."""
    numbers, found = sorted(numbers - {""}), {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start:start + LOOKUP_CHUNK]
        found.update({m.id_number: m for m in member_list(user=actor, write=True).filter(id_number__in=chunk)})
    return found


class _MemberRowSheet(Sheet):
    """A sheet whose rows are about one member each, named by ID-card number (and, if the sheet has it, name)."""

    def prepare(self, rows):
        for _row_no, values in rows:
            if "id_number" in values:
                values["id_number"] = normalize_id_number(values["id_number"])
        self.members = _members_by_number(self.actor, {v.get("id_number", "") for _r, v in rows})

    def member(self, values, error):
        number = values.get("id_number", "")
        if not number:
            return None
        if "*" in number:
            error("id_number", _("The ID-card number is masked: the full number is needed."))
            return None
        member = self.members.get(number)
        if member is None:
            # The same answer whether the member is elsewhere or nowhere: the sheet reveals nothing outside.
            error("id_number", _("No party member with the ID-card number “%(number)s” in your area.") % {
                "number": number})
            return None
        # Names compare in their normal form (core.text.normalize_name): a zero-width space or a bidi mark
        # pasted into a sheet does not make 李四 someone else.
        name = normalize_name(values.get("name", ""))
        if name and name != normalize_name(member.name):
            error("name", _("The name does not match the ID-card number (registered as %(name)s).") % {
                "name": member.name})
            return None
        return member


def _service_errors(exc, columns, error, renames=None):
    """A service's ValidationError as cell errors (the field's column, or the whole row)."""
    for name, messages in exc.message_dict.items():
        name = (renames or {}).get(name, name)
        for message in messages:
            error(name if name in columns else None, message)


class MemberSheet(Sheet):
    kind = ImportKind.MEMBERS
    title = "members"
    refused = gettext_lazy("You may not add party members.")
    required = ("name", "id_number", "joined_on", "status", "org_code")
    CHOICES = {"gender": Gender, "education": Education, "status": MemberStatus, "category": MemberCategory}
    modes = ("add", "update")

    def use_mode(self, mode):
        super().use_mode(mode)
        if mode == "update":
            # A member already registered is named by the ID-card number; the other cells change what they fill.
            self.required = ("id_number",)

    @classmethod
    def spec(cls):
        names = ("name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "joined_on",
                 "full_member_on", "status", "category")
        kinds = {"birth_date": "date", "joined_on": "date", "full_member_on": "date", **dict.fromkeys(
            cls.CHOICES, "choice")}
        columns = {name: (Member._meta.get_field(name).verbose_name, kinds.get(name, "text")) for name in names}
        columns["org_code"] = (MemberResource.fields["org_code"].column_name, "text")
        return columns

    def choices(self, name):
        if name not in self.CHOICES:
            return None
        extra = {"男": "M", "女": "F", "预备党员": "probationary", "正式党员": "full"}
        return choice_table(self.CHOICES[name], extra), self.CHOICES[name]

    def prepare(self, rows):
        codes = {v.get("org_code", "") for _r, v in rows} - {""}
        self.orgs = {o.code: o for o in OrgNode.objects.filter(code__in=codes)}
        self.seen = {}
        if self.mode == "update":
            for _row_no, values in rows:
                values["id_number"] = normalize_id_number(values.get("id_number", ""))
            self.members = _members_by_number(self.actor, {v["id_number"] for _r, v in rows})
            self.changed_fields = set()

    def clean(self, row_no, values, error, failed):
        code = values.pop("org_code", "")
        org = self.orgs.get(code)
        if code and (org is None or not self.scope.covers(org, write=True)):
            error("org_code", _("No party organization with the code “%(code)s” in your area.") % {"code": code})
            return None
        if failed:
            return None
        if self.mode == "update":
            return self._update(row_no, values, org, error)
        values["category"] = values.get("category") or MemberCategory.DIRECT
        values["ethnicity"] = values.get("ethnicity") or "汉族"
        if values.get("gender") == "":
            values.pop("gender")
        member = Member(org=org, **values)
        if not member.gender and member.id_number:
            try:
                member.gender = gender_from_id(normalize_id_number(member.id_number))
            except (ValueError, IndexError):
                pass
        try:
            member_clean(member, db_checks=False, trusted=("org",))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    if name in self.present:
                        error(name, message)
                    else:
                        error(None, f"{Member._meta.get_field(name).verbose_name}: {message}"
                              if name != "__all__" else message)
            return None
        if member.id_number in self.seen:
            error("id_number", _("The same ID-card number is already on row %(row)s.") % {
                "row": self.seen[member.id_number]})
            return None
        self.seen[member.id_number] = row_no
        return member

    def _update(self, row_no, values, org, error):
        """The member a row of an update names, with the cells the row fills applied; None when it changes
        nothing (counted as unchanged) or is refused."""
        number = values.pop("id_number")
        member = self.members.get(number)
        if member is None:
            # The same answer whether the number is registered elsewhere or nowhere: the sheet reveals nothing.
            error("id_number", _("No party member with the ID-card number “%(number)s” in your area: only members "
                                 "registered in your area can be updated.") % {"number": number})
            return None
        if number in self.seen:
            error("id_number", _("The same ID-card number is already on row %(row)s.") % {"row": self.seen[number]})
            return None
        self.seen[number] = row_no
        changes = {name: value for name, value in values.items() if value not in ("", None)}
        if org is not None:
            changes["org"] = org
        before = {name: getattr(member, name) for name in changes}
        for name, value in changes.items():
            setattr(member, name, value)
        if member.status == MemberStatus.PROBATIONARY and "status" in changes and "full_member_on" not in changes:
            member.full_member_on = None  # back to probation (rare): the date made full goes with it
        changed = {name for name, value in changes.items() if before[name] != value}
        if not changed:
            self.unchanged += 1
            return None
        try:
            member_clean(member, db_checks=False, trusted=("org",), changed=changed)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    if name in self.present:
                        error(name, message)
                    else:
                        error(None, f"{Member._meta.get_field(name).verbose_name}: {message}"
                              if name != "__all__" else message)
            return None
        self.changed_fields |= changed | ({"full_member_on"} if "status" in changed else set())
        return member

    def finish(self, items, error):
        if self.mode == "update":
            return items
        numbers = [m.id_number for _row, m in items]
        existing = {}  # ID-card number → (pk, path of the holder's organization)
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start:start + LOOKUP_CHUNK]
            existing.update({number: (pk, path) for number, pk, path in Member.objects.filter(
                id_number__in=chunk).values_list("id_number", "pk", "org__path")})
        # A number held where the actor may not change the member gets the same answer as any refusal; the
        # district sees the attempts (RegistrationConflict).
        conflicts = []
        for row_no, member in items:
            if member.id_number not in existing:
                continue
            holder_pk, holder_path = existing[member.id_number]
            if self.scope.covers_path(holder_path, write=True):
                error(row_no, "id_number", _("A party member with this ID-card number is already registered."))
            else:
                error(row_no, "id_number", refused_here())
                conflicts.append(RegistrationConflict(
                    user=self.actor, channel=RegistrationConflict.Channel.IMPORT, id_number=member.id_number,
                    org=member.org, member_id=holder_pk))
        RegistrationConflict.objects.bulk_create(conflicts, batch_size=1000)
        return [(row_no, m) for row_no, m in items if m.id_number not in existing]

    def write(self, items):
        if self.mode == "update":
            # Only the fields some row changed; the history records each member's new version ("~").
            fields = sorted({"org_id" if name == "org" else name for name in self.changed_fields} | {"updated_at"})
            now = timezone.now()
            for _row, member in items:
                member.updated_at = now
            bulk_update_with_history([m for _row, m in items], Member, fields, batch_size=1000,
                                     default_user=self.actor)
            return 0, len(items)
        bulk_create_with_history([m for _row, m in items], Member, batch_size=1000, default_user=self.actor)
        return len(items), 0


def _member_columns():
    return {
        "id_number": (Member._meta.get_field("id_number").verbose_name, "text"),
        "name": (Member._meta.get_field("name").verbose_name, "text"),
    }


class PointsSheet(_MemberRowSheet):
    """Points typed by the secretary (the points from meeting attendance come from the meetings, not here).
    A row identical to an entry already recorded (member, date, category, points, reason) is refused as
    "already recorded", so importing the same file twice never doubles the points."""

    kind = ImportKind.POINTS
    title = "points"
    required = ("id_number", "on", "category", "points", "reason")

    @classmethod
    def spec(cls):
        f = PointEntry._meta.get_field
        return {**_member_columns(), "on": (f("on").verbose_name, "date"),
                "category": (f("category").verbose_name, "choice"), "points": (f("points").verbose_name, "decimal"),
                "reason": (f("reason").verbose_name, "text")}

    def choices(self, name):
        if name != "category":
            return None
        extra = {"学习": "study", "志愿": "volunteer", "志愿者服务": "volunteer", "作用发挥": "role", "其它": "other"}
        return choice_table(PointCategory, extra), PointCategory

    def prepare(self, rows):
        super().prepare(rows)
        ids = {m.pk for m in self.members.values()}
        days = {v["on"] for _r, v in rows if v.get("on")}
        self.recorded = set()
        if ids and days:
            self.recorded = set(PointEntry.objects.filter(member_id__in=ids, on__in=days).values_list(
                "member_id", "on", "category", "points", "reason"))
        self.seen = {}

    def clean(self, row_no, values, error, failed):
        member = self.member(values, error)
        if member is None or any(values.get(name) in (None, "") for name in self.required):
            return None
        try:
            entry = point_entry_clean(member=member, on=values["on"], category=values["category"],
                                      points=values["points"], reason=values["reason"])
        except ValidationError as exc:
            _service_errors(exc, self.present, error)
            return None
        key = (member.pk, entry.on, entry.category, entry.points, entry.reason)
        if key in self.recorded:
            error(None, _("This entry is already recorded (same member, date, category, points and reason)."))
            return None
        if key in self.seen:
            error(None, _("The same entry is already on row %(row)s.") % {"row": self.seen[key]})
            return None
        self.seen[key] = row_no
        entry.recorded_by = self.actor
        return entry

    def write(self, items):
        bulk_create_with_history([e for _row, e in items], PointEntry, batch_size=1000, default_user=self.actor)
        return len(items), 0


class DuesSheet(_MemberRowSheet):
    """A month's dues, as payments come in: a row for a member and month already recorded updates it (the
    history keeps the former figures); the amount due always follows from the brackets."""

    kind = ImportKind.DUES
    title = "dues"
    required = ("id_number", "month", "kind", "income_base")
    FIELDS = ("kind", "income_base", "amount_due", "amount_paid", "paid_on", "paid_by", "recorded_by")

    @classmethod
    def spec(cls):
        f = DuesPayment._meta.get_field
        return {**_member_columns(), "month": (f("month").verbose_name, "month"),
                "kind": (f("kind").verbose_name, "choice"), "income_base": (f("income_base").verbose_name, "decimal"),
                "amount_paid": (f("amount_paid").verbose_name, "decimal"),
                "paid_on": (f("paid_on").verbose_name, "date"), "paid_by": (f("paid_by").verbose_name, "text")}

    def choices(self, name):
        if name != "kind":
            return None
        extra = {"在职": "employed", "工资": "employed", "退休": "retired", "离退休": "retired", "离休": "retired",
                 "学生": "low", "失业": "low", "低保": "low", "salaried": "employed"}
        return choice_table(DuesKind, extra), DuesKind

    def prepare(self, rows):
        super().prepare(rows)
        ids = {m.pk for m in self.members.values()}
        months = {v["month"] for _r, v in rows if v.get("month")}
        self.existing = {}
        if ids and months:
            self.existing = {(p.member_id, p.month): p for p in DuesPayment.objects.filter(
                member_id__in=ids, month__in=months)}
        self.seen = {}

    def clean(self, row_no, values, error, failed):
        member = self.member(values, error)
        if member is None or any(values.get(name) in (None, "") for name in self.required):
            return None
        key = (member.pk, values["month"])
        if key in self.seen:
            error("month", _("This member's dues for this month are already on row %(row)s.") % {
                "row": self.seen[key]})
            return None
        payment = self.existing.get(key)
        before = tuple(getattr(payment, name) for name in self.FIELDS[:-1]) if payment else None
        target = DuesPayment(member=member, month=values["month"]) if payment is None else payment
        try:
            dues_clean(payment=target, kind=values["kind"], income_base=values["income_base"],
                       amount_paid=values.get("amount_paid") or 0, paid_on=values.get("paid_on"),
                       paid_by=values.get("paid_by", ""))
        except ValidationError as exc:
            _service_errors(exc, self.present, error)
            return None
        self.seen[key] = row_no
        if before is not None and before == tuple(getattr(target, name) for name in self.FIELDS[:-1]):
            self.unchanged += 1
            return None
        target.recorded_by = self.actor
        return target

    def write(self, items):
        new = [p for _row, p in items if p.pk is None]
        changed = [p for _row, p in items if p.pk is not None]
        bulk_create_with_history(new, DuesPayment, batch_size=1000, default_user=self.actor)
        if changed:
            # An upsert on (member, month) rather than bulk_update: its CASE per field and row took 20 s for
            # 5,000 rows, this takes well under one. The history rows are written as bulk_update_with_history
            # would ("~", by the importer).
            DuesPayment.objects.bulk_create(changed, batch_size=1000, update_conflicts=True,
                                            unique_fields=["member", "month"], update_fields=list(self.FIELDS))
            DuesPayment.history.bulk_history_create(changed, batch_size=1000, update=True, default_user=self.actor)
        return len(new), len(changed)


class AttendanceSheet(_MemberRowSheet):
    """Attendance of meetings already recorded in the portal (organization code, date and kind name the
    meeting); written through members.orglife.services.meeting_attendance_set, so the points follow as for a meeting
    recorded in the portal."""

    kind = ImportKind.ATTENDANCE
    title = "attendance"
    required = ("org_code", "held_on", "kind", "id_number", "present")

    @classmethod
    def spec(cls):
        f = Meeting._meta.get_field
        return {"org_code": (MemberResource.fields["org_code"].column_name, "text"),
                "held_on": (f("held_on").verbose_name, "date"), "kind": (f("kind").verbose_name, "choice"),
                **_member_columns(),
                "present": (Attendance._meta.get_field("present").verbose_name, "yes_no"),
                "absence_reason": (Attendance._meta.get_field("absence_reason").verbose_name, "text")}

    def choices(self, name):
        if name == "kind":
            extra = {"党员大会": "members", "支部党员大会": "members", "支委会": "committee",
                     "支部委员会": "committee", "党小组会": "group", "党课": "lecture", "主题党日": "theme_day"}
            return choice_table(MeetingKind, extra), MeetingKind
        if name == "present":
            return yes_no_table()
        return None

    def prepare(self, rows):
        super().prepare(rows)
        codes = {v.get("org_code", "") for _r, v in rows} - {""}
        days = {v["held_on"] for _r, v in rows if v.get("held_on")}
        self.meetings = {}
        if codes and days:
            for meeting in meeting_list(user=self.actor, write=True).filter(org__code__in=codes, held_on__in=days):
                self.meetings.setdefault((meeting.org.code, meeting.held_on, meeting.kind), []).append(meeting)
        self.seen = {}

    def clean(self, row_no, values, error, failed):
        member = self.member(values, error)
        if any(values.get(name) in (None, "") for name in self.required):
            return None
        found = self.meetings.get((values["org_code"], values["held_on"], values["kind"]), [])
        what = {"code": values["org_code"], "day": values["held_on"], "kind": MeetingKind(values["kind"]).label}
        if not found:
            error("org_code", _("No %(kind)s of %(day)s is recorded for the organization “%(code)s” in your "
                                "area: record the meeting first.") % what)
            return None
        if len(found) > 1:
            error("org_code", _("%(count)s meetings (%(kind)s of %(day)s) are recorded for the organization "
                                "“%(code)s”: record this attendance on the meeting's page.") % {
                **what, "count": len(found)})
            return None
        meeting = found[0]
        if meeting.reviewed_on is not None:
            error("org_code", _("This meeting has been reviewed by the level above; its attendance can no longer "
                                "change."))
            return None
        if member is None:
            return None
        if not member.org.path.startswith(meeting.org.path):
            error("id_number", _("%(name)s is not a member of this branch.") % {"name": member.name})
            return None
        present, reason = values["present"], values.get("absence_reason", "")
        if not present and not reason:
            error("absence_reason" if "absence_reason" in self.present else None,
                  _("Give the reason for the absence."))
            return None
        if len(reason) > Attendance._meta.get_field("absence_reason").max_length:
            error("absence_reason", _("At most %(max)s characters.") % {
                "max": Attendance._meta.get_field("absence_reason").max_length})
            return None
        key = (meeting.pk, member.pk)
        if key in self.seen:
            error("id_number", _("This member's attendance of this meeting is already on row %(row)s.") % {
                "row": self.seen[key]})
            return None
        self.seen[key] = row_no
        return meeting, member, present, reason

    def write(self, items):
        return meeting_attendance_set(actor=self.actor, rows=[item for _row, item in items])


SHEETS = {sheet.kind: sheet for sheet in (MemberSheet, PointsSheet, DuesSheet, AttendanceSheet)}
