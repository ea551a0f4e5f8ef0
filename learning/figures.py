"""The dashboard's learning figures (registered from LearningConfig.ready, the way dashboard.registry says):
learning coverage this quarter (members who read a lesson or practised) and knowledge-contest participation."""

import datetime
from functools import partial

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.registry import Card, figure
from members.records.models import Member

from .models import Contest, ContestAttempt, LessonRead, PracticeAnswer


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


@figure("learning", title=gettext_lazy("Online learning this quarter"), order=110, present=present_learning,
        bulk=True)
def compute_learning(ctx):
    """The scope's members, those of them who read a lesson or answered a practice question this quarter (as
    learning.selectors.coverage counts them), the lessons read and the practice answers: three grouped queries."""
    since_day = _quarter_start(timezone.localdate())
    since = timezone.make_aware(datetime.datetime.combine(since_day, datetime.time()))
    active = (Q(Exists(LessonRead.objects.filter(member=OuterRef("pk"), read_at__gte=since)))
              | Q(Exists(PracticeAnswer.objects.filter(member=OuterRef("pk"), answered_at__gte=since))))
    members = ctx.rows(Member.objects, "org__", members=Count("pk"), active=Count("pk", filter=active))
    reads = ctx.rows(LessonRead.objects.filter(read_at__gte=since), "member__org__", n=Count("pk"))
    answers = ctx.rows(PracticeAnswer.objects.filter(answered_at__gte=since), "member__org__", n=Count("pk"))
    return ctx.build(partial(_learning, since_day), members, reads, answers)


def _learning(since_day, members, reads, answers):
    members = members[0] if members else {"members": 0, "active": 0}
    return {"since": since_day.isoformat(), "members": members["members"], "active": members["active"],
            "rate": _pct(members["active"], members["members"]),
            "reads": reads[0]["n"] if reads else 0, "answers": answers[0]["n"] if answers else 0}


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


@figure("contests", title=gettext_lazy("Knowledge contests: participation"), order=120, present=present_contests,
        bulk=True)
def compute_contests(ctx):
    """Each published contest of the last year: members of this scope who submitted an attempt, out of the
    scope's members it was open to (three queries: the contests, the attempts per contest, and the members with
    one count per contest open to an organization's area)."""
    since = timezone.now() - datetime.timedelta(days=365)
    contests = list(Contest.objects.filter(published=True, closes_at__gte=since).select_related("org")
                    .order_by("-closes_at")[:12])
    done = ctx.rows(ContestAttempt.objects.filter(contest__in=contests, status=ContestAttempt.Status.SUBMITTED),
                    "org__", "contest_id", n=Count("pk"), avg=Avg("score"))
    open_to = {f"c{contest.pk}": Count("pk", filter=Q(org__path__startswith=contest.org.path))
               for contest in contests if contest.org_id is not None}
    # (With no contest there is nothing to count: an empty condition, which runs no query.)
    members = ctx.rows(Member.objects.filter(pk__in=[]) if not contests else Member.objects, "org__",
                       members=Count("pk"), **open_to)
    return ctx.build(partial(_contests, contests), done, members)


def _contests(contests, done, members):
    done = {r["contest_id"]: r for r in done}
    members = members[0] if members else {}
    rows = []
    for contest in contests:
        n_members = members.get("members" if contest.org_id is None else f"c{contest.pk}", 0)
        row = done.get(contest.pk, {"n": 0, "avg": None})
        rows.append({"title": contest.title, "closes": f"{timezone.localtime(contest.closes_at):%Y-%m-%d}",
                     "took_part": row["n"], "members": n_members, "rate": _pct(row["n"], n_members),
                     "avg": float(row["avg"]) if row["avg"] is not None else None})
    return {"contests": [r for r in rows if r["members"]]}


__all__ = ["compute_learning", "compute_contests", "Q"]
