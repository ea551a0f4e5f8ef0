"""Score entry, quarters and the rules around them: who scores what, maxima, closed and published quarters."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment import services
from assessment.models import Quarter, QuarterStatus, Score, UnitLevel
from core.periods import next_quarter, quarter_of
from core.errors import PermissionDenied, ValidationError
from tests.assessment.conftest import Q

pytestmark = pytest.mark.django_db


def _ind(plan, i=0):
    return list(plan.indicators.all())[i]


def test_district_scores_streets_and_departments(district_user, tree, plans):
    s = services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                             score="88.5", evidence="季度检查台账")
    assert (s.score, s.max_score, s.weight, s.level) == (Decimal("88.5"), 100, 50, UnitLevel.STREET)
    services.score_enter(actor=district_user, unit=plans.dept, quarter=Q, indicator=_ind(plans.department),
                         score=90, evidence="述职评议")
    # Correcting a score updates the one row.
    services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                         score="90", evidence="复核")
    assert Score.objects.filter(org=tree.street).get().score == 90


def test_street_secretary_scores_only_their_communities(street_secretary, tree, plans):
    ind = _ind(plans.community)
    services.score_enter(actor=street_secretary, unit=tree.community, quarter=Q, indicator=ind, score=70,
                         evidence="入户核查")
    with pytest.raises(PermissionDenied):
        services.score_enter(actor=street_secretary, unit=tree.other_community, quarter=Q, indicator=ind, score=70,
                             evidence="x")
    with pytest.raises(PermissionDenied):  # a street does not score itself
        services.score_enter(actor=street_secretary, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                             score=70, evidence="x")


def test_community_secretary_and_inspector_score_nothing(community_secretary, inspector, tree, plans):
    for actor in (community_secretary, inspector):
        with pytest.raises(PermissionDenied):
            services.score_enter(actor=actor, unit=tree.community, quarter=Q, indicator=_ind(plans.community),
                                 score=70, evidence="x")


@pytest.mark.parametrize("value, message", [
    ("100.01", "is scored out of 100.00"),
    ("-1", "cannot be negative"),
    ("abc", "Enter a number"),
    ("1.234", "two decimal places"),
    ("NaN", "Enter a number"),
])
def test_bad_scores_are_refused_with_a_clear_message(district_user, tree, plans, value, message):
    with pytest.raises(ValidationError) as exc:
        services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                             score=value, evidence="x")
    assert message in " ".join(exc.value.message_dict["score"])
    assert not Score.objects.exists()


def test_the_maximum_itself_is_fine_and_evidence_is_required(district_user, tree, plans):
    services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                         score="100", evidence="满分")
    with pytest.raises(ValidationError) as exc:
        services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.street),
                             score="10", evidence="  ")
    assert "evidence" in exc.value.message_dict


def test_indicator_of_another_plan_or_quarter_key_refused(district_user, tree, plans):
    with pytest.raises(ValidationError) as exc:
        services.score_enter(actor=district_user, unit=tree.street, quarter=Q, indicator=_ind(plans.community),
                             score=1, evidence="x")
    assert "indicator" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.score_enter(actor=district_user, unit=tree.street, quarter="2026-Q3", indicator=_ind(plans.street),
                             score=1, evidence="x")
    assert "2026Q3" in exc.value.message_dict["quarter"][0]


def test_future_closed_and_published_quarters_refuse_scores(district_user, tree, plans):
    future = next_quarter(quarter_of(timezone.localdate()))
    kwargs = dict(actor=district_user, unit=tree.street, indicator=_ind(plans.street), score=1, evidence="x")
    with pytest.raises(ValidationError, match="has not begun"):
        services.score_enter(quarter=future, **kwargs)
    services.quarter_set_status(actor=district_user, quarter=Q, status=QuarterStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed for scoring"):
        services.score_enter(quarter=Q, **kwargs)
    services.quarter_set_status(actor=district_user, quarter=Q, status=QuarterStatus.OPEN)
    services.score_enter(quarter=Q, **kwargs)
    services.quarter_publish(actor=district_user, quarter=Q, exception_reason="其余单位本季度不参评")
    with pytest.raises(ValidationError, match="published and locked"):
        services.score_enter(quarter=Q, **kwargs)
    with pytest.raises(ValidationError, match="published and locked"):
        services.quarter_set_status(actor=district_user, quarter=Q, status=QuarterStatus.OPEN)
    with pytest.raises(ValidationError, match="already published"):
        services.quarter_publish(actor=district_user, quarter=Q, exception_reason="x")


def test_only_district_staff_publish(street_secretary, inspector, tree):
    for actor in (street_secretary, inspector):
        with pytest.raises(PermissionDenied):
            services.quarter_publish(actor=actor, quarter=Q)
    assert not Quarter.objects.filter(status=QuarterStatus.PUBLISHED).exists()


def test_publish_queues_the_ranking_after_commit(district_user, tree, plans, django_capture_on_commit_callbacks,
                                                 monkeypatch):
    queued = []
    from jobs import outbox
    from jobs.models import Outbox

    monkeypatch.setattr(outbox, "_publish", lambda entry: queued.append((entry.task, *entry.args)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.quarter_publish(actor=district_user, quarter=Q, exception_reason="未评分单位不参评")
    # The hand-off is an outbox row of the publishing transaction, handed to the broker after commit.
    entry = Outbox.objects.get()
    assert queued == [] and len(callbacks) == 1 and entry.args == ["assessment.quarterly_ranking", Q]
    callbacks[0]()
    assert queued == [("jobs.tasks.run_job", "assessment.quarterly_ranking", Q)]


def test_the_database_refuses_a_score_above_the_maximum(tree, plans):
    ind = _ind(plans.street)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(quarter=Q, level="street", org=tree.street, indicator=ind, score=101, max_score=100,
                             weight=50, evidence="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(quarter=Q, level="street", org=tree.street, department=plans.dept, indicator=ind,
                             score=1, max_score=100, weight=50, evidence="x")
