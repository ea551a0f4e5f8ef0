"""Staff pages of accountability: duty reports and their review (述职评议), the stored year-end evaluation, committees
and terms with the reserve-cadre pool, slates and the five ones, and the standing committee's contact points.

Reads through accountability.selectors (cut to the user's scope), writes through accountability.services. A foreign
object answers 404; a role with no business here 403; bad input a form error, never a 500.
"""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_page as accounts_staff_page
from accounts.scopes import is_district, keeps_unit_records, reads_district
from assessment import selectors as assessment_selectors
from assessment.exports import workbook_bytes
from assessment.models import UnitLevel
from core.downloads import xlsx_download
from core.errors import ValidationError
from core.forms import add_service_error

from . import rules, selectors, services
from .models import (
    CadreStatus,
    Choice,
    CycleStatus,
    DutyGrade,
    FiveOne,
    Post,
    ReportStatus,
    Source,
    VoterKind,
)

YEAR_GRADE_LABELS = {"excellent": gettext_lazy("Excellent"), "good": gettext_lazy("Good"),
                     "fair": gettext_lazy("Fair"), "poor": gettext_lazy("Poor")}


def _date_input():
    """A date picker: it takes ISO dates only (the Chinese format 2026/11/30 would leave it empty)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def staff_page(view):
    return accounts_staff_page(view, denied=gettext_lazy("Your role gives no access to the accountability pages."))


def _render(request, template, active, context, status=200):
    user = request.user
    return render(request, template, {
        "nav_active": active, "is_district": is_district(user),
        "can_score": bool(assessment_selectors.assessable_levels(user=user)), **context,
    }, status=status)


def _post_only(request):
    if request.method != "POST":
        raise Http404


def _year_or_404(year):
    if not 2000 <= year <= 2100:
        raise Http404
    return year


# --- 述职评议 --------------------------------------------------------------------------------------------


class CycleForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=gettext_lazy("kind of unit"), choices=UnitLevel.choices)
    due_on = forms.DateField(label=gettext_lazy("reports due on"), widget=_date_input())
    duties = forms.CharField(label=gettext_lazy("duty list"), max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 5}), help_text=gettext_lazy("One duty per line."))
    criteria = forms.CharField(label=gettext_lazy("review criteria"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=gettext_lazy("One per line, “name: maximum score”; the maxima add up to 100."))


@staff_page
def duty_cycles(request):
    user = request.user
    cycles = list(selectors.duty_cycles(user=user).annotate(
        report_count=Count("reports"),
        submitted=Count("reports", filter=~Q(reports__status=ReportStatus.DRAFT)),
        reviewed=Count("reports", filter=Q(reports__status=ReportStatus.REVIEWED))))
    form, status = None, 200
    if is_district(user):
        form = CycleForm(request.POST or None, initial={"year": timezone.localdate().year,
                                                        "criteria": _("Duty performed: 40\nProblems solved: 30\n"
                                                                      "Party-building results: 30")})
        if request.method == "POST":
            if form.is_valid():
                try:
                    cycle = services.duty_cycle_open(actor=user, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_error(form, exc)
                else:
                    messages.success(request, _("The %(year)s duty reporting is open.") % {"year": cycle.year})
                    return redirect("accountability:cycle", pk=cycle.pk)
            status = 400
    elif request.method == "POST":
        raise DjangoPermissionDenied(_("Only district staff may do this."))
    return _render(request, "accountability/cycles.html", "duty", {
        "title": _("Duty reports and review"), "cycles": cycles, "form": form}, status=status)


@staff_page
def cycle(request, pk):
    user = request.user
    obj = selectors.duty_cycles(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if request.method == "POST":
        if not is_district(user):
            raise DjangoPermissionDenied(_("Only district staff may do this."))
        try:
            result = services.duty_cycle_publish(actor=user, cycle=obj)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Results published: %(ranked)s ranked, %(proposed)s interviews proposed.")
                             % {"ranked": result["ranked"], "proposed": result["interviews_proposed"]})
        return redirect(request.path)
    reports = list(selectors.duty_reports(user=user, cycle=obj).annotate(ballot_count=Count("ballots")))
    if request.GET.get("export") == "xlsx":
        header = [_("Rank"), _("Code"), _("Unit"), _("Street"), _("Secretary"), _("Status"), _("Review score"),
                  _("Democratic evaluation"), _("Ballots"), _("Result"), _("Grade")]
        rows = [[r.rank, (r.org or r.department).code, (r.org or r.department).name,
                 r.org.parent.name if r.org and r.org.parent else "", r.secretary_name, r.get_status_display(),
                 _num(r.review_score), _num(r.democratic_score), r.ballot_count, _num(r.final_score),
                 r.get_grade_display() if r.grade else ""] for r in reports]
        return xlsx_download(workbook_bytes([(f"{obj.year} {obj.get_level_display()}", header, rows)]),
                             f"duty-{obj.year}-{obj.level}.xlsx")
    return _render(request, "accountability/cycle.html", "duty", {
        "title": _("Duty reports %(year)s") % {"year": obj.year}, "cycle": obj, "reports": reports,
        "published": obj.status == CycleStatus.PUBLISHED,
    })


def _num(value):
    return None if value is None else float(value)


class ReportForm(forms.Form):
    secretary_name = forms.CharField(label=gettext_lazy("secretary"), max_length=50, required=False)
    body = forms.CharField(label=gettext_lazy("report"), max_length=50000, required=False,
                           widget=forms.Textarea(attrs={"rows": 12}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("file"))


class VoterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("voter"), choices=VoterKind.choices)
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)


class BallotForm(forms.Form):
    voter = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=gettext_lazy("vote"), choices=Choice.choices)


def review_form_class(criteria):
    fields = {"comment": forms.CharField(label=gettext_lazy("review comment"), max_length=5000,
                                         widget=forms.Textarea(attrs={"rows": 3}))}
    for i, criterion in enumerate(criteria):
        fields[f"c{i}"] = forms.DecimalField(label=f"{criterion['name']} (≤ {criterion['max']})", min_value=0,
                                             max_value=Decimal(criterion["max"]), max_digits=5, decimal_places=2,
                                             widget=forms.NumberInput(attrs={"step": "0.01"}))
    return type("ReviewForm", (forms.Form,), fields)


@staff_page
def report(request, pk):
    user = request.user
    obj = selectors.duty_report_for(user=user, pk=pk)
    if obj is None:
        raise Http404
    may_write = services.may_write_report(user, obj)
    may_review = services.may_review_report(user, obj)
    criteria = obj.cycle.criteria
    ReviewForm = review_form_class(criteria)
    post = request.POST if request.method == "POST" else None
    step = (post or {}).get("step", "")
    initial_review = {"comment": obj.review_comment}
    for i, line in enumerate(obj.criteria_scores or []):
        initial_review[f"c{i}"] = line["score"]
    report_form = ReportForm(post if step in ("save", "submit") else None,
                             initial={"secretary_name": obj.secretary_name, "body": obj.body})
    attach_form = AttachmentForm(post if step == "attach" else None, request.FILES if step == "attach" else None)
    review_form = ReviewForm(post if step == "review" else None, initial=initial_review)
    voter_form = VoterForm(post if step == "voter" else None)
    ballot_form = BallotForm(post if step == "ballot" else None)
    status = 200
    if post is not None:
        bound = {"save": report_form, "submit": report_form, "attach": attach_form, "review": review_form,
                 "voter": voter_form, "ballot": ballot_form}.get(step)
        if bound is None:
            raise Http404
        if not (may_write if step in ("save", "submit", "attach") else may_review):
            raise DjangoPermissionDenied(_("You may not do this for this report."))
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if step in ("save", "submit"):
                    services.duty_report_save(actor=user, report=obj, body=data["body"],
                                              secretary_name=data["secretary_name"], submit=step == "submit")
                    done = _("Report submitted to the level above.") if step == "submit" else _("Report saved.")
                elif step == "attach":
                    services.duty_attachment_add(actor=user, report=obj, upload=data["file"])
                    done = _("Attachment added.")
                elif step == "review":
                    scores = {c["name"]: data[f"c{i}"] for i, c in enumerate(criteria)}
                    services.duty_review(actor=user, report=obj, scores=scores, comment=data["comment"])
                    done = _("Review recorded.")
                elif step == "voter":
                    services.voter_add(actor=user, report=obj, kind=data["kind"], name=data["name"])
                    done = _("Voter added to the roll.")
                else:
                    voter = obj.voters.filter(pk=data["voter"]).first()
                    if voter is None:
                        raise Http404
                    services.ballot_cast(actor=user, voter=voter, choice=data["choice"])
                    done = _("Ballot counted.")
            except (ValidationError, DjangoPermissionDenied) as exc:
                renames = {c["name"]: f"c{i}" for i, c in enumerate(criteria)}
                add_service_error(bound, exc, renames=renames)
            else:
                messages.success(request, done)
                return redirect(request.path)
        status = 400
    counts = selectors.ballot_counts(report=obj)
    tally = [{"kind": VoterKind(kind).label, "choices": [counts.get((kind, c), 0) for c in Choice.values]}
             for kind in VoterKind.values]
    voters = list(obj.voters.all()) if may_review else []
    return _render(request, "accountability/report.html", "duty", {
        "title": _("Duty report"), "report": obj, "unit": obj.org or obj.department, "cycle": obj.cycle,
        "may_write": may_write and obj.status == ReportStatus.DRAFT and obj.cycle.status != CycleStatus.PUBLISHED,
        "may_review": may_review and obj.status != ReportStatus.DRAFT and obj.cycle.status != CycleStatus.PUBLISHED,
        "report_form": report_form, "attach_form": attach_form, "review_form": review_form,
        "voter_form": voter_form, "ballot_form": ballot_form, "attachments": list(obj.attachments.all()),
        "choices": Choice.choices, "tally": tally, "voters": voters,
        "waiting": [v for v in voters if v.voted_at is None], "voted_count": sum(1 for v in voters if v.voted_at),
    }, status=status)


@staff_page
def attachment(request, pk):
    from .models import DutyAttachment

    obj = DutyAttachment.objects.filter(pk=pk, report__in=selectors.duty_reports(user=request.user)).first()
    if obj is None:
        raise Http404
    try:
        handle = obj.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=obj.name)


# --- 年终综合评定 -----------------------------------------------------------------------------------------


def _levels(user):
    levels = assessment_selectors.ranking_levels(user=user)
    if not levels:
        raise DjangoPermissionDenied(_("Your role sees no ranking."))
    return levels


class AdjustForm(forms.Form):
    adjustment = forms.DecimalField(label=gettext_lazy("adjustment"), min_value=-20, max_value=20, max_digits=5,
                                    decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"}))
    reason = forms.CharField(label=gettext_lazy("reason for the adjustment"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


@staff_page
def year(request, year=None):
    user = request.user
    levels = _levels(user)
    if year is None:
        return redirect("accountability:year", year=timezone.localdate().year - 1)
    year = _year_or_404(year)
    if request.method == "POST":
        if not is_district(user):
            raise DjangoPermissionDenied(_("Only district staff may do this."))
        action = request.POST.get("action")
        try:
            if action == "compute":
                result = services.evaluation_compute(year, actor=user)
                if result.get("skipped"):
                    messages.error(request, _("The %(year)s evaluation is published and frozen.") % {"year": year})
                else:
                    messages.success(request, _("The %(year)s evaluation is computed.") % {"year": year})
            elif action == "publish":
                services.evaluation_publish(actor=user, year=year)
                messages.success(request, _("The %(year)s evaluation is published.") % {"year": year})
            else:
                raise Http404
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        return redirect(request.get_full_path())
    level = request.GET.get("level") or levels[0]
    if level not in levels:
        raise Http404
    evaluation = selectors.evaluation_year(year=year)
    rows = list(selectors.evaluation_rows(user=user, year=year, level=level))
    if request.GET.get("export") == "xlsx":
        return _evaluation_workbook(year, level, rows)
    for row in rows:
        row.grade_label = YEAR_GRADE_LABELS.get(row.grade, "")
    return _render(request, "accountability/year.html", "year", {
        "title": _("Year-end evaluation"), "year": year, "level": level, "evaluation": evaluation, "rows": rows,
        "levels": [(lv, UnitLevel(lv).label) for lv in levels], "prev_year": year - 1,
        "next_year": year + 1 if year < timezone.localdate().year else None,
    })


def _evaluation_workbook(year, level, rows):
    header = [_("Rank"), _("Code"), _("Unit"), _("Street"), _("Quarterly average"), _("Findings"), _("Deduction"),
              _("Duty report result"), _("Computed score"), _("Adjustment"), _("Reason for the adjustment"),
              _("Score"), _("Grade")]
    body = [[r.rank, r.unit_code, r.unit_name, r.parent_name, _num(r.breakdown.get("average")),
             r.breakdown.get("findings"), _num(r.breakdown.get("deduction")), _num(r.breakdown.get("duty_score")),
             _num(r.computed_score), float(r.adjustment), r.adjustment_reason, _num(r.score),
             str(YEAR_GRADE_LABELS.get(r.grade, ""))] for r in rows]
    return xlsx_download(workbook_bytes([(f"{year} {UnitLevel(level).label}", header, body)]),
                         f"evaluation-{year}-{level}.xlsx")


@staff_page
def evaluation_row(request, pk):
    user = request.user
    row = selectors.evaluation_row_for(user=user, pk=pk)
    if row is None:
        raise Http404
    form = AdjustForm(request.POST or None, initial={"adjustment": row.adjustment, "reason": row.adjustment_reason})
    status = 200
    if request.method == "POST":
        if not is_district(user):
            raise DjangoPermissionDenied(_("Only district staff may do this."))
        if form.is_valid():
            try:
                services.evaluation_adjust(actor=user, row=row, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Adjustment recorded."))
                return redirect(request.path)
        status = 400
    return _render(request, "accountability/evaluation_row.html", "year", {
        "title": _("Year-end evaluation"), **_row_context(row), "form": form,
        "may_adjust": is_district(user) and not row.evaluation.published,
        "history": list(row.history.select_related("history_user").order_by("-history_date")[:20]),
    }, status=status)


def _row_context(row):
    b = row.breakdown
    quarters = [{"quarter": q, "total": b.get("quarters", {}).get(q), "rank": b.get("quarter_ranks", {}).get(q)}
                for q in sorted(b.get("quarters", {}))]
    return {"row": row, "b": b, "quarters": quarters, "grade_label": YEAR_GRADE_LABELS.get(row.grade, ""),
            "duty_grade_label": DutyGrade(b["duty_grade"]).label if b.get("duty_grade") else ""}


@staff_page
def evaluation_pdf(request, pk):
    """A unit's year, printable: the evaluation with its breakdown, its duty report's result and its interviews."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    user = request.user
    row = selectors.evaluation_row_for(user=user, pk=pk)
    if row is None:
        raise Http404
    reports = selectors.duty_reports(user=user).filter(
        cycle__year=row.year, **({"org_id": row.org_id} if row.org_id else {"department_id": row.department_id}))
    interviews = assessment_selectors.interviews(user=user).filter(
        **({"org_id": row.org_id} if row.org_id else {"department_id": row.department_id}),
        created_at__year=row.year).prefetch_related("actions")
    html = render_to_string("accountability/print_year.html", {
        **_row_context(row), "report": reports.first(), "interviews": list(interviews),
        "printed_at": timezone.localtime(),
    }, request=request)
    # The page's style is a file (static/accountability/print.css), as the Content-Security-Policy wants of pages.
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=finders.find("accountability/print.css"))])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{row.year}-{row.unit_code}.pdf"'
    return response


# --- 换届 -----------------------------------------------------------------------------------------------


@staff_page
def committees(request):
    user = request.user
    today = timezone.localdate()
    qs = selectors.committees(user=user).annotate(
        five_done=Count("five_ones", filter=Q(five_ones__done_on__isnull=False)))
    show = request.GET.get("show", "")
    if show == "ending":
        qs = qs.filter(term_end__lt=today + datetime.timedelta(days=183))
    level = request.GET.get("level", "")
    if level in ("1", "2", "3", "4"):
        qs = qs.filter(org__level=int(level))
    page = Paginator(qs.order_by("term_end", "pk"), 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for c in rows:
        c.overdue = c.term_end < today
        c.soon = not c.overdue and c.term_end < today + datetime.timedelta(days=183)
    return _render(request, "accountability/committees.html", "terms", {
        "title": _("Committees and terms"), "committees": rows, "page": page, "show": show, "level": level,
        "today": today,
    })


class MemberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)
    post = forms.ChoiceField(label=gettext_lazy("post"), choices=Post.choices)
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=20, required=False)


class FiveOneForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("note"), max_length=2000, required=False)


class SlateForm(forms.Form):
    election_on = forms.DateField(label=gettext_lazy("election date"), widget=_date_input())


@staff_page
def committee(request, pk):
    user = request.user
    obj = selectors.committee_for(user=user, pk=pk)
    if obj is None:
        raise Http404
    may_keep = keeps_unit_records(user, obj.org)
    post = request.POST if request.method == "POST" else None
    step = (post or {}).get("step", "")
    member_form = MemberForm(post if step == "member" else None)
    five_form = FiveOneForm(post if step == "five" else None)
    slate_form = SlateForm(post if step == "slate" else None)
    status = 200
    if post is not None:
        if not may_keep:
            raise DjangoPermissionDenied(_("This organization is outside your area."))
        bound = {"member": member_form, "five": five_form, "slate": slate_form, "remove": None}.get(step, False)
        if bound is False:
            raise Http404
        try:
            if step == "remove":
                member = obj.members.filter(pk=post.get("member") if str(post.get("member", "")).isdigit()
                                            else None).first()
                if member is None:
                    raise Http404
                services.committee_member_change(actor=user, committee=obj, name="", post="", member=member,
                                                 remove=True)
                messages.success(request, _("Member removed."))
                return redirect(request.path)
            if bound.is_valid():
                data = bound.cleaned_data
                if step == "member":
                    services.committee_member_change(actor=user, committee=obj, **data)
                    messages.success(request, _("Member added."))
                elif step == "five":
                    item = obj.five_ones.filter(pk=data["item"]).first()
                    if item is None:
                        raise Http404
                    services.five_one_done(actor=user, item=item, note=data["note"])
                    messages.success(request, _("“%(item)s” is ticked off for %(org)s.") % {
                        "item": item.get_kind_display(), "org": obj.org.name})
                else:
                    slate = services.slate_create(actor=user, org=obj.org, election_on=data["election_on"])
                    return redirect("accountability:slate", pk=slate.pk)
                return redirect(request.path)
        except ValidationError as exc:
            add_service_error(bound or MemberForm(), exc)
            if bound is None:
                for msg in exc.messages:
                    messages.error(request, msg)
                return redirect(request.path)
        status = 400
    today = timezone.localdate()
    return _render(request, "accountability/committee.html", "terms", {
        "title": _("Committee"), "committee": obj, "members": list(obj.members.all()),
        "five_ones": list(obj.five_ones.all()), "may_keep": may_keep and obj.ended_on is None,
        "member_form": member_form, "five_form": five_form, "slate_form": slate_form,
        "overdue": obj.term_end < today, "slates": list(obj.org.slates.order_by("-election_on")[:5]),
    }, status=status)


class CadreForm(forms.Form):
    street = forms.ModelChoiceField(label=gettext_lazy("street"), queryset=None)
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)
    gender = forms.ChoiceField(label=gettext_lazy("gender"), choices=[("M", gettext_lazy("male")),
                                                                      ("F", gettext_lazy("female"))])
    birth_date = forms.DateField(label=gettext_lazy("birth date"), widget=_date_input())
    education = forms.CharField(label=gettext_lazy("education"), max_length=30)
    source = forms.ChoiceField(label=gettext_lazy("source"), choices=Source.choices)
    training = forms.CharField(label=gettext_lazy("training"), max_length=2000, required=False)
    assessment = forms.CharField(label=gettext_lazy("assessment"), max_length=2000, required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets


@staff_page
def reserve(request):
    user = request.user
    streets = selectors.visible_streets(user=user)
    writable = [s for s in streets if keeps_unit_records(user, s)]
    form = CadreForm(request.POST or None, streets=streets.filter(pk__in=[s.pk for s in writable]))
    status = 200
    if request.method == "POST":
        if not writable:
            raise DjangoPermissionDenied(_("This organization is outside your area."))
        if form.is_valid():
            try:
                services.reserve_cadre_add(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Reserve cadre added."))
                return redirect(request.get_full_path())
        status = 400
    qs = selectors.reserve_cadres(user=user)
    street = request.GET.get("street", "")
    if street.isdigit():
        qs = qs.filter(street_id=int(street))
    source = request.GET.get("source", "")
    if source in Source.values:
        qs = qs.filter(source=source)
    by_source = dict(qs.filter(status=CadreStatus.POOL).values_list("source").annotate(n=Count("id")).order_by())
    page = Paginator(qs.order_by("street__code", "name", "pk"), 50).get_page(request.GET.get("page"))
    return _render(request, "accountability/reserve.html", "terms", {
        "title": _("Reserve cadres"), "cadres": list(page.object_list), "page": page, "streets": list(streets),
        "street": street, "source": source, "sources": Source.choices, "form": form if writable else None,
        "by_source": [(label, by_source.get(value, 0)) for value, label in Source.choices],
        "total": page.paginator.count, "today": timezone.localdate(),
    }, status=status)


class CandidateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=50, required=False)
    source = forms.ChoiceField(label=gettext_lazy("source"), choices=Source.choices)
    post = forms.ChoiceField(label=gettext_lazy("post"), choices=Post.choices, initial=Post.MEMBER)
    cadre = forms.IntegerField(label=gettext_lazy("reserve cadre"), required=False, widget=forms.HiddenInput)


class ElectForm(forms.Form):
    elected_on = forms.DateField(label=gettext_lazy("elected on"), widget=_date_input())


@staff_page
def slate(request, pk):
    user = request.user
    obj = selectors.slate_for(user=user, pk=pk)
    if obj is None:
        raise Http404
    may_keep = keeps_unit_records(user, obj.org)
    post = request.POST if request.method == "POST" else None
    step = (post or {}).get("step", "")
    candidate_form = CandidateForm(post if step == "candidate" else None)
    elect_form = ElectForm(post if step == "elect" else None)
    status = 200
    if post is not None:
        if not may_keep:
            raise DjangoPermissionDenied(_("This organization is outside your area."))
        try:
            if step == "candidate" and candidate_form.is_valid():
                data = candidate_form.cleaned_data
                cadre = None
                if data["cadre"]:
                    cadre = selectors.reserve_cadres(user=user).filter(pk=data["cadre"]).first()
                    if cadre is None:
                        raise Http404
                services.candidate_add(actor=user, slate=obj, name=data["name"], source=data["source"],
                                       post=data["post"], cadre=cadre)
                messages.success(request, _("Candidate added."))
                return redirect(request.path)
            if step == "confirm":
                services.slate_confirm(actor=user, slate=obj)
                messages.success(request, _("The slate is confirmed for the election."))
                return redirect(request.path)
            if step == "elect" and elect_form.is_valid():
                committee = services.slate_elect(actor=user, slate=obj, elected_on=elect_form.cleaned_data["elected_on"])
                messages.success(request, _("Election recorded: the new committee's term has begun."))
                return redirect("accountability:committee", pk=committee.pk)
            if step not in ("candidate", "confirm", "elect"):
                raise Http404
        except ValidationError as exc:
            add_service_error({"candidate": candidate_form, "elect": elect_form}.get(step, candidate_form), exc)
            if step == "confirm":
                for msg in exc.messages:
                    messages.error(request, msg)
        status = 400
    candidates = list(obj.candidates.all())
    pool = []
    if may_keep and obj.status == "draft":
        street_code = obj.org.path.strip("/").split("/")[0]
        taken = {c.cadre_id for c in candidates}
        pool = [c for c in selectors.reserve_cadres(user=user).filter(street__code=street_code, status=CadreStatus.POOL)
                .order_by("source", "name")[:300] if c.pk not in taken]
    counts = {value: sum(1 for c in candidates if c.source == value) for value in Source.values}
    return _render(request, "accountability/slate.html", "terms", {
        "title": _("Election slate"), "slate": obj, "candidates": candidates, "pool": pool,
        "problems": services.slate_problems(obj, candidates), "may_keep": may_keep,
        "counts": [(label, counts[value]) for value, label in Source.choices], "thirds": obj.org.level == 2,
        "candidate_form": candidate_form, "elect_form": elect_form,
    }, status=status)


# --- 区委常委联系点 ----------------------------------------------------------------------------------------


class VisitForm(forms.Form):
    point = forms.IntegerField(widget=forms.HiddenInput)
    visited_on = forms.DateField(label=gettext_lazy("visited on"), widget=_date_input())
    summary = forms.CharField(label=gettext_lazy("summary"), max_length=5000)
    problems = forms.IntegerField(label=gettext_lazy("problems taken up"), min_value=0, max_value=100, initial=0)
    solved = forms.IntegerField(label=gettext_lazy("problems solved"), min_value=0, max_value=100, initial=0)


@staff_page
def contacts(request):
    user = request.user
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not is_district(user):
            raise DjangoPermissionDenied(_("Only district staff may do this."))
        if form.is_valid():
            data = form.cleaned_data
            point = selectors.contact_points(user=user, year=year).filter(pk=data.pop("point")).first()
            if point is None:
                raise Http404
            try:
                services.contact_visit_record(actor=user, point=point, **data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Visit recorded."))
                return redirect(request.get_full_path())
        status = 400
    points = list(selectors.contact_points(user=user, year=year))
    visits = list(selectors.contact_visits(user=user, year=year)[:50])
    return _render(request, "accountability/contacts.html", "contacts", {
        "title": _("Standing-committee contact points"), "points": points, "visits": visits, "year": year,
        "form": form if is_district(user) else None,
    }, status=status)
