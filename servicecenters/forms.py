import datetime

from django import forms
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateField

from .models import BookingSeries, RoomKind
from .services import MAX_SERIES_WEEKS


class ResidentSignUpForm(UserCreationForm):
    first_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email (for confirmations and reminders)"), required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "email"]


def _time_choices(step_minutes=30, first=datetime.time(6, 0), last=datetime.time(23, 30)):
    choices, t = [], datetime.datetime.combine(datetime.date.min, first)
    end = datetime.datetime.combine(datetime.date.min, last)
    while t <= end:
        choices.append((t.strftime("%H:%M"), t.strftime("%H:%M")))
        t += datetime.timedelta(minutes=step_minutes)
    return choices


class BookingForm(forms.Form):
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.Select(choices=_time_choices()))
    end = forms.TimeField(label=_("To"), widget=forms.Select(choices=_time_choices()))
    attendees = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000, initial=1,
                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    weeks = forms.IntegerField(label=_("Repeat weekly"), min_value=1, max_value=MAX_SERIES_WEEKS, initial=1,
                               help_text=_("1 = once; 4 = the same time for four weeks."))
    frequency = forms.ChoiceField(label=_("Repeats"), choices=BookingSeries.Frequency.choices, required=False,
                                  initial=BookingSeries.Frequency.WEEKLY)
    on_clash = forms.ChoiceField(label=_("If a date is taken"), choices=BookingSeries.OnClash.choices,
                                 initial=BookingSeries.OnClash.SKIP, widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        return data


class SearchForm(forms.Form):
    date = BoundedDateField(label=_("Day"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.Select(choices=_time_choices()))
    end = forms.TimeField(label=_("To"), widget=forms.Select(choices=_time_choices()))
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000, initial=1,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    kind = forms.ChoiceField(label=_("Room kind"), required=False,
                             choices=[("", _("Any kind"))] + list(RoomKind.choices))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        if data.get("date") and data.get("start"):
            start = datetime.datetime.combine(data["date"], data["start"], tzinfo=timezone.get_current_timezone())
            if start < timezone.now():
                self.add_error("start", _("That time has passed: choose a later one."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class BlockForm(forms.Form):
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.Select(choices=_time_choices()))
    end = forms.TimeField(label=_("To"), widget=forms.Select(choices=_time_choices()))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SeriesEditForm(forms.Form):
    """New local times (and people, purpose) for every future date of a booking series."""

    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    attendees = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        return data
