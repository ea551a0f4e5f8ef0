"""The built-in figures of the dashboard, each computed from the records (never typed in).

Every `compute_*` runs one to three grouped queries over the scope's records; every `present_*` builds the
card in the request's language without touching the database. Tests check each figure against its own
direct query (tests/dashboard/test_figures.py).
"""

from decimal import Decimal
from functools import partial

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import (
    Coverage,
    DuesRefund,
    Instructor,
    IssueStage,
    JointMeeting,
    OrgKind,
    Pairing,
    RedHome,
    RefundStatus,
    ResidentIssue,
    ServiceStation,
    StarRating,
    StationKind,
    TwoNewOrg,
    VillageVisit,
    VisitOutcome,
    WeakOrgFlag,
)
from community.selectors import COVERED, RULE_BROKEN, rate
from grids.models import Kind, Level, OrgNode
from members.records.models import Member, MemberCategory, MemberStatus
from participation.models import Match, MatchStatus

from .registry import Card, figure

RED, RED_DARK, GOLD, ROSE, BROWN, GREY = "#b71c1c", "#8e1515", "#f2c14e", "#ef9a9a", "#6d4c41", "#9e9e9e"
ORANGE, TEAL = "#ffb74d", "#00897b"
PALETTE = [RED, GOLD, "#e57373", RED_DARK, ORANGE, BROWN, ROSE]


def _slices(items, colors):
    """Pie slices, each with its own colour: the legend's swatch then shows the slice's colour, never a blank."""
    return [{"name": label, "value": value, "itemStyle": {"color": colors[i % len(colors)]}}
            for i, (label, value) in enumerate(items)]


def n(value):
    # Grouped by thousands in every language, as the report writes its figures (1,276; 4,300).
    return f"{int(value or 0):,}"


def pct(value):
    return "—" if value is None else f"{value:.0f}%"


def _bar(labels, series, *, horizontal=False, stack=None, percent=False, legend=True):
    category = {"type": "category", "data": labels, "axisTick": {"alignWithLabel": True},
                "axisLabel": {"interval": 0, **({} if horizontal else {"width": 84, "overflow": "break"})}}
    value = {"type": "value", "minInterval": 1, "splitNumber": 4, "axisLabel": {"hideOverlap": True}}
    if percent:
        value.update({"max": 100, "interval": 25, "axisLabel": {"formatter": "{value}%", "hideOverlap": True}})
    many = len(series) > 2
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 32, "top": (64 if many else 40) if legend and len(series) > 1 else 24,
                 "bottom": 8, "containLabel": True},
        "xAxis": value if horizontal else category,
        "yAxis": category if horizontal else value,
        "series": [
            {
                "type": "bar", "name": name, "data": data, "barMaxWidth": 36,
                **({"stack": stack} if stack else {}),
                "label": {"show": not stack and not many, "position": "right" if horizontal else "top",
                          **({"formatter": "{c}%"} if percent else {})},
            }
            for name, data in series
        ],
    }
    if legend and len(series) > 1:
        option["legend"] = {"top": 0, "itemWidth": 14, "itemHeight": 10}
    if horizontal:
        option["yAxis"]["inverse"] = True
    return option


def _pie(items, *, name="", radius=("38%", "68%"), colors=PALETTE):
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0, "itemWidth": 14, "itemHeight": 10},
        "series": [{
            "type": "pie", "name": name, "radius": list(radius), "center": ["50%", "44%"],
            "avoidLabelOverlap": True, "label": {"formatter": "{b}\n{c}"},
            "data": _slices(items, colors),
        }],
    }


# --- the tree -----------------------------------------------------------------------------------


def present_tree(data, view):
    levels = data["levels"]
    labels = [str(Level(int(k)).label) for k in sorted(levels)]
    return Card(
        key="tree", title=_("Party organizations per grid level"),
        stats=[(label, n(levels[k]), "") for label, k in zip(labels, sorted(levels))],
        chart=_bar(labels, [(_("organizations"), [levels[k] for k in sorted(levels)])], legend=False),
        note=_("of which %(villages)s villages") % {"villages": n(data["villages"])},
    )


@figure("tree", title=gettext_lazy("Party organizations per grid level"), order=10, present=present_tree,
        bulk=True)
def compute_tree(ctx):
    return ctx.build(_tree, ctx.rows(OrgNode.objects, "", "level", "kind", n=Count("pk")))


def _tree(rows):
    levels = {str(level): 0 for level in Level.values}
    villages = 0
    for row in rows:
        levels[str(row["level"])] += row["n"]
        villages += row["n"] if row["kind"] == Kind.VILLAGE else 0
    return {"levels": levels, "villages": villages}


# --- members ------------------------------------------------------------------------------------


def present_members(data, view):
    by_category, by_status = {}, {}
    for category, status, count in data["rows"]:
        by_category[category] = by_category.get(category, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    category_items = [(str(MemberCategory(c).label), by_category.get(c, 0)) for c in MemberCategory.values]
    status_items = [(str(MemberStatus(s).label), by_status.get(s, 0)) for s in MemberStatus.values]
    chart = _pie(category_items, name=_("category"), radius=("48%", "70%"), colors=[RED, GOLD, "#e57373"])
    # The statuses in colours of their own (the categories' are taken), so that each legend entry is told apart.
    chart["series"].append({
        "type": "pie", "name": _("status"), "radius": ["0%", "34%"], "center": ["50%", "45%"],
        "label": {"position": "inner", "formatter": "{c}", "fontSize": 11, "color": "#fff"},
        "data": _slices(status_items, [TEAL, BROWN]),
    })
    return Card(
        key="members", title=_("Party members by category and status"),
        stats=[(_("party members"), n(data["total"]), "")] + [(label, n(v), "") for label, v in category_items]
        + [(label, n(v), "") for label, v in status_items],
        chart=chart, chart_height=320,
    )


@figure("members", title=gettext_lazy("Party members by category and status"), order=20, present=present_members,
        bulk=True)
def compute_members(ctx):
    return ctx.build(_members, ctx.rows(Member.objects, "org__", "category", "status", n=Count("pk")))


def _members(rows):
    rows = [[r["category"], r["status"], r["n"]] for r in rows]
    return {"rows": sorted(rows), "total": sum(r[2] for r in rows)}


# --- two-new coverage ---------------------------------------------------------------------------


def present_coverage(data, view):
    totals, units = data["totals"], data["units"]
    ent, soc = totals[OrgKind.ENTERPRISE], totals[OrgKind.SOCIAL]
    stats = [
        (_("Non-public enterprises covered"), pct(ent["rate"]), f"{n(ent['covered'])} / {n(ent['total'])}"),
        (_("Social organizations covered"), pct(soc["rate"]), f"{n(soc['covered'])} / {n(soc['total'])}"),
        (_("With their own party organization"), n(ent["own"] + soc["own"]), ""),
        (_("Must form their own (3+ members), not yet"), n(ent["rule_broken"] + soc["rule_broken"]), ""),
    ]
    if "refunds" in data:  # payloads computed before refunds existed have none
        count, amount = data["refunds"].get(str(view.year), [0, "0"])
        stats.append((_("Dues refunded to two-new organizations, %(year)s") % {"year": view.year},
                      f"¥{Decimal(amount):,.0f}", _("%(count)s organizations") % {"count": n(count)}))
    labels = [u["name"] for u in units]
    chart = _bar(labels, [
        (_("Non-public enterprises"), [u["enterprise_rate"] or 0 for u in units]),
        (_("Social organizations"), [u["social_rate"] or 0 for u in units]),
    ], horizontal=True, percent=True) if units else None
    table = {
        "columns": [_("organization"), _("Non-public enterprises"), _("covered"), _("Social organizations"),
                    _("covered")],
        "rows": [[u["name"], n(u["enterprises"]), pct(u["enterprise_rate"]), n(u["social"]), pct(u["social_rate"])]
                 for u in units],
    }
    return Card(
        key="coverage", title=_("Two-new organizations: party coverage"), stats=stats, chart=chart,
        chart_height=max(260, 26 * len(units) + 60), table=table, wide=True,
        note=_("Covered: an own or joint party organization, or an instructor assigned. Rates per %(unit)s.")
        % {"unit": _("street") if data["unit_label"] == "street" else _("organization one level below")},
    )


@figure("coverage", title=gettext_lazy("Two-new organizations: party coverage"), order=30,
        present=present_coverage, bulk=True)
def compute_coverage(ctx):
    """The rates of community.selectors.coverage_rates over the scope, those of coverage_by_unit per organization
    one level below its top, and the dues refunded (paid) to the organizations per year: four grouped queries."""
    totals = ctx.rows(TwoNewOrg.objects, "node__", "kind", **_COVERAGE_TOTALS)
    units = ctx.rows(OrgNode.objects.filter(ctx.below_q()), "", "path", "code", "name")
    counts = ctx.rows(TwoNewOrg.objects.annotate(unit=ctx.below("node__path")), "node__", "unit",
                      enterprises=Count("pk", filter=Q(kind=OrgKind.ENTERPRISE)),
                      enterprises_covered=Count("pk", filter=Q(kind=OrgKind.ENTERPRISE) & COVERED),
                      social=Count("pk", filter=Q(kind=OrgKind.SOCIAL)),
                      social_covered=Count("pk", filter=Q(kind=OrgKind.SOCIAL) & COVERED))
    refunds = ctx.rows(DuesRefund.objects.filter(status=RefundStatus.PAID), "org__node__", "year",
                       paid=Count("pk"), paid_amount=Coalesce(Sum("amount"), _ZERO_YUAN, output_field=_YUAN))
    unit_label = "street" if ctx.district else "organization below"
    return ctx.build(partial(_coverage, unit_label), totals, units, counts, refunds)


_YUAN = DecimalField(max_digits=14, decimal_places=2)
_ZERO_YUAN = Value(Decimal("0.00"), output_field=_YUAN)
#: community.selectors.coverage_totals' counts per kind of organization.
_COVERAGE_TOTALS = {
    "total": Count("pk"), "covered": Count("pk", filter=COVERED), "own": Count("pk", filter=Q(coverage=Coverage.OWN)),
    "joint": Count("pk", filter=Q(coverage=Coverage.JOINT)),
    "by_instructor": Count("pk", filter=Q(coverage=Coverage.INSTRUCTOR)),
    "rule_broken": Count("pk", filter=RULE_BROKEN), "party_members": Coalesce(Sum("party_members"), 0),
}


def _coverage(unit_label, totals, units, counts, refunds):
    by_kind = {row["kind"]: row for row in totals}
    empty = dict.fromkeys(_COVERAGE_TOTALS, 0)
    kinds = {}
    for kind in OrgKind.values:
        row = {k: v for k, v in by_kind.get(kind, empty).items() if k != "kind"}
        row["rate"] = rate(row["covered"], row["total"])
        kinds[kind] = row
    counts = {row["unit"]: row for row in counts}
    zero = {"enterprises": 0, "enterprises_covered": 0, "social": 0, "social_covered": 0}
    rows = []
    for unit in sorted(units, key=lambda u: u["path"]):
        row = {"code": unit["code"], "name": unit["name"],
               **{k: v for k, v in counts.get(unit["path"], zero).items() if k != "unit"}}
        row["enterprise_rate"] = rate(row["enterprises_covered"], row["enterprises"])
        row["social_rate"] = rate(row["social_covered"], row["social"])
        rows.append(row)
    # Party dues refunded (paid) to the organizations, per year: {year: [refunds, yuan as a string]}.
    refunds = sorted(refunds, key=lambda r: -r["year"])
    return {"totals": kinds, "units": rows, "unit_label": unit_label,
            "refunds": {str(r["year"]): [r["paid"], str(r["paid_amount"])] for r in refunds}}


# --- joint meetings -----------------------------------------------------------------------------


def _year_rows(rows, year):
    return [r for r in rows if r[0] == year]


def present_meetings(data, view):
    """Resource-sharing agreements are those the joint meetings signed plus the 智库's matches agreed in the
    quarter (a match agreed at a meeting is recorded as a match, not again in the meeting's count)."""
    rows = _year_rows(data["by_quarter"], view.year)
    matches = _year_rows(data.get("matches_by_quarter", []), view.year)
    totals = [sum(r[i] for r in rows) for i in range(2, 7)]
    meetings, raised, resolved, agreements, services = totals
    agreed, done = sum(r[2] for r in matches), sum(r[3] for r in matches)
    quarters = [f"Q{q}" for q in range(1, 5)]

    def per_quarter(i, source=rows):
        return [sum(r[i] for r in source if r[1] == q) for q in range(1, 5)]

    agreements_per_quarter = [a + m for a, m in zip(per_quarter(5), per_quarter(2, matches))]
    return Card(
        key="meetings", title=_("Joint meetings with resident units, %(year)s") % {"year": view.year},
        stats=[
            (_("joint meetings"), n(meetings), ""),
            (_("problems resolved"), n(resolved), _("of %(raised)s raised") % {"raised": n(raised)}),
            (_("resource-sharing agreements"), n(agreements + agreed),
             _("%(matches)s through the think tank, %(done)s done") % {"matches": n(agreed), "done": n(done)}
             if agreed else ""),
            (_("joint services"), n(services), ""),
            (_("resident units paired"), n(data["units_paired"]), _("%(pairings)s active pairings")
             % {"pairings": n(data["pairings"])}),
        ],
        chart=_bar(quarters, [
            (_("joint meetings"), per_quarter(2)), (_("problems resolved"), per_quarter(4)),
            (_("resource-sharing agreements"), agreements_per_quarter), (_("joint services"), per_quarter(6)),
        ]),
    )


@figure("meetings", title=gettext_lazy("Joint meetings with resident units"), order=40, present=present_meetings,
        bulk=True)
def compute_meetings(ctx):
    rows = ctx.rows(
        JointMeeting.objects.annotate(year=ExtractYear("held_on"), quarter=ExtractQuarter("held_on")), "node__",
        "year", "quarter",
        meetings=Count("pk"), raised=Sum("problems_raised"), resolved=Sum("problems_resolved"),
        agreements=Sum("agreements_signed"), services=Sum("joint_services"),
    )
    # The 智库's matches agreed (and of them done), by the quarter they were agreed in, cut by the need's node.
    matches = ctx.rows(
        Match.objects.filter(agreed_on__isnull=False, status__in=[MatchStatus.AGREED, MatchStatus.DONE])
        .annotate(year=ExtractYear("agreed_on"), quarter=ExtractQuarter("agreed_on")), "need__node__",
        "year", "quarter", agreed=Count("pk"), done=Count("pk", filter=Q(status=MatchStatus.DONE)),
    )
    pairings = ctx.rows(Pairing.objects.filter(ended_on__isnull=True), "node__",
                        pairings=Count("pk"), units=Count("unit", distinct=True))
    return ctx.build(_meetings, rows, matches, pairings)


def _meetings(rows, matches, pairings):
    by_quarter = sorted([r["year"], r["quarter"], r["meetings"], r["raised"], r["resolved"], r["agreements"],
                         r["services"]] for r in rows)
    matches_by_quarter = sorted([r["year"], r["quarter"], r["agreed"], r["done"]] for r in matches)
    pairings = pairings[0] if pairings else {"pairings": 0, "units": 0}
    return {"by_quarter": by_quarter, "matches_by_quarter": matches_by_quarter, "pairings": pairings["pairings"],
            "units_paired": pairings["units"],
            "years": sorted({r[0] for r in by_quarter} | {r[0] for r in matches_by_quarter})}


# --- residents' issues and village visits -------------------------------------------------------


def present_visits(data, view):
    row = next((r for r in data["by_year"] if r[0] == view.year), [view.year, 0, 0, 0, 0])
    _year, received, solved, transferred, completed = row
    resolution = rate(completed, transferred)
    return Card(
        key="visits", title=_("Village visit log, %(year)s") % {"year": view.year},
        stats=[
            (_("visits received"), n(received), ""),
            (_("solved on the spot"), n(solved), ""),
            (_("registered and transferred"), n(transferred), ""),
            (_("completed"), n(completed), ""),
            (_("resolution rate"), pct(resolution), f"{n(completed)} / {n(transferred)}"),
        ],
        chart=_bar(
            [_("visits received"), _("solved on the spot"), _("registered and transferred"), _("completed")],
            [(_("visits"), [received, solved, transferred, completed])], legend=False,
        ) if received else None,
        note="" if received else _("No village visits recorded in %(year)s.") % {"year": view.year},
    )


@figure("visits", title=gettext_lazy("Village visit log"), order=50, present=present_visits, bulk=True)
def compute_visits(ctx):
    # The counts of community.selectors.visit_counts_by_year, per unit in the nightly bulk computation.
    rows = ctx.rows(VillageVisit.objects.annotate(year=ExtractYear("visited_on")), "node__", "year",
                    received=Count("pk"), solved=Count("pk", filter=Q(outcome=VisitOutcome.SOLVED)),
                    transferred=Count("pk", filter=Q(outcome=VisitOutcome.TRANSFERRED)),
                    completed=Count("pk", filter=Q(completed_on__isnull=False)))
    return ctx.build(_visits, rows)


def _visits(rows):
    by_year = sorted([r["year"], r["received"], r["solved"], r["transferred"], r["completed"]] for r in rows)
    return {"by_year": by_year, "years": [r[0] for r in by_year]}


def present_issues(data, view):
    stages = data["stages"]
    resolved = stages.get(IssueStage.RESOLVED, 0)
    in_progress = sum(v for k, v in stages.items() if k != IssueStage.RESOLVED)
    return Card(
        key="issues", title=_("Residents' issues (one solicitation, three deliberations, two publications)"),
        stats=[
            (_("issues resolved"), n(resolved), _("since records began")),
            (_("resolved in %(year)s") % {"year": view.year}, n(data["resolved_by_year"].get(str(view.year), 0)),
             ""),
            (_("in progress"), n(in_progress), ""),
        ],
        chart=_bar([str(IssueStage(s).label) for s in IssueStage.values],
                   [(_("issues"), [stages.get(s, 0) for s in IssueStage.values])], horizontal=True, legend=False),
        chart_height=260,
    )


@figure("issues", title=gettext_lazy("Residents' issues"), order=60, present=present_issues, bulk=True)
def compute_issues(ctx):
    return ctx.build(_issues, ctx.rows(ResidentIssue.objects.annotate(year=ExtractYear("resolved_on")), "node__",
                                       "stage", "year", n=Count("pk")))


def _issues(rows):
    stages, by_year = {}, {}
    for row in rows:
        stages[row["stage"]] = stages.get(row["stage"], 0) + row["n"]
        if row["year"] is not None:
            by_year[str(row["year"])] = by_year.get(str(row["year"]), 0) + row["n"]
    return {"stages": stages, "resolved_by_year": by_year}


# --- stations, red homes, instructors -----------------------------------------------------------


def present_stations(data, view):
    kinds = data["stations"]
    buildings = kinds.get(StationKind.BUILDING, [0, 0])[0] + kinds.get(StationKind.BUSINESS_DISTRICT, [0, 0])[0]
    nonpublic = kinds.get(StationKind.NONPUBLIC, [0, 0])[0]
    enterprises = sum(v[1] for v in kinds.values())
    return Card(
        key="stations", title=_("Service stations, red homes and instructors"),
        stats=[
            (_("stations in office buildings and business districts"), n(buildings), ""),
            (_("stations in non-public organizations"), n(nonpublic), ""),
            (_("enterprises covered by the stations"), n(enterprises), ""),
            (_("red homes"), n(data["red_homes"]), ""),
            (_("party-building instructors"), n(data["instructors"]),
             _("%(full)s full-time") % {"full": n(data["full_time"])}),
        ],
        chart=_pie([(str(StationKind(k).label), kinds.get(k, [0, 0])[0]) for k in StationKind.values],
                   name=_("party service stations")),
    )


@figure("stations", title=gettext_lazy("Service stations, red homes and instructors"), order=70,
        present=present_stations, bulk=True)
def compute_stations(ctx):
    rows = ctx.rows(ServiceStation.objects, "node__", "kind", n=Count("pk"),
                    enterprises=Coalesce(Sum("enterprises_covered"), 0))
    red_homes = ctx.rows(RedHome.objects, "node__", n=Count("pk"))
    instructors = ctx.rows(Instructor.objects, "node__", total=Count("pk"),
                           full_time=Count("pk", filter=Q(full_time=True)))
    return ctx.build(_stations, rows, red_homes, instructors)


def _stations(rows, red_homes, instructors):
    instructors = instructors[0] if instructors else {"total": 0, "full_time": 0}
    return {
        "stations": {r["kind"]: [r["n"], r["enterprises"]] for r in rows},
        "red_homes": red_homes[0]["n"] if red_homes else 0,
        "instructors": instructors["total"],
        "full_time": instructors["full_time"],
    }


# --- building groups and weak organizations -----------------------------------------------------


def present_ratings(data, view):
    stars = data["stars"]
    labels = [_("not rated")] + ["★" * s for s in range(1, 6)]
    values = [stars.get("0", 0)] + [stars.get(str(s), 0) for s in range(1, 6)]
    rated = sum(values[1:])
    four_up = stars.get("4", 0) + stars.get("5", 0)
    return Card(
        key="ratings", title=_("Star-rated building groups and weak organizations"),
        stats=[
            (_("building groups rated"), n(rated), _("of %(total)s") % {"total": n(sum(values))}),
            (_("four or five stars"), n(four_up), pct(rate(four_up, rated))),
            (_("weak and lax: under rectification"), n(data["weak_open"]), ""),
            (_("weak and lax: rectified"), n(data["weak_closed"]), ""),
        ],
        chart=_bar(labels, [(_("building groups"), values)], legend=False),
    )


@figure("ratings", title=gettext_lazy("Star-rated building groups and weak organizations"), order=80,
        present=present_ratings, bulk=True)
def compute_ratings(ctx):
    # The building groups with their latest rating, as community.selectors.current_ratings reads them.
    latest = StarRating.objects.filter(node=OuterRef("pk")).order_by("-rated_on").values("stars")[:1]
    rows = ctx.rows(OrgNode.objects.filter(level=Level.BUILDING_GROUP).annotate(stars=Subquery(latest)), "",
                    "stars", n=Count("pk"))
    flags = ctx.rows(WeakOrgFlag.objects, "node__", open=Count("pk", filter=Q(closed_on__isnull=True)),
                     closed=Count("pk", filter=Q(closed_on__isnull=False)))
    return ctx.build(_ratings, rows, flags)


def _ratings(rows, flags):
    stars = {}
    for r in rows:  # (no rating and a rating of 0 stars are both "not rated")
        stars[str(r["stars"] or 0)] = stars.get(str(r["stars"] or 0), 0) + r["n"]
    flags = flags[0] if flags else {"open": 0, "closed": 0}
    return {"stars": stars, "weak_open": flags["open"], "weak_closed": flags["closed"]}



# --- dues arrears -------------------------------------------------------------------------------


def present_dues(data, view):
    rows = data.get("months", [])
    stats = [
        (_("Dues in arrears"), f"¥{Decimal(data['arrears']):,.2f}",
         _("%(count)s members") % {"count": n(data["members_in_arrears"])}),
        (_("Paid of what was due, last 12 months"), pct(data["rate"]), ""),
    ]
    chart = _bar([r[0] for r in rows], [(_("amount due"), [float(r[1]) for r in rows]),
                                        (_("amount paid"), [float(r[2]) for r in rows])]) if rows else None
    return Card(key="dues", title=_("Party dues and arrears"), stats=stats, chart=chart,
                note=_("Months recorded in the last year; arrears are what is still unpaid of them."))


@figure("dues", title=gettext_lazy("Party dues and arrears"), order=105, present=present_dues, bulk=True)
def compute_dues(ctx):
    """Due, paid and arrears per month over the last twelve months recorded (two grouped queries)."""
    from django.db.models import F
    from django.utils import timezone

    from members.dues.models import DuesPayment

    today = timezone.localdate()
    since = today.replace(day=1, year=today.year - 1)
    qs = DuesPayment.objects.filter(month__gte=since)
    months = ctx.rows(qs, "member__org__", "month", due=Sum("amount_due"), paid=Sum("amount_paid"))
    short = ctx.rows(qs.filter(amount_paid__lt=F("amount_due")), "member__org__",
                     arrears=Coalesce(Sum(F("amount_due") - F("amount_paid")), Decimal(0)),
                     members=Count("member_id", distinct=True))
    return ctx.build(_dues, months, short)


def _dues(months, short):
    short = short[0] if short else {"arrears": Decimal(0), "members": 0}
    months = sorted(months, key=lambda r: r["month"])
    rows = [[f"{r['month']:%Y-%m}", str(r["due"]), str(r["paid"])] for r in months]
    due = sum(Decimal(r[1]) for r in rows)
    paid = sum(Decimal(r[2]) for r in rows)
    return {"months": rows, "arrears": str(short["arrears"]), "members_in_arrears": short["members"],
            "rate": float(100 * paid / due) if due else None}


# --- the standing committee's contact points (accountability) ------------------------------------------------


def present_contacts(data, view):
    rows = data["by_year"].get(str(view.year), [])
    visits, problems, solved = (sum(r[i] for r in rows) for i in (1, 2, 3))
    return Card(
        key="contacts", title=_("Standing-committee contact points, %(year)s") % {"year": view.year},
        stats=[
            (_("contact points"), n(data["points"]), _("%(n)s standing-committee members") % {"n": data["members"]}),
            (_("visits"), n(visits), ""),
            (_("problems taken up"), n(problems), ""),
            (_("problems solved"), n(solved), f"{n(solved)} / {n(problems)}"),
        ],
        chart=_bar([r[0] for r in rows], [(_("visits"), [r[1] for r in rows]), (_("problems solved"),
                                                                                  [r[3] for r in rows])])
        if rows else None,
        note="" if rows else _("No visit recorded in %(year)s.") % {"year": view.year},
    )


@figure("contacts", title=gettext_lazy("Standing-committee contact points"), order=95, present=present_contacts,
        bulk=True)
def compute_contacts(ctx):
    """The figures of accountability.selectors.contact_figures, grouped as every bulk figure is: the points and
    their standing-committee members, and per year and member the visits, problems taken up and solved."""
    from accountability.models import ContactPoint, ContactVisit

    points = ctx.rows(ContactPoint.objects, "org__", points=Count("pk"), members=Count("member", distinct=True))
    visits = ctx.rows(ContactVisit.objects.annotate(y=ExtractYear("visited_on")), "point__org__", "y",
                      "point__member__name", visits=Count("pk"), problems=Sum("problems"), solved=Sum("solved"))
    return ctx.build(_contacts, points, visits)


def _contacts(points, visits):
    points = points[0] if points else {"points": 0, "members": 0}
    by_year = {}
    for r in sorted(visits, key=lambda r: (r["y"], r["point__member__name"])):
        by_year.setdefault(str(r["y"]), []).append([r["point__member__name"], r["visits"], r["problems"] or 0,
                                                    r["solved"] or 0])
    return {"points": points["points"], "members": points["members"], "by_year": by_year}
