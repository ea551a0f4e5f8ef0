import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Level, OrgNode

from .models import ActivityKind, RequestKind, ResourceKind, ServiceKind
from .uploads import MAX_PHOTOS


def community_choices():
    return OrgNode.objects.filter(level=Level.COMMUNITY).select_related("parent").order_by("code")


class CommunityField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class ProfileForm(forms.Form):
    community = CommunityField(label=_("Your community"), queryset=OrgNode.objects.none())
    phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = community_choices()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=RequestKind.choices, widget=forms.RadioSelect,
                             initial=RequestKind.ISSUE)
    service = forms.ChoiceField(label=_("Which service"), choices=[("", "—")] + list(ServiceKind.choices),
                                required=False)
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Details"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = MultipleFileField(label=_("Photos (up to %(n)d, 5 MB each)") % {"n": MAX_PHOTOS}, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How satisfied are you?"), coerce=int,
                                    choices=[(i, "★" * i) for i in range(5, 0, -1)], widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10_000)
    closes_hours = forms.IntegerField(label=_("Sign-up closes (hours before the start)"), min_value=0,
                                      max_value=24 * 30, initial=2)
    points = forms.DecimalField(label=_("Points for members who attend"), min_value=0, max_value=20,
                                decimal_places=1, initial=1)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        if data.get("date") and not datetime.date(2000, 1, 1) <= data["date"] <= datetime.date(2100, 12, 31):
            self.add_error("date", _("Choose a date."))
        return data


# --- the 智库 ----------------------------------------------------------------------------------------------------


class NeedForm(forms.Form):
    node = forms.TypedChoiceField(label=_("Posted by"), coerce=int)
    kind = forms.ChoiceField(label=_("What is needed"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, nodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.nodes = {n.pk: n for n in nodes}
        self.fields["node"].choices = [(n.pk, n.name) for n in nodes]

    def clean_node(self):
        return self.nodes[self.cleaned_data["node"]]


class ResourceForm(forms.Form):
    provider = forms.ChoiceField(label=_("Offered by"))
    kind = forms.ChoiceField(label=_("What is offered"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.partners = {str(p.pk): p for p in partners}
        choices = []
        if self.partners:
            choices.append((_("Partner organizations"), [(f"partner:{k}", p.name) for k, p in self.partners.items()]))
        if self.units:
            choices.append((_("Resident units"), [(f"unit:{k}", u.name) for k, u in self.units.items()]))
        self.fields["provider"].choices = choices

    def clean_provider(self):
        kind, _sep, pk = self.cleaned_data["provider"].partition(":")
        found = (self.units if kind == "unit" else self.partners if kind == "partner" else {}).get(pk)
        if found is None:
            raise forms.ValidationError(_("Choose who offers it."))
        return (kind, found)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# --- a volunteer team's leader -------------------------------------------------------------------------------------


class TeamMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    joined_on = forms.DateField(label=_("Joined on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean_joined_on(self):
        day = self.cleaned_data["joined_on"]
        if not datetime.date(1950, 1, 1) <= day <= datetime.date.today() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class HoursForm(forms.Form):
    membership = forms.TypedChoiceField(label=_("Member"), coerce=int)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_value=24, decimal_places=1, initial=2)
    what = forms.CharField(label=pgettext_lazy("volunteer service", "What was done"), max_length=200)

    def __init__(self, *args, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [(m.pk, m.name) for m in roster]

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day.year < 2000:
            raise forms.ValidationError(_("Choose a date."))
        return day
