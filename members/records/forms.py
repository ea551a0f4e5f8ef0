"""The member record's admin form: the service's rules are its validation."""

from django import forms
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

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
        # Both are read from the ID-card number when left empty (and checked against it when filled in).
        for name in ("birth_date", "gender"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("Left empty, it is read from the ID-card number.")

    def validate_unique(self):
        # A duplicate ID-card number is the service's to report (member_clean), and only to whoever may change
        # the member holding it: the model form's own "already exists" would tell anyone.
        pass

    def _post_clean(self):
        # The service's validation is the model validation (ID number, dates, duplicates, and the database's
        # constraints, each with its own message): the model form's full_clean would name a constraint that the
        # service would have explained (an ID number with a lowercase x is normalised by the service first).
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as exc:
            self._update_errors(exc)
            return
        changed = set(self.changed_data) if self.instance.pk else None
        try:
            member_clean(self.instance, actor=self.actor, changed=changed)
        except ValidationError as exc:
            # A field whose value could not be read already says so; the service's word on it would repeat it.
            failed = set(self.errors)
            add_service_error(self, ValidationError({
                field: messages for field, messages in exc.message_dict.items() if field not in failed}))
