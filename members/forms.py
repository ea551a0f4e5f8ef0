from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationError

from .models import Member
from .services import member_clean


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name", "gender", "ethnicity", "id_number", "birth_date", "phone", "education",
            "joined_on", "full_member_on", "status", "category", "org",
        ]
        # <input type="date"> takes ISO dates only, whatever the language's display format.
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "full_member_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "birth_date" in self.fields:
            self.fields["birth_date"].required = False

    def _post_clean(self):
        # The service's validation is the model validation: ID number, dates, duplicates.
        super()._post_clean()
        if self.errors:
            return
        try:
            member_clean(self.instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)


class MemberLinkForm(forms.Form):
    """A resident's own details, checked against the member record before their account is linked to it."""

    name = forms.CharField(label=_("Full name"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(label=_("ID-card number"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "autocapitalize": "characters"}))
    phone = forms.CharField(label=_("Phone number registered with your branch"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                          "inputmode": "tel"}))
