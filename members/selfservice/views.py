"""The party member's own phone pages under /m/party/: their points and rank in their branch, their classes and
quizzes, and the form that links their account to their member record. Reads through the selectors (which
follow the linked record, never a scope), writes through the services."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ConflictError, PermissionDenied, ValidationError
from core.forms import add_service_error
from core.mobile import mobile_login_required, mobile_page
from members.training.services import quiz_score

from . import selectors, services
from .forms import MemberLinkCodeForm, MemberLinkForm
from .models import MemberAccount


@mobile_login_required
def party_home(request):
    """My points this year with my rank in my branch and the branch's ranking, my classes and my quizzes; the
    link form for a user whose account is not linked to a member record yet."""
    member = selectors.linked_member(user=request.user)
    if member is None:
        if selectors.linked_candidate(user=request.user) is not None:
            return redirect("party:development")
        if request.session.get(LINK_SESSION_KEY):
            return mobile_page(request, "members/mobile/link.html", {"code_form": MemberLinkCodeForm()})
        return mobile_page(request, "members/mobile/link.html", {"form": MemberLinkForm()})
    year = timezone.localdate().year
    ranking = list(selectors.my_branch_ranking(user=request.user, year=year, member=member)[:500])
    mine = next((row for row in ranking if row["pk"] == member.pk), None)
    entries = list(selectors.my_point_entries(user=request.user, year=year, member=member))
    enrolments = list(selectors.my_enrolments(user=request.user, member=member))
    quizzes = list(selectors.my_quizzes(user=request.user, member=member))
    now = timezone.now()
    for quiz in quizzes:
        quiz.open_now = quiz.is_open(now)
        quiz.left = max(quiz.attempts_allowed - quiz.used, 0)
    return mobile_page(request, "members/mobile/party.html", {
        "member": member, "branch": selectors.member_branch(member), "year": year, "ranking": ranking,
        "mine": mine, "entries": entries, "total": sum((e.points for e in entries), 0),
        "enrolments": enrolments, "hours": sum((e.hours for e in enrolments), 0), "quizzes": quizzes,
    })


#: The pending check of a member linking their account (members.selfservice.services.member_account_link_begin).
LINK_SESSION_KEY = "members:link-pending"


@mobile_login_required
@require_POST
def party_link(request):
    """Linking in two steps: the resident's name, ID-card number and phone (checked against a member record: when
    they match, a code goes by text message to the phone on it), then that code. `restart` drops a pending code."""
    if selectors.linked_member(user=request.user) is not None or selectors.linked_candidate(user=request.user):
        request.session.pop(LINK_SESSION_KEY, None)
        return redirect("party:home")
    address = get_client_ip_address(request)
    if "restart" in request.POST:
        request.session.pop(LINK_SESSION_KEY, None)
        return redirect("party:home")
    pending = request.session.get(LINK_SESSION_KEY)
    if pending and "code" in request.POST:
        form = MemberLinkCodeForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                account = services.member_account_link_confirm(
                    actor=request.user, pending=pending, code=form.cleaned_data["code"], address=address)
            except services.LinkThrottled as exc:
                add_service_error(form, exc, fields=())
                status = 429
            except ValidationError as exc:
                add_service_error(form, exc)
                if "expired" in {e.code for errors in getattr(exc, "error_dict", {}).values() for e in errors}:
                    request.session.pop(LINK_SESSION_KEY, None)
                else:
                    request.session[LINK_SESSION_KEY] = pending  # the try counted
            else:
                request.session.pop(LINK_SESSION_KEY, None)
                person = account.member if isinstance(account, MemberAccount) else account.candidate
                messages.success(request, _("Linked: welcome, %(name)s.") % {"name": person.name})
                return redirect("party:home")
        return mobile_page(request, "members/mobile/link.html", {"code_form": form}, status=status)
    form = MemberLinkForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            pending = services.member_account_link_begin(actor=request.user, address=address, **form.cleaned_data)
        except services.LinkThrottled as exc:
            add_service_error(form, exc, fields=())
            status = 429
        except ValidationError as exc:
            add_service_error(form, exc, fields=())
        else:
            request.session[LINK_SESSION_KEY] = pending
            return redirect("party:home")
    return mobile_page(request, "members/mobile/link.html", {"form": form}, status=status)


@mobile_login_required
def quiz_take(request, pk):
    """A quiz of one of my classes: its questions while it is open and I have attempts left; my attempts."""
    quiz = selectors.my_quiz(user=request.user, pk=pk)
    if quiz is None:
        raise Http404
    errors, status, chosen = [], 200, {}
    if request.method == "POST":
        answers = {key[1:]: value for key, value in request.POST.items() if key.startswith("q") and key[1:].isdigit()}
        chosen = {str(k): str(v) for k, v in answers.items()}
        try:
            attempt = services.quiz_attempt_submit(actor=request.user, quiz=quiz, answers=answers)
        except PermissionDenied as exc:
            errors, status = [str(exc)], 403
        except ConflictError as exc:
            errors, status = [exc.message], 409
        except ValidationError as exc:
            errors, status = list(exc.messages), 400
        else:
            return redirect("party:attempt", pk=attempt.pk)
    attempts = list(selectors.my_attempts(user=request.user, quiz=quiz))
    now = timezone.now()
    questions = list(quiz.questions.all())
    for question in questions:
        question.chosen = chosen.get(str(question.pk))
    return mobile_page(request, "members/mobile/quiz.html", {
        "quiz": quiz, "questions": questions, "attempts": attempts, "errors": errors,
        "open_now": quiz.is_open(now), "not_yet": now < quiz.opens_at,
        "left": max(quiz.attempts_allowed - len(attempts), 0),
        "best": max((a.score for a in attempts), default=None),
    }, status=status)


@mobile_login_required
def attempt_result(request, pk):
    """One of my attempts: the score, pass or not, and which answers were wrong (the right answers too once
    no attempt is left or the quiz has closed)."""
    attempt = selectors.my_attempts(user=request.user).filter(pk=pk).first()
    if attempt is None:
        raise Http404
    quiz = selectors.my_quiz(user=request.user, pk=attempt.quiz_id)
    if quiz is None:
        raise Http404
    answers = {int(q): c for q, c in attempt.answers.items()}
    _score, detail = quiz_score(quiz, answers)
    used = selectors.my_attempts(user=request.user, quiz=quiz).count()
    reveal = used >= quiz.attempts_allowed or not quiz.is_open()
    rows = []
    for question in quiz.questions.all():
        chosen, correct = detail[question.pk]
        choices = {c.pk: c for c in question.choices.all()}
        rows.append({"question": question, "chosen": choices.get(chosen), "right": chosen == correct,
                     "correct": choices.get(correct) if reveal else None})
    return mobile_page(request, "members/mobile/attempt.html", {
        "attempt": attempt, "quiz": quiz, "rows": rows, "wrong": sum(1 for r in rows if not r["right"]),
        "passed": attempt.score >= quiz.pass_mark, "reveal": reveal,
        "left": max(quiz.attempts_allowed - used, 0), "open_now": quiz.is_open(),
    })


@mobile_login_required
def my_record(request):
    """My record, read-only: dues by month with arrears and the amount due, meetings I was expected at, my
    political birthday and years in the Party (points and classes are on the home page)."""
    member = selectors.linked_member(user=request.user)
    if member is None:
        return redirect("party:home")
    dues = selectors.my_dues(member=member)
    today = timezone.localdate()
    birthday = member.political_birthday(today.year)
    if birthday < today:
        birthday = member.political_birthday(today.year + 1)
    this_month = today.replace(day=1)
    current = next((d for d in dues if d.month == this_month), None)
    meetings = selectors.my_meetings(member=member)
    return mobile_page(request, "members/mobile/record.html", {
        "member": member, "dues": dues, "arrears": sum((d.arrears for d in dues), 0),
        "due_now": current.arrears if current else None, "meetings": meetings,
        "attended": sum(1 for a in meetings if a.present), "birthday": birthday,
        "days_to_birthday": (birthday - today).days,
    })


@mobile_login_required
def my_development(request):
    """An applicant's own development steps, what is done and the next deadline (read-only)."""
    candidate = selectors.linked_candidate(user=request.user)
    if candidate is None:
        return redirect("party:home")
    rows, upcoming = selectors.my_development(candidate=candidate)
    return mobile_page(request, "members/mobile/development.html", {
        "candidate": candidate, "rows": rows, "upcoming": upcoming, "today": timezone.localdate(),
        "done": sum(1 for r in rows if r["done_on"]),
    })
