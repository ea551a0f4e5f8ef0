"""The score sheet of a unit (all lines or none) and an inspection recorded with its first finding."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import scopes
from assessment import services
from assessment.models import Finding, Inspection, InspectionPlan, Plan, Quarter, QuarterStatus, Score
from core.errors import PermissionDenied, ValidationError
from core.periods import month_of
from tests.assessment.conftest import Q

pytestmark = pytest.mark.django_db


def _sheet(plan, *lines):
    return dict(zip(plan.indicators.all(), lines))


def test_a_sheet_is_written_at_once(district_user, tree, plans):
    sheet = _sheet(plans.street, ("88.5", "台账"), (70, "走访"), (None, ""))
    written = services.unit_quarter_scores_enter(actor=district_user, unit=tree.street, quarter=Q, scores=sheet)
    assert len(written) == 2
    rows = {s.indicator.position: s for s in Score.objects.filter(org=tree.street, quarter=Q)}
    assert (rows[0].score, rows[0].max_score, rows[0].weight, rows[0].entered_by) == (Decimal("88.5"), 100, 50,
                                                                                      district_user)
    assert set(rows) == {0, 1}
    # Correcting one line updates that row; a line left as it was is not written again.
    before = rows[1].entered_at
    sheet = _sheet(plans.street, ("90", "复核"), (Decimal("70.00"), "走访"), (None, ""))
    written = services.unit_quarter_scores_enter(actor=district_user, unit=tree.street, quarter=Q, scores=sheet)
    assert [s.indicator.position for s in written] == [0]
    assert Score.objects.get(org=tree.street, quarter=Q, indicator__position=0).evidence == "复核"
    assert Score.objects.get(org=tree.street, quarter=Q, indicator__position=1).entered_at == before
    assert Score.objects.filter(org=tree.street, quarter=Q).count() == 2


def test_the_queries_do_not_grow_with_the_lines(district_user, tree, plans):
    plan = Plan.objects.prefetch_related("indicators").get(pk=plans.street.pk)  # as the page reads it
    Quarter.objects.create(key=Q)
    scopes.resolve_scope(district_user)  # read once per request
    with CaptureQueriesContext(connection) as one:
        services.unit_quarter_scores_enter(actor=district_user, unit=tree.street, quarter=Q,
                                           scores=_sheet(plan, ("80", "台账")))
    with CaptureQueriesContext(connection) as three:
        services.unit_quarter_scores_enter(actor=district_user, unit=tree.other_street, quarter=Q,
                                           scores=_sheet(plan, ("80", "台账"), ("70", "台账"), ("60", "台账")))
    with CaptureQueriesContext(connection) as corrected:
        services.unit_quarter_scores_enter(actor=district_user, unit=tree.other_street, quarter=Q,
                                           scores=_sheet(plan, ("81", "台账"), ("71", "台账"), ("61", "台账")))
    assert len(one) == len(three) == len(corrected)
    assert Score.objects.filter(org=tree.other_street).count() == 3


def test_a_refused_line_writes_nothing(district_user, tree, plans):
    sheet = _sheet(plans.street, ("80", "台账"), ("101", "检查"), (None, "无分数"))
    with pytest.raises(services.ScoreSheetError) as exc:
        services.unit_quarter_scores_enter(actor=district_user, unit=tree.street, quarter=Q, scores=sheet)
    first, second, third = plans.street.indicators.all()
    assert set(exc.value.by_indicator) == {second.pk, third.pk}
    assert "is scored out of 100.00" in exc.value.by_indicator[second.pk].message_dict["score"][0]
    assert exc.value.by_indicator[third.pk].message_dict == {"score": ["Enter a score."]}
    assert isinstance(exc.value, ValidationError)
    assert not Score.objects.exists() and not Quarter.objects.exists()


def test_a_locked_quarter_refuses_every_changed_line_and_nothing_changed_is_fine(district_user, tree, plans):
    Quarter.objects.create(key=Q, status=QuarterStatus.CLOSED)
    sheet = _sheet(plans.street, ("80", "台账"), ("60", "检查"), (None, ""))
    with pytest.raises(services.ScoreSheetError) as exc:
        services.unit_quarter_scores_check(actor=district_user, unit=tree.street, quarter=Q, scores=sheet)
    assert len(exc.value.by_indicator) == 2
    assert all("closed for scoring" in e.message_dict["quarter"][0] for e in exc.value.by_indicator.values())
    blank = _sheet(plans.street, (None, ""), (None, ""), (None, ""))
    assert services.unit_quarter_scores_enter(actor=district_user, unit=tree.street, quarter=Q, scores=blank) == []


def test_a_sheet_for_a_unit_one_does_not_assess_is_refused(street_secretary, tree, plans):
    sheet = _sheet(plans.community, ("80", "台账"))
    with pytest.raises(PermissionDenied):
        services.unit_quarter_scores_enter(actor=street_secretary, unit=tree.other_community, quarter=Q,
                                           scores=sheet)
    services.unit_quarter_scores_enter(actor=street_secretary, unit=tree.community, quarter=Q, scores=sheet)
    assert Score.objects.get().org == tree.community


def test_a_visit_with_its_finding_matches_the_plan(tree, inspector):
    today = timezone.localdate()
    plan = InspectionPlan.objects.create(month=month_of(today), org=tree.community, inspector=inspector)
    visit = services.inspection_visit_record(actor=inspector, org=tree.community, visited_on=today, summary=" 暗访 ",
                                             finding="台账缺失", deadline=today + datetime.timedelta(days=30))
    assert (visit.plan, visit.summary) == (plan, "暗访")
    assert Finding.objects.get().inspection == visit
    # The plan entry is taken: a second visit is recorded without it.
    again = services.inspection_visit_record(actor=inspector, org=tree.community, visited_on=today, summary="复查")
    assert again.plan is None and Finding.objects.count() == 1


def test_a_refused_finding_leaves_no_visit(tree, inspector, street_secretary):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="before the inspection"):
        services.inspection_visit_record(actor=inspector, org=tree.community, visited_on=today, summary="暗访",
                                         finding="台账缺失", deadline=today - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="rectification deadline"):
        services.inspection_visit_record(actor=inspector, org=tree.community, visited_on=today, summary="暗访",
                                         finding="台账缺失")
    with pytest.raises(PermissionDenied):
        services.inspection_visit_record(actor=street_secretary, org=tree.community, visited_on=today, summary="x")
    assert not Inspection.objects.exists()


def test_the_named_scope_rules(tree, district_user, street_secretary, inspector, community_secretary):
    assert scopes.reads_district(inspector) and not scopes.reads_district(street_secretary)
    assert scopes.holds_role(inspector, "inspector") and not scopes.holds_role(district_user, "inspector")
    assert scopes.role_paths(street_secretary, "street_secretary") == [tree.street.path]
    assert scopes.writes_above(community_secretary, tree.grid, 2)
    assert not scopes.writes_above(community_secretary, tree.grid, 1)
    assert scopes.writes_above(district_user, tree.grid, 1)


def test_the_page_saves_all_lines_or_none(client, street_secretary, tree, plans):
    client.force_login(street_secretary)
    url = f"/assessment/scores/{Q}/org/{tree.community.pk}/"
    first, second, _third = plans.community.indicators.all()
    response = client.post(url, {f"i{first.pk}-score": "88", f"i{first.pk}-evidence": "入户核查",
                                 f"i{second.pk}-score": "101", f"i{second.pk}-evidence": "台账"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and not Score.objects.exists()
    lines = dict((ind.pk, form) for ind, form in response.context["lines"])
    assert "is scored out of 100.00" in lines[second.pk].errors["score"][0] and not lines[first.pk].errors
