"""Knowledge contests: a server-kept time limit, one attempt per member even when two starts race, scoring and
points once, rankings per branch, community, street and district."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from core.errors import PermissionDenied, ValidationError
from learning import services
from learning.models import Contest, ContestAttempt
from learning.selectors import contest_paper, my_ranks, ranking
from members.points.models import PointEntry
from tests.factories import MemberFactory

from .conftest import link, right_answers


def test_a_member_starts_answers_and_is_scored_on_the_server_with_points_once(learning):
    attempt, created = services.contest_start(actor=learning.user, contest=learning.contest)
    assert created and attempt.deadline == attempt.started_at + datetime.timedelta(minutes=10)
    again, created_again = services.contest_start(actor=learning.user, contest=learning.contest)
    assert again.pk == attempt.pk and not created_again
    paper = contest_paper(learning.contest)
    answers = right_answers(paper)
    answers[str(paper[0].pk)] = [o.pk for o in paper[0].options.all() if not o.correct][:1]
    done = services.contest_submit(actor=learning.user, attempt=attempt, answers=answers,
                                   now=attempt.started_at + datetime.timedelta(minutes=3))
    assert done.status == "submitted" and done.correct == 3 and done.score == Decimal("75.0") and done.seconds == 180
    entry = PointEntry.objects.get(member=learning.tree.member)
    assert entry.points == 2 and entry.category == "study" and "学党章知识竞赛" in entry.reason
    with pytest.raises(ValidationError):
        services.contest_submit(actor=learning.user, attempt=attempt, answers=answers)
    assert PointEntry.objects.count() == 1 and ContestAttempt.objects.count() == 1


def test_the_time_limit_is_kept_by_the_server(learning):
    attempt, _c = services.contest_start(actor=learning.user, contest=learning.contest)
    late = attempt.deadline + services.GRACE + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError) as exc:
        services.contest_submit(actor=learning.user, attempt=attempt, answers=right_answers(
            contest_paper(learning.contest)), now=late)
    assert exc.value.code == "time_up" if hasattr(exc.value, "code") else True
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.score == 0 and not PointEntry.objects.exists()
    # No second chance: starting again finds the expired attempt.
    again, created = services.contest_start(actor=learning.user, contest=learning.contest)
    assert again.pk == attempt.pk and not created
    # Within the grace a slow network's submission still counts.
    other, _c = services.contest_start(actor=learning.other_user, contest=learning.contest)
    ok = services.contest_submit(actor=learning.other_user, attempt=other, answers={},
                                 now=other.deadline + datetime.timedelta(seconds=10))
    assert ok.status == "submitted" and ok.score == 0


def test_the_deadline_never_passes_the_contest_closing(learning):
    contest = learning.contest
    contest.closes_at = timezone.now() + datetime.timedelta(minutes=4)
    contest.save()
    attempt, _c = services.contest_start(actor=learning.user, contest=contest)
    assert attempt.deadline == contest.closes_at


def test_abandoned_attempts_expire(learning):
    attempt, _c = services.contest_start(actor=learning.user, contest=learning.contest)
    assert services.expire_overdue_attempts(now=attempt.deadline) == 0
    assert services.expire_overdue_attempts(now=attempt.deadline + datetime.timedelta(minutes=1)) == 1


def test_contests_refuse_outside_their_window_and_area(learning, tree, district_user):
    now = timezone.now()
    coming = Contest.objects.create(title="未开始", opens_at=now + datetime.timedelta(days=1),
                                    closes_at=now + datetime.timedelta(days=2), question_count=2, published=True,
                                    created_by=district_user)
    services.contest_draw_paper(actor=district_user, contest=coming)
    with pytest.raises(ValidationError):
        services.contest_start(actor=learning.user, contest=coming)
    elsewhere = Contest.objects.create(title="北林路街道竞赛", org=tree.other_street, opens_at=now,
                                       closes_at=now + datetime.timedelta(days=2), question_count=2, published=True,
                                       created_by=district_user)
    services.contest_draw_paper(actor=district_user, contest=elsewhere)
    with pytest.raises(PermissionDenied):
        services.contest_start(actor=learning.user, contest=elsewhere)
    other_attempt, _c = services.contest_start(actor=learning.other_user, contest=learning.contest)
    with pytest.raises(PermissionDenied):
        services.contest_submit(actor=learning.user, attempt=other_attempt, answers={})


@pytest.mark.parametrize("answers", [["x"], {"999999": [1]}, {"q": "nonsense"}])
def test_bad_answers_are_refused_not_crashing(learning, answers):
    attempt, _c = services.contest_start(actor=learning.user, contest=learning.contest)
    with pytest.raises(ValidationError):
        services.contest_submit(actor=learning.user, attempt=attempt, answers=answers)
    attempt.refresh_from_db()
    assert attempt.status == "started"


def test_a_paper_cannot_be_redrawn_once_started_and_needs_enough_questions(learning, district_user,
                                                                           community_secretary):
    services.contest_start(actor=learning.user, contest=learning.contest)
    with pytest.raises(ValidationError):
        services.contest_draw_paper(actor=district_user, contest=learning.contest)
    big = Contest.objects.create(title="大赛", opens_at=timezone.now(), closes_at=timezone.now() + datetime.timedelta(1),
                                 question_count=50, created_by=district_user)
    with pytest.raises(ValidationError):
        services.contest_draw_paper(actor=district_user, contest=big)
    with pytest.raises(PermissionDenied):  # a district contest is the district's
        services.contest_draw_paper(actor=community_secretary, contest=big)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_make_one_attempt(learning):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def start():
        try:
            barrier.wait()
            results.append(services.contest_start(actor=learning.user, contest=learning.contest))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ContestAttempt.objects.filter(contest=learning.contest).count() == 1
    assert len({a.pk for a, _created in results}) == 1 and sorted(c for _a, c in results) == [False, True]


def test_rankings_per_branch_community_street_and_district(learning, tree):
    from tests.factories import CommunityFactory, GridFactory

    second_grid = GridFactory(code="S01C01G02", name="第二网格", parent=tree.community)
    second_community = CommunityFactory(code="S01C02", name="纬五路社区", parent=tree.street)
    people = {
        "same_branch": MemberFactory(org=tree.building, name="同支部"),  # building group: counts in the grid's branch
        "same_community": MemberFactory(org=second_grid, name="同社区"),
        "same_street": MemberFactory(org=second_community, name="同街道"),
    }
    users = {k: link(m, f"u-{k}") for k, m in people.items()}
    paper = contest_paper(learning.contest)
    full = right_answers(paper)

    def take(user, right, seconds):
        attempt, _c = services.contest_start(actor=user, contest=learning.contest)
        answers = {k: v for n, (k, v) in enumerate(full.items()) if n < right}
        return services.contest_submit(actor=user, attempt=attempt, answers=answers,
                                       now=attempt.started_at + datetime.timedelta(seconds=seconds))

    mine = take(learning.user, 3, 100)
    take(users["same_branch"], 4, 200)
    take(users["same_community"], 3, 50)
    take(users["same_street"], 4, 30)
    take(learning.other_user, 2, 10)  # another street
    ranks = my_ranks(contest=learning.contest, member=tree.member, attempt=mine)
    assert ranks == {"branch": (2, 2), "community": (3, 3), "street": (4, 4), "district": (4, 5)}
    district = list(ranking(contest=learning.contest).values_list("member__name", "rank"))
    assert district == [("同街道", 1), ("同支部", 2), ("同社区", 3), ("王明", 4), ("李红", 5)]
    assert [r.member.name for r in ranking(contest=learning.contest, node=tree.other_street)] == ["李红"]


def test_dashboard_figures_count_learning_contests_and_dues(learning, tree):
    from dashboard import services as dashboard_services
    from learning import services as learning_services
    from learning.figures import compute_contests, compute_learning
    from dashboard.registry import ComputeContext
    from tests.members.helpers import make_dues

    learning_services.lesson_read_record(actor=learning.user, lesson=learning.lesson)
    attempt, _c = services.contest_start(actor=learning.other_user, contest=learning.contest)
    services.contest_submit(actor=learning.other_user, attempt=attempt, answers={})
    make_dues(tree.member, month=timezone.localdate().replace(day=1), paid=0)
    street = ComputeContext(scope=dashboard_services.paths_scope([tree.street.path]))
    data = compute_learning(street)
    assert (data["members"], data["active"], data["rate"]) == (1, 1, 100.0)
    other = ComputeContext(scope=dashboard_services.paths_scope([tree.other_street.path]))
    assert compute_learning(other)["active"] == 0
    rows = compute_contests(other)["contests"]
    assert [(r["took_part"], r["members"]) for r in rows] == [(1, 1)]
    assert compute_contests(street)["contests"][0]["took_part"] == 0
    from dashboard.figures import compute_dues

    dues = compute_dues(street)
    assert Decimal(dues["arrears"]) > 0 and dues["members_in_arrears"] == 1
    assert compute_dues(other)["members_in_arrears"] == 0
