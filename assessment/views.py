"""Staff pages of the assessment cycle: rankings with their trend and breakdowns, a unit's history, score
entry and publishing, the inspection board, findings, interviews and the year-end evaluation.

Every read goes through assessment.selectors (cut to the user's scope); every write through
assessment.services. A foreign object answers 404; a role with no business here 403.
"""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_page as accounts_staff_page
from accounts.scopes import is_district, is_inspector, reads_district
from core.dates import BoundedDateField
from core.errors import ValidationError
from core.forms import add_service_error
from core.periods import (
    last_complete_quarter,
    month_key,
    month_of,
    next_quarter,
    parse_month,
    parse_quarter,
    previous_quarter,
    quarter_of,
    quarter_end,
    quarter_start,
    quarters_back,
    year_quarters,
)
from grids.models import OrgNode

from . import selectors, services
from .evaluation import year_evaluation
from .models import FindingStatus, InterviewReason, Quarter, QuarterLog, QuarterStatus, UnitLevel

TREND_QUARTERS = 6
TREND_SERIES = 8
TWO = Decimal("0.01")


def _date_input():
    """A date picker: it takes ISO dates only (the Chinese format 2026/11/30 would leave it empty)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def staff_page(view):
    """Signed-in staff only: anonymous users go to the admin sign-in, other roles get 403."""
    return accounts_staff_page(view, denied=gettext_lazy("Your role gives no access to the assessment pages."))


def _nav(request, active):
    user = request.user
    return {
        "nav_active": active,
        "can_score": bool(selectors.assessable_levels(user=user)),
        "is_district": is_district(user),
    }


def _render(request, template, active, context, status=200):
    return render(request, template, {**_nav(request, active), **context}, status=status)


def _q2(value):
    return None if value is None else Decimal(value).quantize(TWO)


# --- rankings -------------------------------------------------------------------------------------


@staff_page
def ranking(request):
    user = request.user
    levels = selectors.ranking_levels(user=user)
    if not levels:
        raise DjangoPermissionDenied(_("Your role sees no ranking."))
    # District-wide readers start with the streets, a secretary with the level below them.
    level = request.GET.get("level") or (levels[0] if reads_district(user) else levels[-1])
    if level not in levels:
        raise Http404
    quarters = selectors.snapshot_quarters(level=level)
    quarter = request.GET.get("quarter") or (quarters[0] if quarters else last_complete_quarter(timezone.localdate()))
    try:
        parse_quarter(quarter)
    except ValueError:
        raise Http404 from None
    rows = list(selectors.ranking_rows(user=user, quarter=quarter, level=level))
    ranked = [r for r in rows if r.rank is not None]
    unscored = [r for r in rows if r.rank is None]

    available = set(quarters)
    window = [q for q in quarters_back(quarter, TREND_QUARTERS) if q in available] or [quarter]
    series_rows = ranked[:TREND_SERIES]
    field = "department_id" if level == UnitLevel.DEPARTMENT else "org_id"
    ids = [getattr(r, field) for r in series_rows]
    points = {}
    for p in selectors.trend(user=user, level=level, quarters=window, unit_ids=ids):
        points.setdefault(p[field], {})[p["snapshot__quarter"]] = float(_q2(p["total"]))
    averages = selectors.level_averages(level=level, quarters=window)
    chart = {
        "quarters": window,
        "average_label": _("District average"),
        "average": [None if averages.get(q) is None else float(_q2(averages[q])) for q in window],
        "series": [
            {"name": r.unit_name, "data": [points.get(getattr(r, field), {}).get(q) for q in window]}
            for r in series_rows
        ],
    }
    snapshot = rows[0].snapshot if rows else None
    return _render(request, "assessment/ranking.html", "ranking", {
        "title": _("Quarterly ranking"),
        "levels": [(lv, UnitLevel(lv).label) for lv in levels],
        "level": level, "level_label": UnitLevel(level).label,
        "quarter": quarter, "quarters": quarters, "snapshot": snapshot,
        "ranked": ranked, "unscored": unscored, "chart": chart,
        "series_count": len(series_rows),
    })


@staff_page
def ranking_export(request):
    """The quarterly ranking of one level as an Excel workbook (the rows the user sees, with each indicator)."""
    from core.downloads import xlsx_download

    from .exports import workbook_bytes

    user = request.user
    levels = selectors.ranking_levels(user=user)
    if not levels:
        raise DjangoPermissionDenied(_("Your role sees no ranking."))
    level = request.GET.get("level") or levels[0]
    quarter = request.GET.get("quarter", "")
    if level not in levels:
        raise Http404
    try:
        parse_quarter(quarter)
    except ValueError:
        raise Http404 from None
    rows = list(selectors.ranking_rows(user=user, quarter=quarter, level=level))
    names = [item["name"] for item in (rows[0].breakdown if rows else [])]
    header = [_("Rank"), _("Code"), _("Unit"), _("Street"), _("Weighted total"), _("Rank last quarter"), *names]
    body = [
        [r.rank, r.unit_code, r.unit_name, r.parent_name, None if r.total is None else float(_q2(r.total)),
         r.previous_rank, *[None if b["score"] is None else float(b["score"]) for b in r.breakdown]]
        for r in rows
    ]
    title = f"{quarter} {UnitLevel(level).label}"
    return xlsx_download(workbook_bytes([(title, header, body)]), f"ranking-{quarter}-{level}.xlsx")


@staff_page
def ranking_row(request, pk):
    row = selectors.ranking_row(user=request.user, pk=pk)
    if row is None:
        raise Http404
    before = selectors.previous_row(row=row)
    previous_by_name = {b["name"]: b for b in (before.breakdown if before else [])}
    lines = []
    for item in row.breakdown:
        prev = previous_by_name.get(item["name"])
        score = None if item["score"] is None else Decimal(item["score"])
        prev_score = None if not prev or prev["score"] is None else Decimal(prev["score"])
        lines.append({
            "name": item["name"], "max": Decimal(item["max"]), "weight": Decimal(item["weight"]),
            "score": score, "weighted": _q2(item["weighted"]), "previous": prev_score,
            "change": None if score is None or prev_score is None else score - prev_score,
        })
    plan = row.snapshot.plan
    share = plan.party_building_share if plan else None
    contribution = _q2(row.total * share / 100) if share is not None and row.total is not None else None
    unit_kind, unit_pk = ("department", row.department_id) if row.department_id else ("org", row.org_id)
    return _render(request, "assessment/ranking_row.html", "ranking", {
        "title": _("Score breakdown"), "row": row, "lines": lines, "total": _q2(row.total),
        "previous_total": _q2(row.previous_total), "change": _q2(row.change), "share": share,
        "contribution": contribution, "before": before,
        "history_url": reverse("assessment:unit", args=[unit_kind, unit_pk]),
        "back_url": reverse("assessment:ranking") + f"?quarter={row.snapshot.quarter}&level={row.snapshot.level}",
    })


@staff_page
def unit(request, kind, pk):
    unit = selectors.unit_for(user=request.user, kind=kind, pk=pk)
    if unit is None:
        raise Http404
    history = list(selectors.unit_history(user=request.user, unit=unit))
    chart = {
        "quarters": [r.snapshot.quarter for r in history],
        "totals": [None if r.total is None else float(_q2(r.total)) for r in history],
        "ranks": [r.rank for r in history],
        "total_label": _("Weighted total"), "rank_label": _("Rank"),
    }
    return _render(request, "assessment/unit.html", "ranking", {
        "title": _("Score history"), "unit": unit, "history": history[::-1], "chart": chart,
        "is_department": kind == "department",
    })


# --- score entry ------------------------------------------------------------------------------------


def _quarter_or_404(quarter):
    try:
        parse_quarter(quarter)
    except ValueError:
        raise Http404 from None
    return quarter


@staff_page
def scores(request, quarter=None):
    user = request.user
    levels = selectors.assessable_levels(user=user)
    if not levels:
        raise DjangoPermissionDenied(_("You do not assess any unit."))
    if quarter is None:
        return redirect("assessment:scores", quarter=quarter_of(timezone.localdate()))
    quarter = _quarter_or_404(quarter)
    level = request.GET.get("level") or levels[0]
    if level not in levels:
        raise Http404
    year = parse_quarter(quarter)[0]
    plan = selectors.plan_for(year=year, level=level)
    units = list(selectors.assessable_units(user=user, level=level).order_by("code"))
    counts = selectors.score_counts(user=user, quarter=quarter, level=level)
    state = Quarter.objects.filter(key=quarter).first()
    indicator_count = len(plan.indicators.all()) if plan else 0
    kind = "department" if level == UnitLevel.DEPARTMENT else "org"
    rows = [{"unit": u, "scored": counts.get(u.pk, 0), "kind": kind} for u in units]
    district = is_district(user)
    publishable = (district and (state is None or state.status != QuarterStatus.PUBLISHED)
                   and quarter_end(quarter) < timezone.localdate())
    return _render(request, "assessment/scores.html", "scores", {
        "title": _("Score entry"), "quarter": quarter, "level": level,
        "levels": [(lv, UnitLevel(lv).label) for lv in levels], "plan": plan, "rows": rows,
        "indicator_count": indicator_count, "status": state.status if state else QuarterStatus.OPEN,
        "status_label": (state.get_status_display() if state else QuarterStatus.OPEN.label),
        "previous": previous_quarter(quarter), "next": _next_quarter_if_started(quarter),
        "done": sum(1 for r in rows if indicator_count and r["scored"] >= indicator_count),
        "publishable": publishable,
        # What publishing needs (a constant number of queries): the units left unscored, and the quarter's log.
        "unscored": services.quarter_unscored(quarter=quarter) if publishable else [],
        "quarter_log": list(QuarterLog.objects.filter(quarter=quarter).select_related("by")[:20]) if district
        else [],
    })


def _next_quarter_if_started(quarter):
    nxt = next_quarter(quarter)
    return nxt if quarter_start(nxt) <= timezone.localdate() else None


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=gettext_lazy("score"), required=False, max_digits=6, decimal_places=2,
                               min_value=0, widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    evidence = forms.CharField(label=gettext_lazy("evidence"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


@staff_page
def score_unit(request, quarter, kind, pk):
    user = request.user
    quarter = _quarter_or_404(quarter)
    level_choices = selectors.assessable_levels(user=user)
    unit = None
    for level in level_choices:
        if (kind == "department") != (level == UnitLevel.DEPARTMENT):
            continue
        unit = selectors.assessable_units(user=user, level=level).filter(pk=pk).first()
        if unit is not None:
            break
    if unit is None:
        # Visible but not scored by this user: 403; not visible at all: 404.
        if selectors.unit_for(user=user, kind=kind, pk=pk) is not None:
            raise DjangoPermissionDenied(_("You do not assess this unit."))
        raise Http404
    level = services.unit_level(unit)
    plan = selectors.plan_for(year=parse_quarter(quarter)[0], level=level)
    indicators = list(plan.indicators.all()) if plan else []
    state = Quarter.objects.filter(key=quarter).first()
    locked = state is not None and state.status != QuarterStatus.OPEN
    status = 200
    if request.method == "POST":
        forms_ = [ScoreForm(request.POST, prefix=f"i{ind.pk}") for ind in indicators]
        valid = [form.is_valid() for form in forms_]
        sheet = {ind: (form.cleaned_data["score"], form.cleaned_data["evidence"])
                 for ind, form, ok in zip(indicators, forms_, valid) if ok}
        try:
            if all(valid):
                saved = services.unit_quarter_scores_enter(actor=user, unit=unit, quarter=quarter, scores=sheet)
            else:  # the other lines still say what is wrong with them
                services.unit_quarter_scores_check(actor=user, unit=unit, quarter=quarter, scores=sheet)
        except services.ScoreSheetError as exc:
            for ind, form in zip(indicators, forms_):
                if ind.pk in exc.by_indicator:
                    add_service_error(form, exc.by_indicator[ind.pk], fields=("score", "evidence"))
        else:
            if all(valid):
                messages.success(request, _("%(count)s scores saved.") % {"count": len(saved)})
                return redirect(request.path)
        status = 400
    else:
        existing = selectors.unit_scores(user=user, quarter=quarter, unit=unit)
        forms_ = [
            ScoreForm(prefix=f"i{ind.pk}", initial={
                "score": existing[ind.pk].score if ind.pk in existing else None,
                "evidence": existing[ind.pk].evidence if ind.pk in existing else "",
            })
            for ind in indicators
        ]
    for ind, form in zip(indicators, forms_):
        form.fields["score"].widget.attrs["max"] = str(ind.max_score)
    return _render(request, "assessment/score_unit.html", "scores", {
        "title": _("Score entry"), "quarter": quarter, "unit": unit, "level": level, "plan": plan,
        "lines": list(zip(indicators, forms_)), "locked": locked,
        "status_label": state.get_status_display() if state else QuarterStatus.OPEN.label,
        "back_url": reverse("assessment:scores", args=[quarter]) + f"?level={level}",
    }, status=status)


@staff_page
def quarter_action(request, quarter, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    quarter = _quarter_or_404(quarter)
    if not is_district(request.user):
        raise DjangoPermissionDenied(_("Only district staff may do this."))
    try:
        state = Quarter.objects.filter(key=quarter).first()
        if action == "publish":
            services.quarter_publish(actor=request.user, quarter=quarter,
                                     exception_reason=request.POST.get("exception_reason", ""))
            messages.success(request, _("Quarter %(quarter)s is published: the ranking is being computed.")
                             % {"quarter": quarter})
        elif action == "reopen" and state is not None and state.status == QuarterStatus.PUBLISHED:
            services.quarter_reopen(actor=request.user, quarter=quarter, reason=request.POST.get("reason", ""))
            messages.success(request, _("Quarter %(quarter)s is reopened for scoring; its ranking is kept as "
                                        "superseded and taken again when it is published.") % {"quarter": quarter})
        elif action in ("close", "reopen"):
            status = QuarterStatus.CLOSED if action == "close" else QuarterStatus.OPEN
            services.quarter_set_status(actor=request.user, quarter=quarter, status=status)
            messages.success(request, _("Quarter %(quarter)s: %(status)s.") % {
                "quarter": quarter, "status": QuarterStatus(status).label})
        else:
            raise Http404
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    level = request.POST.get("level", "")
    return redirect(reverse("assessment:scores", args=[quarter]) + (f"?level={level}" if level else ""))


# --- inspections ----------------------------------------------------------------------------------


@staff_page
def inspections(request):
    user = request.user
    today = timezone.localdate()
    month = request.GET.get("month") or month_of(today)
    try:
        parse_month(month)
    except ValueError:
        raise Http404 from None
    overdue_only = request.GET.get("overdue") == "1"
    plans = list(selectors.inspection_plans(user=user, month=month).order_by("org__path"))
    visits = list(selectors.inspections(user=user).filter(month=month).order_by("-visited_on", "pk"))
    open_findings = selectors.findings(user=user).exclude(status=FindingStatus.CLOSED).order_by("deadline", "pk")
    if overdue_only:
        open_findings = open_findings.filter(deadline__lt=today, status=FindingStatus.OPEN)
    open_findings = list(open_findings[:200])
    for f in open_findings:
        f.overdue = f.is_overdue(today)
    notice_list = list(selectors.notices(user=user)[:20])
    year, m = parse_month(month)
    prev_month = month_key(year - (m == 1), (m - 2) % 12 + 1)
    next_month = month_key(year + (m == 12), m % 12 + 1)
    return _render(request, "assessment/inspections.html", "inspections", {
        "title": _("Inspection board"), "month": month, "plans": plans, "visits": visits,
        "findings": open_findings, "notices": notice_list, "overdue_only": overdue_only,
        "sees_plan": reads_district(user), "prev_month": prev_month, "next_month": next_month,
        "may_inspect": is_inspector(user),
        "overdue_count": sum(1 for f in open_findings if f.overdue),
        "done_count": sum(1 for p in plans if hasattr(p, "inspection")),
    })


class FollowUpForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("note"), widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=gettext_lazy("status after"), choices=FindingStatus.choices)


@staff_page
def finding(request, pk):
    user = request.user
    obj = selectors.finding_for(user=user, pk=pk)
    if obj is None:
        raise Http404
    form = FollowUpForm(request.POST or None, initial={"status": FindingStatus.RECTIFIED})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.finding_follow_up(actor=user, finding=obj, note=form.cleaned_data["note"],
                                           status=form.cleaned_data["status"])
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Follow-up recorded."))
                return redirect(request.path)
        status = 400
    today = timezone.localdate()
    return _render(request, "assessment/finding.html", "inspections", {
        "title": _("Finding"), "finding": obj, "form": form, "overdue": obj.is_overdue(today),
        "followups": list(obj.followups.all()),
    }, status=status)


# --- interviews and the year ----------------------------------------------------------------------


@staff_page
def interviews(request):
    qs = selectors.interviews(user=request.user)
    quarter = request.GET.get("quarter", "")
    if quarter:
        qs = qs.filter(quarter=quarter)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    from django.core.paginator import Paginator

    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return _render(request, "assessment/interviews.html", "interviews", {
        "title": _("Interviews"), "interviews": list(page.object_list), "page": page, "quarter": quarter,
        "status": status, "reasons": InterviewReason.choices,
        "quarters": selectors.snapshot_quarters(),
    })


class InterviewForm(forms.Form):
    interviewee = forms.CharField(label=gettext_lazy("interviewee"), max_length=50)
    reason = forms.ChoiceField(label=gettext_lazy("reason"), choices=InterviewReason.choices)
    held_on = BoundedDateField(label=gettext_lazy("held on"), widget=_date_input())
    outcome = forms.CharField(label=gettext_lazy("outcome"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label=gettext_lazy("minutes"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    follow_up_on = BoundedDateField(label=gettext_lazy("follow up on"), required=False,
                                   widget=_date_input())


class ActionForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("action"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    owner_name = forms.CharField(label=gettext_lazy("owner"), max_length=50)
    deadline = forms.DateField(label=gettext_lazy("deadline"), widget=_date_input())


class ActionDoneForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("what was done"), max_length=2000)


class CloseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("closing note"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("why it is not needed"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


@staff_page
def interview(request, pk):
    """An interview followed through: record it (minutes, outcome), agree actions with owners and deadlines, report
    them done, close it beside the next quarter's rank, or dismiss a proposal with a reason."""
    user = request.user
    obj = selectors.interview_for(user=user, pk=pk)
    if obj is None:
        raise Http404
    unit = obj.org or obj.department
    may_record = services.can_interview(user, unit)
    may_report = services.may_report_action(user, obj)
    post = request.POST if request.method == "POST" else None
    step = (post or {}).get("step", "record")
    form = InterviewForm(post if step == "record" else None, initial={
        "interviewee": obj.interviewee, "reason": obj.reason, "held_on": obj.held_on or timezone.localdate(),
        "outcome": obj.outcome, "minutes": obj.minutes, "follow_up_on": obj.follow_up_on,
    })
    forms_ = {
        "action": ActionForm(post if step == "action" else None),
        "done": ActionDoneForm(post if step == "done" else None),
        "close": CloseForm(post if step == "close" else None),
        "dismiss": DismissForm(post if step == "dismiss" else None),
    }
    status = 200
    if post is not None:
        if step not in ("record", *forms_):
            raise Http404
        if not (may_report if step == "done" else may_record):
            raise DjangoPermissionDenied(_("You do not interview this unit's secretary."))
        bound = form if step == "record" else forms_[step]
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if step == "record":
                    services.interview_record(actor=user, unit=unit, interview=obj, **data)
                    done = _("Interview recorded.")
                elif step == "action":
                    services.interview_action_add(actor=user, interview=obj, **data)
                    done = _("Action recorded.")
                elif step == "done":
                    action = obj.actions.filter(pk=data["action"]).first()
                    if action is None:
                        raise Http404
                    services.interview_action_done(actor=user, action=action, note=data["note"])
                    done = _("Action reported done.")
                elif step == "close":
                    services.interview_close(actor=user, interview=obj, note=data["note"])
                    done = _("Interview closed.")
                else:
                    services.interview_dismiss(actor=user, interview=obj, reason=data["reason"])
                    done = _("Proposal dismissed.")
            except (ValidationError, DjangoPermissionDenied) as exc:
                add_service_error(bound, exc, renames={"reason": "reason"})
            else:
                messages.success(request, done)
                return redirect(request.path)
        status = 400
    actions = list(obj.actions.all())
    today = timezone.localdate()
    for a in actions:
        a.overdue = a.done_on is None and a.deadline < today
    return _render(request, "assessment/interview.html", "interviews", {
        "title": _("Interview"), "interview": obj, "unit": unit, "form": form, "may_record": may_record,
        "may_report": may_report, "actions": actions, "open_actions": sum(1 for a in actions if a.done_on is None),
        "action_form": forms_["action"], "done_form": forms_["done"], "close_form": forms_["close"],
        "dismiss_form": forms_["dismiss"], "answers_for": selectors.interview_quarter(obj),
        "next_row": selectors.next_quarter_row(user=user, interview=obj), "step": step,
    }, status=status)


@staff_page
def year(request, year=None):
    user = request.user
    levels = selectors.ranking_levels(user=user)
    if not levels:
        raise DjangoPermissionDenied(_("Your role sees no ranking."))
    if year is None:
        return redirect("assessment:year", year=parse_quarter(last_complete_quarter(timezone.localdate()))[0])
    if not 2000 <= year <= 2100:
        raise Http404
    level = request.GET.get("level") or levels[0]
    if level not in levels:
        raise Http404
    rows = year_evaluation(user=user, year=year, level=level)
    return _render(request, "assessment/year.html", "year", {
        "title": _("Year-end evaluation"), "year": year, "level": level,
        "levels": [(lv, UnitLevel(lv).label) for lv in levels], "rows": rows,
        "quarters": year_quarters(year),
        "prev_year": year - 1, "next_year": year + 1 if year < datetime.date.today().year else None,
    })


class InspectionForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("unit inspected"), queryset=OrgNode.objects.none())
    visited_on = BoundedDateField(label=gettext_lazy("visited on"), widget=_date_input())
    summary = forms.CharField(label=gettext_lazy("what the inspection saw"), widget=forms.Textarea(attrs={"rows": 4}))
    finding = forms.CharField(label=gettext_lazy("finding to rectify (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    deadline = BoundedDateField(label=gettext_lazy("rectification deadline"), required=False, widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = OrgNode.objects.filter(level__in=(1, 2)).order_by("path")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("finding", "").strip() and not cleaned.get("deadline"):
            self.add_error("deadline", _("A finding needs a rectification deadline."))
        return cleaned


@staff_page
def inspection_new(request):
    """An inspector records a visit (and a first finding) of this month; the plan entry is matched if any."""
    user = request.user
    if not is_inspector(user):
        raise DjangoPermissionDenied(_("Only inspectors record inspections."))
    form = InspectionForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_visit_record(
                actor=user, org=data["org"], visited_on=data["visited_on"], summary=data["summary"],
                finding=data["finding"], deadline=data["deadline"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect(f"{reverse('assessment:inspections')}?month={inspection.month}")
    return _render(request, "assessment/inspection_new.html", "inspections", {
        "title": _("Record an inspection"), "form": form,
    }, status=400 if form.errors else 200)
