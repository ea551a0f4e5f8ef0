"""The form a resident fills in on the phone to link their account to their member record."""

from django import forms
from django.utils.translation import gettext_lazy as _


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


class MemberLinkCodeForm(forms.Form):
    """The code sent by text message to the phone on the member record."""

    code = forms.CharField(label=_("Code from the text message"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))
