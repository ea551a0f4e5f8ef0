"""The member record's admin form: the service's rules are its validation."""

from django import forms

from core.errors import ValidationError
from core.forms import add_service_error

from .models import Member
from .services import member_clean


class MemberForm(forms.ModelForm):
    #: Who fills the form in (the admin sets it): a duplicate ID-card number is named only to whoever may change
    #: the member holding it.
    actor = None

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

    def validate_unique(self):
        # A duplicate ID-card number is the service's to report (member_clean), and only to whoever may change
        # the member holding it: the model form's own "already exists" would tell anyone.
        pass

    def _post_clean(self):
        # The service's validation is the model validation: ID number, dates, duplicates.
        super()._post_clean()
        if self.errors:
            return
        try:
            member_clean(self.instance, actor=self.actor)
        except ValidationError as exc:
            add_service_error(self, exc)
