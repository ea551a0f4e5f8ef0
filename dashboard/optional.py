"""Figures that come from other apps when they are installed: last quarter's ranking (assessment/) and room
booking occupancy (servicecenters/).

They call those apps' own scoped selectors with a stand-in user that carries the scope being computed, so the
one scope mechanism still decides what is counted. A figure whose app or selector is missing is not
registered; one whose computation fails is left out of the page (and logged) rather than taking the
dashboard down. Other apps may instead register their figures themselves (see registry.py).
"""

import datetime
import logging
from functools import partial

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .registry import Card, figure

log = logging.getLogger(__name__)


def _guarded(compute):
    def run(ctx):
        try:
            return compute(ctx)
        except Exception:  # noqa: BLE001 — another app's figure must not take the dashboard down
            log.exception("dashboard figure %s failed", compute.__name__)
            return None

    run.__name__ = compute.__name__
    return run


# --- last quarter's ranking ---------------------------------------------------------------------


def present_ranking(data, view):
    from .figures import _bar, n

    if not data.get("quarter"):
        return Card(key="ranking", title=_("Quarterly ranking"), note=_("No ranking has been taken yet."))
    rows = data["rows"]
    top = rows[:10]
    stats = [(_("quarter"), data["quarter"], "")]
    own = data.get("own")
    if own is None:  # the district: the whole ranking and who leads it
        stats += [(_("units ranked"), n(data["ranked"]), ""), (_("interviews suggested"), n(data["interviews"]), "")]
        if rows:
            stats.append((_("first place"), f"{rows[0][2]:g}", rows[0][0]))
    else:  # a secretary: their own unit's place among all ranked ones, never someone else's first place
        for name, rank, total, interview in own:
            place = (_("No. %(rank)s of %(count)s") % {"rank": rank, "count": data["ranked"]}
                     if rank is not None else _("not ranked"))
            note = _("score %(total)s") % {"total": f"{total:g}"} if rank is not None else ""
            if interview:
                note = f"{note}，{_('interview suggested')}" if note else _("interview suggested")
            stats.append((_("%(unit)s: place") % {"unit": name}, place, note))
    return Card(
        key="ranking", title=_("Quarterly ranking, %(quarter)s") % {"quarter": data["quarter"]}, stats=stats,
        chart=_bar([r[0] for r in top], [(_("weighted total"), [r[2] for r in top])], horizontal=True,
                   legend=False) if len(top) > 1 else None,
        chart_height=max(200, 26 * len(top) + 40),
        note=_("Ranked among %(level)s.") % {"level": data["level_label"]},
    )


#: At most this many places of a secretary's units on the card (the chart shows the rest).
OWN_UNITS_SHOWN = 6


def compute_ranking(ctx):
    """The newest current ranking the scope's units take part in: the streets' for the district and for a scope
    holding a street (the communities' when the streets have none yet), the communities' for the others. At most
    three queries whatever the number of units: the newest quarter of each level (the same for every scope),
    whether the scope holds a street, the rows of the scope's units in those rankings."""
    from assessment.models import RankingRow, RankingSnapshot, UnitLevel
    from grids.models import Level, OrgNode

    latest = dict(RankingSnapshot.objects.filter(superseded_at__isnull=True).order_by().values("level")
                  .annotate(quarter=Max("quarter")).values_list("level", "quarter"))
    levels = [UnitLevel.STREET] if ctx.district else [UnitLevel.STREET, UnitLevel.COMMUNITY]
    snapshots = Q(pk__in=[])
    for level in levels:
        if level in latest:
            snapshots |= Q(snapshot__level=level, snapshot__quarter=latest[level])
    rows = ctx.rows(RankingRow.objects.filter(snapshots, snapshot__superseded_at__isnull=True), "org__",
                    "pk", "snapshot__level", "unit_code", "unit_name", "rank", "total", "interview_suggested",
                    "org__path", "snapshot__ranked_count")
    streets = [] if ctx.district else ctx.rows(OrgNode.objects.filter(level=Level.STREET), "", n=Count("pk"))
    return ctx.build(partial(_ranking, latest, ctx.district), ctx.tops(), streets, rows)


def _ranking(latest, district, tops, streets, rows):
    from assessment.models import UnitLevel

    # The district sees the streets' ranking. A secretary sees their own unit's place among all the units of its
    # level (a street secretary their street's, a community secretary their community's), then the ranked units
    # of their area below it.
    if district:
        levels = [UnitLevel.STREET]
    else:
        levels = [UnitLevel.STREET, UnitLevel.COMMUNITY] if streets else [UnitLevel.COMMUNITY]
    level = next((level for level in levels if level in latest), None)
    if level is None:
        return {"quarter": None}
    # In the ranking's own order: ranked first, then the unscored, each by the unit's code.
    rows = sorted((r for r in rows if r["snapshot__level"] == level),
                  key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit_code"], r["pk"]))
    rows = [(r["unit_name"], r["rank"], r["total"], r["interview_suggested"], r["org__path"],
             r["snapshot__ranked_count"]) for r in rows]
    ranked = [r for r in rows if r[1] is not None]
    data = {
        "quarter": latest[level],
        "level_label": str(UnitLevel(level).label),
        "ranked": len(ranked),
        "interviews": sum(1 for r in rows if r[3]),
        "rows": [[name, rank, round(float(total), 2) if total is not None else 0]
                 for name, rank, total, _i, _p, _c in ranked],
    }
    if not district:
        own_paths = {top["path"] for top in tops}
        # How many units the whole district ranked, so that "No. 190 of 192" reads right in a small scope.
        data["ranked"] = rows[0][5] if rows else 0
        own = [row for row in rows if row[4] in own_paths]
        # No row of their own unit at this level (a street while only communities are ranked): their units' places.
        data["own"] = [[name, rank, round(float(total), 2) if total is not None else None, interview]
                       for name, rank, total, interview, _p, _c in (own or rows[:OWN_UNITS_SHOWN])]
    return data


# --- booking occupancy --------------------------------------------------------------------------


def present_bookings(data, view):
    if not data.get("weeks"):
        return Card(key="bookings", title=_("Service-center room occupancy"),
                    note=_("No party-mass service center in this area."))
    from .figures import PALETTE

    kinds = data["kinds"]
    labels = data["kind_labels"]
    latest = [values[-1] for values in kinds.values() if values]
    average = round(sum(latest) / len(latest), 1) if latest else 0
    return Card(
        key="bookings", title=_("Service-center room occupancy"),
        stats=[(_("centers"), str(data["centers"]), ""), (_("average occupancy last week"), f"{average:.0f}%", "")],
        chart={
            "color": PALETTE,
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0, "type": "scroll"},
            "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": data["weeks"]},
            "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "series": [{"type": "line", "name": labels.get(k, k), "data": v, "smooth": True} for k, v in kinds.items()],
        },
        note=_("Booked hours over opening hours, per room kind and week (last 8 weeks)."),
    )


def compute_bookings(ctx):
    """Booked hours over opening hours per room kind and week, over the last 8 weeks, of the service centers serving
    the scope's streets: what servicecenters.selectors.occupancy gives for those centers, in two grouped queries
    (the centers with their opening hours and bookable rooms per kind, the bookings per room kind and week)."""
    from grids.models import OrgNode
    from servicecenters.models import BookingStatus, OpeningHours, Room, ServiceCenter
    from servicecenters.services import day_bounds

    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = [this_monday - datetime.timedelta(weeks=7 - i) for i in range(8)]
    start, _ = day_bounds(weeks[0])
    _, end = day_bounds(weeks[-1] + datetime.timedelta(days=6))
    hours = (OpeningHours.objects.filter(center=OuterRef("pk")).order_by().values("center")
             .annotate(open=Sum(F("closes") - F("opens"))).values("open"))
    centers = ctx.rows(ServiceCenter.objects.annotate(open=Subquery(hours)), "street__", "pk", "open", "rooms__kind",
                       rooms=Count("rooms", filter=Q(rooms__bookable=True)))
    # The bookings read from the streets the centers serve, through the centers and rooms: a scope's condition on
    # its nodes' paths leads the planner from its street to its few centers' bookings (by room and start), where
    # the condition on a booking's center's street (its subtree's node ids) let it read the whole district's weeks.
    booking = "service_centers__rooms__bookings__"
    booked = ctx.rows(
        OrgNode.objects.filter(**{f"{booking}start__gte": start, f"{booking}start__lt": end, f"{booking}status__in": [
            BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED,
        ]}).annotate(week=TruncWeek(f"{booking}start", tzinfo=timezone.get_current_timezone())),
        "", "service_centers__rooms__kind", "week", booked=Sum(F(f"{booking}end") - F(f"{booking}start")),
    )
    labels = {str(k): str(v) for k, v in (Room._meta.get_field("kind").choices or [])}
    return ctx.build(partial(_bookings, weeks, labels), centers, booked)


def _hours(value):
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 3600
    return (value or 0) / 3.6e9  # (a database without intervals gives microseconds)


def _bookings(weeks, labels, centers, booked):
    if not centers:
        return {"weeks": []}
    capacity = {}  # the opening hours of each bookable room's center, per room kind
    for row in centers:
        if row["rooms"]:
            capacity[row["rooms__kind"]] = capacity.get(row["rooms__kind"], 0) + row["rooms"] * _hours(row["open"])
    hours = {}
    for row in booked:
        week = row["week"].date() if isinstance(row["week"], datetime.datetime) else row["week"]
        hours[(row["service_centers__rooms__kind"], week)] = _hours(row["booked"])
    kinds = {}
    for kind, open_hours in sorted(capacity.items()):
        kinds[str(kind)] = [round(100 * hours.get((kind, w), 0) / open_hours, 1) if open_hours else 0 for w in weeks]
    return {
        "centers": len({row["pk"] for row in centers}),
        "weeks": [w.strftime("%m-%d") for w in weeks],
        "kinds": kinds,
        "kind_labels": labels,
    }


def register_available():
    """Register the figures whose apps expose the selectors they need."""
    try:
        from assessment.selectors import ranking_rows, snapshot_quarters  # noqa: F401
    except ImportError:
        pass
    else:
        figure("ranking", title=gettext_lazy("Quarterly ranking"), order=90, present=present_ranking, bulk=True)(
            _guarded(compute_ranking))
    try:
        from servicecenters.selectors import occupancy  # noqa: F401
    except ImportError:
        pass
    else:
        figure("bookings", title=gettext_lazy("Service-center room occupancy"), order=100,
               present=present_bookings, bulk=True)(_guarded(compute_bookings))
