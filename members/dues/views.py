"""The monthly dues review page: the months of dues waiting for the user's review (the community's first, then
the street's), each reviewed with one click and an optional opinion through members.dues.services.dues_review."""

import datetime

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_page
from core.errors import ConflictError, PermissionDenied, ValidationError, error_messages
from core.periods import parse_month
from grids.models import Level
from grids.selectors import org_list

from .selectors import REVIEW_MONTHS, dues_months_to_review
from .services import dues_review


class DuesReviewForm(forms.Form):
    community = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    month = forms.CharField(max_length=7, widget=forms.HiddenInput)
    opinion = forms.CharField(label=gettext_lazy("Opinion"), max_length=200, required=False)

    def clean_month(self):
        try:
            year, month = parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return datetime.date(year, month, 1)


def _month(day):
    return date_format(day, "YEAR_MONTH_FORMAT")


@staff_page(write=True)
def dues_review_view(request):
    """The months to review (GET); review one of them (POST: community, month "2026-10", opinion)."""
    status = 200
    if request.method == "POST":
        form = DuesReviewForm(request.POST)
        if form.is_valid():
            community = org_list(user=request.user, write=True).filter(
                level=Level.COMMUNITY, pk=form.cleaned_data["community"]).first()
            if community is None:
                raise Http404
            month = form.cleaned_data["month"]
            try:
                done = dues_review(actor=request.user, community=community, month=month,
                                   opinion=form.cleaned_data["opinion"].strip())
            except (ValidationError, PermissionDenied, ConflictError) as exc:
                messages.error(request, _("%(org)s, %(month)s: %(reason)s") % {
                    "org": community.name, "month": _month(month), "reason": " ".join(error_messages(exc))})
            else:
                messages.success(request, _(
                    "Reviewed the dues of %(org)s for %(month)s (%(level)s review): %(members)d members, "
                    "due ¥%(due)s, paid ¥%(paid)s.") % {
                    "org": community.name, "month": _month(month), "level": done.get_level_display(),
                    "members": done.members, "due": done.due, "paid": done.paid})
            return redirect("members:dues-review")
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        status = 400
    rows = dues_months_to_review(user=request.user, today=timezone.localdate())
    return render(request, "members/dues_review.html", {
        "title": _("Dues to review"), "rows": rows, "months": REVIEW_MONTHS,
        "opinion_max": DuesReviewForm.base_fields["opinion"].max_length,
    }, status=status)
