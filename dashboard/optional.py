"""Figures that come from other apps when they are installed: last quarter's ranking (assessment/) and room
booking occupancy (servicecenters/).

They call those apps' own scoped selectors with a stand-in user that carries the scope being computed, so the
one scope mechanism still decides what is counted. A figure whose app or selector is missing is not
registered; one whose computation fails is left out of the page (and logged) rather than taking the
dashboard down. Other apps may instead register their figures themselves (see registry.py).
"""

import datetime
import logging

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
    from assessment.models import UnitLevel
    from assessment.selectors import ranking_rows, snapshot_quarters
    from grids.models import Level, OrgNode

    # The district sees the streets' ranking. A secretary sees their own unit's place among all the units of its
    # level (a street secretary their street's, a community secretary their community's), then the ranked units
    # of their area below it.
    own_paths = None
    if ctx.district:
        levels = [UnitLevel.STREET]
    else:
        own_paths = list(ctx.scope.read_paths)
        node_levels = set(OrgNode.objects.filter(path__in=own_paths).values_list("level", flat=True))
        levels = [UnitLevel.STREET, UnitLevel.COMMUNITY] if Level.STREET in node_levels else [UnitLevel.COMMUNITY]
    for level in levels:
        quarters = snapshot_quarters(level=level)
        if quarters:
            break
    else:
        return {"quarter": None}
    quarter = quarters[0]
    rows = list(ranking_rows(user=ctx.as_user(), quarter=quarter, level=level).values_list(
        "unit_name", "rank", "total", "interview_suggested", "org__path", "snapshot__ranked_count",
    ))
    ranked = [r for r in rows if r[1] is not None]
    data = {
        "quarter": quarter,
        "level_label": str(UnitLevel(level).label),
        "ranked": len(ranked),
        "interviews": sum(1 for r in rows if r[3]),
        "rows": [[name, rank, round(float(total), 2) if total is not None else 0]
                 for name, rank, total, _i, _p, _c in ranked],
    }
    if own_paths is not None:
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
    from servicecenters.models import Room, ServiceCenter
    from servicecenters.selectors import occupancy

    centers = list(ServiceCenter.objects.filter(ctx.q("street__")).values_list("pk", flat=True))
    if not centers:
        return {"weeks": []}
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    result = occupancy(user=ctx.as_user(), center_ids=centers, first_week=this_monday - datetime.timedelta(weeks=7))
    kind_field = Room._meta.get_field("kind")
    labels = {str(k): str(v) for k, v in (kind_field.choices or [])}
    return {
        "centers": len(centers),
        "weeks": [w.strftime("%m-%d") for w in result["weeks"]],
        "kinds": {str(k): v for k, v in result["kinds"].items()},
        "kind_labels": labels,
    }


def register_available():
    """Register the figures whose apps expose the selectors they need."""
    try:
        from assessment.selectors import ranking_rows, snapshot_quarters  # noqa: F401
    except ImportError:
        pass
    else:
        figure("ranking", title=gettext_lazy("Quarterly ranking"), order=90, present=present_ranking)(
            _guarded(compute_ranking))
    try:
        from servicecenters.selectors import occupancy  # noqa: F401
    except ImportError:
        pass
    else:
        figure("bookings", title=gettext_lazy("Service-center room occupancy"), order=100,
               present=present_bookings)(_guarded(compute_bookings))
