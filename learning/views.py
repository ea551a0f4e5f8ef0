"""The member's learning pages on the phone under /m/learn/: lessons, practice by topic with explanations, and
knowledge contests with their server-kept clock and rankings. Each page follows the account's linked member
record; another member's attempt or a contest outside the member's area is a 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ValidationError
from core.mobile import mobile_login_required, mobile_page

from . import selectors, services
from .models import ContestAttempt, Question, Topic

LEVEL_LABELS = {"branch": gettext_lazy("my branch"), "community": gettext_lazy("my community"),
                "street": gettext_lazy("my street"), "district": gettext_lazy("the district")}


def _member_or_link(request):
    member = selectors.linked_member(user=request.user)
    if member is None:
        return None, redirect("party:home")  # the link form
    return member, None


@mobile_login_required
def home(request):
    member, go = _member_or_link(request)
    if go:
        return go
    lessons = list(selectors.my_lessons(member=member)[:20])
    return mobile_page(request, "learning/home.html", {
        "member": member, "lessons": lessons, "topics": list(selectors.topics_with_counts()),
        "contests": selectors.my_contests(member=member), "stats": selectors.practice_stats(member=member),
    })


@mobile_login_required
def lesson(request, pk):
    member, go = _member_or_link(request)
    if go:
        return go
    item = selectors.my_lesson(member=member, pk=pk)
    if item is None:
        raise Http404
    services.lesson_read_record(actor=request.user, lesson=item)
    return mobile_page(request, "learning/lesson.html", {"lesson": item})


@mobile_login_required
def practice(request, topic_pk):
    """One question of the topic; after an answer, whether it was right, the right answer and the explanation."""
    member, go = _member_or_link(request)
    if go:
        return go
    topic = get_object_or_404(Topic, pk=topic_pk)
    answer, errors, status, question = None, [], 200, None
    if request.method == "POST":
        given = str(request.POST.get("question", ""))[:12]
        question = Question.objects.filter(pk=int(given), topic=topic, active=True).prefetch_related(
            "options").first() if given.isdigit() else None
        if question is None:
            raise Http404
        try:
            answer = services.practice_answer(actor=request.user, question=question,
                                              chosen=request.POST.getlist("answer")[:10])
        except ValidationError as exc:
            errors, status = list(exc.messages), 400
    if question is None:
        question = selectors.practice_question(member=member, topic=topic)
    if question is None:
        raise Http404
    options = list(question.options.all())
    chosen = set(answer.chosen) if answer else set()
    for option in options:
        option.was_chosen = option.pk in chosen
    return mobile_page(request, "learning/practice.html", {
        "topic": topic, "question": question, "options": options, "answer": answer, "errors": errors,
        "stats": selectors.practice_stats(member=member),
    }, status=status)


@mobile_login_required
def contest(request, pk):
    """The contest: its rules, my attempt (or the start button), and when submitted my ranks and the top ten of
    my branch (names masked above the branch)."""
    member, go = _member_or_link(request)
    if go:
        return go
    item = selectors.my_contest(member=member, pk=pk)
    if item is None:
        raise Http404
    now = timezone.now()
    attempt = ContestAttempt.objects.filter(contest=item, member=member).first()
    ranks = selectors.my_ranks(contest=item, member=member, attempt=attempt)
    tables = []
    if attempt is not None and attempt.status == ContestAttempt.Status.SUBMITTED:
        for key, node in selectors.ranking_levels(member):
            rows = list(selectors.ranking(contest=item, node=node)[:10])
            for row in rows:
                row.shown_name = row.member.name if key == "branch" or row.pk == attempt.pk else selectors.masked_name(
                    row.member.name)
            tables.append({"key": key, "label": LEVEL_LABELS[key], "rows": rows, "mine": ranks.get(key)})
    return mobile_page(request, "learning/contest.html", {
        "contest": item, "attempt": attempt, "open_now": item.is_open(now), "not_yet": now < item.opens_at,
        "tables": tables, "n_questions": item.paper.count(),
    })


@mobile_login_required
@require_POST
def contest_start(request, pk):
    member, go = _member_or_link(request)
    if go:
        return go
    item = selectors.my_contest(member=member, pk=pk)
    if item is None:
        raise Http404
    try:
        services.contest_start(actor=request.user, contest=item)
    except (ValidationError, PermissionDenied) as exc:
        from django.contrib import messages

        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("learn:contest", pk=item.pk)
    return redirect("learn:paper", pk=item.pk)


@mobile_login_required
def paper(request, pk):
    """The paper while my attempt runs: the clock shown is the server's deadline; a late submission is refused."""
    member, go = _member_or_link(request)
    if go:
        return go
    item = selectors.my_contest(member=member, pk=pk)
    attempt = ContestAttempt.objects.filter(contest=item, member=member).first() if item else None
    if attempt is None:
        raise Http404
    errors, status = [], 200
    if request.method == "POST" and attempt.status == ContestAttempt.Status.STARTED:
        answers = {}
        for key in request.POST:
            if key.startswith("q") and key[1:].isdigit():
                answers[key[1:]] = request.POST.getlist(key)[:10]
        try:
            services.contest_submit(actor=request.user, attempt=attempt, answers=answers)
        except ValidationError as exc:
            errors, status = list(exc.messages), 400
            attempt.refresh_from_db()
            if attempt.status != ContestAttempt.Status.STARTED:
                from django.contrib import messages

                messages.error(request, " ".join(errors))
                return redirect("learn:contest", pk=item.pk)
        else:
            return redirect("learn:contest", pk=item.pk)
    if attempt.status != ContestAttempt.Status.STARTED:
        return redirect("learn:contest", pk=item.pk)
    now = timezone.now()
    if now > attempt.deadline + services.GRACE:
        services.expire_overdue_attempts(now=now)
        return redirect("learn:contest", pk=item.pk)
    questions = selectors.contest_paper(item)
    return mobile_page(request, "learning/paper.html", {
        "contest": item, "attempt": attempt, "questions": questions, "errors": errors,
        "seconds_left": max(int((attempt.deadline - now).total_seconds()), 0),
    }, status=status)
