"""Publishing a quarter cannot go wrong: only once it has ended, every unit scored or the unscored named with a
reason (recorded); district staff reopen a published quarter with a reason, its ranking kept as superseded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessment import services
from assessment.models import QuarterAction, QuarterLog, QuarterStatus, Quarter, RankingSnapshot, UnitLevel
from assessment.ranking import take_snapshots
from assessment.selectors import ranking_rows
from jobs.models import JobRun
from tests.assessment.conftest import Q, put_scores

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _score_everyone(tree, plans):
    for unit in (tree.street, tree.other_street, tree.community, tree.other_community, plans.dept,
                 plans.other_dept):
        put_scores(unit, Q, [80, 70, 60])


def test_a_quarter_publishes_only_once_it_has_ended(district_user, tree, plans):
    with pytest.raises(ValidationError, match="has not ended yet"):
        services.quarter_publish(actor=district_user, quarter="2026Q4", exception_reason="x")
    assert not Quarter.objects.filter(status=QuarterStatus.PUBLISHED).exists()


def test_unscored_units_are_named_and_need_a_recorded_reason(district_user, tree, plans):
    put_scores(tree.street, Q, [80, 70, 60])
    with pytest.raises(ValidationError) as refused:
        services.quarter_publish(actor=district_user, quarter=Q)
    message = refused.value.message_dict["exception_reason"][0]
    assert "5 units have no score" in message and "北林路街道" in message and "区委办公室" in message
    assert not QuarterLog.objects.exists() and not Quarter.objects.filter(status=QuarterStatus.PUBLISHED).exists()
    services.quarter_publish(actor=district_user, quarter=Q, exception_reason="机构调整，本季度不参评")
    log = QuarterLog.objects.get()
    assert log.action == QuarterAction.PUBLISH and log.by == district_user and log.reason == "机构调整，本季度不参评"
    assert {u["code"] for u in log.unscored} == {"S02", "S01C01", "S02C01", "D01", "D02"}


def test_every_unit_scored_publishes_without_a_reason(district_user, tree, plans):
    _score_everyone(tree, plans)
    assert services.quarter_unscored(quarter=Q) == []
    assert services.quarter_publish(actor=district_user, quarter=Q).status == QuarterStatus.PUBLISHED
    assert QuarterLog.objects.get().unscored == []


def test_reopening_keeps_the_ranking_as_superseded_and_ranks_again(district_user, street_secretary, tree, plans):
    _score_everyone(tree, plans)
    services.quarter_publish(actor=district_user, quarter=Q)
    take_snapshots(Q)
    JobRun.objects.create(job="assessment.quarterly_ranking", period=Q, started_at="2026-10-01T00:00Z")
    first = set(RankingSnapshot.objects.values_list("pk", flat=True))
    assert len(first) == 3 and ranking_rows(user=district_user, quarter=Q, level=UnitLevel.STREET).count() == 2
    with pytest.raises(PermissionDenied):
        services.quarter_reopen(actor=street_secretary, quarter=Q, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        services.quarter_reopen(actor=district_user, quarter=Q, reason="  ")
    services.quarter_reopen(actor=district_user, quarter=Q, reason="经八路街道分数录错")
    assert Quarter.objects.get(key=Q).status == QuarterStatus.OPEN
    assert QuarterLog.objects.filter(action=QuarterAction.REOPEN, reason="经八路街道分数录错").exists()
    old = RankingSnapshot.objects.filter(pk__in=first)
    assert old.count() == 3 and all(s.superseded_at for s in old)  # kept, not lost
    assert ranking_rows(user=district_user, quarter=Q, level=UnitLevel.STREET).count() == 0
    assert not JobRun.objects.filter(period=Q).exists()  # the next publication ranks it again
    with pytest.raises(ValidationError, match="not published"):
        services.quarter_reopen(actor=district_user, quarter=Q, reason="again")
    services.quarter_publish(actor=district_user, quarter=Q)
    take_snapshots(Q)
    assert RankingSnapshot.objects.filter(quarter=Q, superseded_at__isnull=True).count() == 3
    assert ranking_rows(user=district_user, quarter=Q, level=UnitLevel.STREET).count() == 2


def test_the_database_keeps_one_current_snapshot_and_the_old_ones_unchanged(district_user, tree, plans):
    _score_everyone(tree, plans)
    take_snapshots(Q)
    snapshot = RankingSnapshot.objects.get(level=UnitLevel.STREET)
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingSnapshot.objects.create(quarter=Q, level=UnitLevel.STREET)
    with pytest.raises(IntegrityError), transaction.atomic():  # only superseding passes the trigger
        RankingSnapshot.objects.filter(pk=snapshot.pk).update(ranked_count=99)
    RankingSnapshot.objects.filter(pk=snapshot.pk).update(superseded_at="2026-11-01T00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():  # once superseded, never changed again
        RankingSnapshot.objects.filter(pk=snapshot.pk).update(superseded_at="2026-11-02T00:00Z")
    RankingSnapshot.objects.create(quarter=Q, level=UnitLevel.STREET)  # a new current one is allowed


def test_the_pages_publish_with_the_exception_and_reopen_with_a_reason(client, district_user, street_secretary,
                                                                       tree, plans,
                                                                       django_capture_on_commit_callbacks):
    put_scores(tree.street, Q, [80, 70, 60])
    url = reverse("assessment:scores", args=[Q])
    client.force_login(district_user)
    page = client.get(url).content.decode()
    assert 'name="exception_reason"' in page and "北林路街道" in page
    response = client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), follow=True, **EN)
    assert "5 units have no score" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("assessment:quarter-action", args=[Q, "publish"]), {"exception_reason": "不参评"})
    assert Quarter.objects.get(key=Q).status == QuarterStatus.PUBLISHED
    page = client.get(url).content.decode()
    assert 'id="reopen-form"' in page and "不参评" in page
    response = client.post(reverse("assessment:quarter-action", args=[Q, "reopen"]), follow=True, **EN)
    assert "Give the reason for reopening" in response.content.decode()
    assert Quarter.objects.get(key=Q).status == QuarterStatus.PUBLISHED
    client.post(reverse("assessment:quarter-action", args=[Q, "reopen"]), {"reason": "分数录错"})
    assert Quarter.objects.get(key=Q).status == QuarterStatus.OPEN
    client.force_login(street_secretary)
    assert client.post(reverse("assessment:quarter-action", args=[Q, "reopen"]),
                       {"reason": "x"}).status_code == 403
    assert 'id="publication"' not in client.get(url + "?level=community").content.decode()
