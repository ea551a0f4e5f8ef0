"""The meeting form's attendance: a checklist of the chosen branch's members, each not ticked with the reason for
the absence. Plain HTML (works without JavaScript); static/members/attendance.js only adds "all present" and
greys the reason of a ticked member."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AttendanceChecklist(forms.Widget):
    """One row per member: a checkbox `<name>_present` (value: the member's id) and a text box
    `<name>_reason_<id>`. The value is {member id (str): (present, reason)}."""

    template_name = "admin/members/meeting/attendance_checklist.html"

    class Media:
        js = ["members/attendance.js"]

    def __init__(self, members=(), attrs=None):
        super().__init__(attrs)
        self.members = list(members)

    def value_from_datadict(self, data, files, name):
        ticked = set(data.getlist(f"{name}_present")) if hasattr(data, "getlist") else set(
            data.get(f"{name}_present") or [])
        return {str(m.pk): (str(m.pk) in ticked, (data.get(f"{name}_reason_{m.pk}") or "").strip())
                for m in self.members}

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value or {}
        context["widget"]["rows"] = [
            {"member": m, "present": value.get(str(m.pk), (False, ""))[0],
             "reason": value.get(str(m.pk), (False, ""))[1]}
            for m in self.members
        ]
        return context


class AttendanceField(forms.Field):
    """Cleans to (present members, {absent member: reason}); every absence needs its reason."""

    widget = AttendanceChecklist

    def __init__(self, *, members=(), **kwargs):
        self.members = list(members)
        kwargs.setdefault("required", False)
        super().__init__(widget=AttendanceChecklist(self.members), **kwargs)

    def clean(self, value):
        value = value or {}
        present, absent, missing = [], {}, []
        for member in self.members:
            ticked, reason = value.get(str(member.pk), (False, ""))
            if ticked:
                present.append(member)
            elif reason:
                absent[member] = reason
            else:
                missing.append(member.name)
        if missing:
            raise forms.ValidationError(
                _("Tick the members present and give the reason for each absence: %(names)s.")
                % {"names": "、".join(missing)}, code="absence_reason")
        return present, absent
