import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Level, OrgNode

from .models import ActivityKind, RequestKind, ServiceKind
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
