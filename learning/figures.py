"""The dashboard's learning figures (registered from LearningConfig.ready, the way dashboard.registry says):
learning coverage this quarter (members who read a lesson or practised) and knowledge-contest participation."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.registry import Card, figure
from members.records.models import Member

from .models import Contest, ContestAttempt
from .selectors import coverage


def _quarter_start(day):
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


def present_learning(data, view):
    rate = data.get("rate")
    return Card(
        key="learning", title=_("Online learning this quarter"),
        stats=[
            (_("Members who read or practised"), "—" if rate is None else f"{rate:.0f}%",
             f"{data['active']:,} / {data['members']:,}"),
            (_("Lessons read"), f"{data['reads']:,}", ""),
            (_("Practice answers"), f"{data['answers']:,}", ""),
        ],
        note=_("Since %(day)s: members who read a lesson or answered a practice question.") % {"day": data["since"]},
    )


@figure("learning", title=gettext_lazy("Online learning this quarter"), order=110, present=present_learning)
def compute_learning(ctx):
    from .models import LessonRead, PracticeAnswer

    since_day = _quarter_start(timezone.localdate())
    since = timezone.make_aware(datetime.datetime.combine(since_day, datetime.time()))
    members, active = coverage(member_q=ctx.q("org__"), since=since)
    reads = LessonRead.objects.filter(ctx.q("member__org__"), read_at__gte=since).count()
    answers = PracticeAnswer.objects.filter(ctx.q("member__org__"), answered_at__gte=since).count()
    return {"since": since_day.isoformat(), "members": members, "active": active, "rate": _pct(active, members),
            "reads": reads, "answers": answers}


def present_contests(data, view):
    rows = data.get("contests", [])
    return Card(
        key="contests", title=_("Knowledge contests: participation"),
        stats=[(_("Contests in the last year"), f"{len(rows):,}", "")],
        table={"columns": [_("contest"), _("closes"), _("took part"), _("members"), _("participation"),
                           _("average score")],
               "rows": [[r["title"], r["closes"], f"{r['took_part']:,}", f"{r['members']:,}",
                         "—" if r["rate"] is None else f"{r['rate']:.0f}%",
                         "—" if r["avg"] is None else f"{r['avg']:.1f}"] for r in rows]},
        wide=True,
    )


@figure("contests", title=gettext_lazy("Knowledge contests: participation"), order=120, present=present_contests)
def compute_contests(ctx):
    """Each published contest of the last year: members of this scope who submitted an attempt, out of the
    scope's members it was open to (two grouped queries and one count per contest)."""
    since = timezone.now() - datetime.timedelta(days=365)
    contests = list(Contest.objects.filter(published=True, closes_at__gte=since).select_related("org")
                    .order_by("-closes_at")[:12])
    from django.db.models import Avg

    done = {r["contest_id"]: r for r in ContestAttempt.objects.filter(
        ctx.q("org__"), contest__in=contests, status=ContestAttempt.Status.SUBMITTED).order_by().values(
        "contest_id").annotate(n=Count("pk"), avg=Avg("score"))}
    scope_members = Member.objects.filter(ctx.q("org__"))
    rows = []
    for contest in contests:
        eligible = scope_members if contest.org_id is None else scope_members.filter(
            org__path__startswith=contest.org.path)
        n_members = eligible.count()
        row = done.get(contest.pk, {"n": 0, "avg": None})
        rows.append({"title": contest.title, "closes": f"{timezone.localtime(contest.closes_at):%Y-%m-%d}",
                     "took_part": row["n"], "members": n_members, "rate": _pct(row["n"], n_members),
                     "avg": float(row["avg"]) if row["avg"] is not None else None})
    return {"contests": [r for r in rows if r["members"]]}


__all__ = ["compute_learning", "compute_contests", "Q"]
