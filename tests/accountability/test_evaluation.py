"""The stored year-end evaluation: run_year_end (idempotent, a published year left alone), adjusting with a reason,
publishing once, the frozen year in the database, the API contract and scope, exports and the printed year."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accountability import services
from accountability.models import EvaluationRow, EvaluationYear
from core.errors import PermissionDenied, ValidationError
from jobs.models import JobRun

pytestmark = pytest.mark.django_db
CONTRACT = {"unit_code", "unit_name", "level", "year", "score", "rank", "grade", "published"}


def _run(year="2026"):
    out = io.StringIO()
    call_command("run_year_end", "--year", year, stdout=out)
    return out.getvalue()


def test_run_year_end_stores_every_unit_once(ranked, plans, monkeypatch):
    monkeypatch.setattr("accountability.jobs._today", lambda: datetime.date(2027, 1, 1))  # 2026 is over
    assert "done" in _run()
    rows = {r.unit_code: r for r in EvaluationRow.objects.all()}
    assert set(rows) == {"S01", "S02", "S01C01", "S01C02", "S02C01", "D01"}
    street = rows["S01"]
    # Quarters: 2026Q1 = 0.5×70+0.3×80+0.2×90 = 77, Q2 78, Q3 79 → average 78; no finding, no duty report.
    assert street.computed_score == Decimal("78.00") and street.score == Decimal("78.00") and street.grade == "fair"
    assert rows["S02"].rank == 1 and street.rank == 2
    assert street.breakdown["quarters"]["2026Q1"] == "77.00" and street.breakdown["duty_score"] is None
    before = list(EvaluationRow.objects.values_list("pk", "score", "rank"))
    assert "already run" in _run()
    assert list(EvaluationRow.objects.values_list("pk", "score", "rank")) == before
    assert JobRun.objects.filter(job="accountability.year_end", period="2026").count() == 1


def test_a_year_still_running_gets_a_draft_that_is_computed_again(ranked, plans, monkeypatch):
    monkeypatch.setattr("accountability.jobs._today", lambda: datetime.date(2026, 11, 30))
    _run()
    before = list(EvaluationRow.objects.values_list("pk", "score", "rank"))
    assert before and not JobRun.objects.get(job="accountability.year_end", period="2026").done
    _run()  # not stored as done: computed again, to the same rows
    assert list(EvaluationRow.objects.values_list("pk", "score", "rank")) == before
    monkeypatch.setattr("accountability.jobs._today", lambda: datetime.date(2027, 1, 1))
    _run()
    assert JobRun.objects.get(job="accountability.year_end", period="2026").done
    assert "already run" in _run()


def test_bad_year_is_refused_by_the_command(ranked):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a year"):
        _run("26")


def test_the_duty_result_weighs_a_fifth(ranked, district_user, street_secretary, community_cycle):
    from accountability.models import DutyReport

    report = DutyReport.objects.get(cycle=community_cycle, org=ranked.community)
    services.duty_report_save(actor=district_user, report=report, body="x", secretary_name="张", submit=True)
    services.duty_review(actor=street_secretary, report=report, comment="ok",
                         scores={"履职尽责": 40, "解决问题": 30, "党建成效": 30})
    services.duty_cycle_publish(actor=district_user, cycle=community_cycle)
    services.evaluation_compute(2026)
    row = EvaluationRow.objects.get(org=ranked.community)
    net = Decimal(row.breakdown["quarters_net"])
    assert row.breakdown["duty_score"] == "100.00"
    assert row.computed_score == (Decimal("0.8") * net + Decimal(20)).quantize(Decimal("0.01"))


def test_adjusting_needs_a_reason_reranks_and_is_kept_on_recompute(ranked, district_user, street_secretary):
    services.evaluation_compute(2026)
    street = EvaluationRow.objects.get(unit_code="S01")
    with pytest.raises(ValidationError, match="reason"):
        services.evaluation_adjust(actor=district_user, row=street, adjustment="5", reason="")
    with pytest.raises(ValidationError, match="between"):
        services.evaluation_adjust(actor=district_user, row=street, adjustment="25", reason="x")
    with pytest.raises(ValidationError):
        services.evaluation_adjust(actor=district_user, row=street, adjustment="abc", reason="x")
    with pytest.raises(PermissionDenied):
        services.evaluation_adjust(actor=street_secretary, row=street, adjustment="5", reason="x")
    adjusted = services.evaluation_adjust(actor=district_user, row=street, adjustment="5", reason="重点工作加分")
    assert adjusted.score == Decimal("83.00") and adjusted.rank == 1 and adjusted.grade == "good"
    assert EvaluationRow.objects.get(unit_code="S02").rank == 2
    assert street.history.first().history_user == district_user
    services.evaluation_compute(2026, actor=district_user)
    kept = EvaluationRow.objects.get(unit_code="S01")
    assert kept.adjustment == 5 and kept.score == Decimal("83.00") and kept.adjustment_reason == "重点工作加分"


def test_publishing_once_freezes_the_year_in_the_database(ranked, district_user):
    services.evaluation_compute(2026)
    with pytest.raises(ValidationError, match="not been computed"):
        services.evaluation_publish(actor=district_user, year=2025)
    services.evaluation_publish(actor=district_user, year=2026)
    with pytest.raises(ValidationError, match="already published"):
        services.evaluation_publish(actor=district_user, year=2026)
    row = EvaluationRow.objects.get(unit_code="S01")
    with pytest.raises(ValidationError, match="frozen"):
        services.evaluation_adjust(actor=district_user, row=row, adjustment="1", reason="x")
    # The database itself refuses, whatever the code path.
    for change in (lambda: EvaluationRow.objects.filter(pk=row.pk).update(score=99),
                   lambda: EvaluationRow.objects.filter(pk=row.pk).delete(),
                   lambda: EvaluationYear.objects.filter(year=2026).update(status="draft")):
        with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
            change()
    # The job leaves a published year alone.
    assert services.evaluation_compute(2026) == {"year": 2026, "skipped": "published"}
    _run()
    assert EvaluationRow.objects.get(pk=row.pk).score == row.score


def test_api_lists_the_contract_fields_per_scope(ranked, district_user, street_secretary, resident, password):
    _run()
    api = APIClient()
    api.force_authenticate(district_user)
    response = api.get("/api/v1/evaluations/", {"year": 2026})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 6 and CONTRACT <= set(rows[0])
    street = next(r for r in rows if r["unit_code"] == "S01")
    assert street["level"] == "street" and street["year"] == 2026 and street["rank"] == 2
    assert street["grade"] == "fair" and street["published"] is False and street["score"] == "78.00"
    api.force_authenticate(street_secretary)
    codes = {r["unit_code"] for r in api.get("/api/v1/evaluations/", {"year": 2026}).json()["results"]}
    assert codes == {"S01", "S01C01", "S01C02"}
    foreign = EvaluationRow.objects.get(unit_code="S02")
    assert api.get(f"/api/v1/evaluations/{foreign.pk}/").status_code == 404
    assert api.get("/api/v1/evaluations/", {"year": "abc"}).status_code == 400
    assert api.get("/api/v1/evaluations/", {"year": 1900}).status_code == 400
    api.force_authenticate(resident)
    assert api.get("/api/v1/evaluations/").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/v1/evaluations/").status_code in (401, 403)


def test_api_query_count_does_not_grow(ranked, district_user, django_assert_max_num_queries):
    _run()
    api = APIClient()
    api.force_authenticate(district_user)
    with django_assert_max_num_queries(5):
        assert api.get("/api/v1/evaluations/", {"year": 2026}).status_code == 200


def test_pages_scope_export_and_print(client, ranked, district_user, street_secretary, other_street_secretary,
                                      django_assert_max_num_queries):
    from openpyxl import load_workbook

    _run()
    own = EvaluationRow.objects.get(unit_code="S01C01")
    client.force_login(street_secretary)
    assert client.get(reverse("accountability:year", args=[2026]), {"level": "department"}).status_code == 404
    assert client.post(reverse("accountability:year", args=[2026]), {"action": "publish"}).status_code == 403
    assert client.post(reverse("accountability:evaluation", args=[own.pk]),
                       {"adjustment": "1", "reason": "x"}).status_code == 403
    client.force_login(other_street_secretary)
    assert client.get(reverse("accountability:evaluation", args=[own.pk])).status_code == 404
    assert client.get(reverse("accountability:evaluation-pdf", args=[own.pk])).status_code == 404
    client.force_login(district_user)
    url = reverse("accountability:year", args=[2026])
    client.get(url, {"level": "community"})
    with django_assert_max_num_queries(10):
        page = client.get(url, {"level": "community"})
    assert page.status_code == 200 and "省委社区" in page.content.decode()
    response = client.post(reverse("accountability:evaluation", args=[own.pk]), {"adjustment": "3", "reason": ""})
    assert response.status_code == 400 and "请填写调整理由" in response.content.decode()
    EvaluationRow.objects.filter(pk=own.pk).update(unit_name="=1+1")
    sheet = load_workbook(io.BytesIO(client.get(url, {"level": "community", "export": "xlsx"}).content)).active
    assert "'=1+1" in [c.value for row in sheet.iter_rows() for c in row]
    pdf = client.get(reverse("accountability:evaluation-pdf", args=[own.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    ranking = client.get(reverse("assessment:ranking-export"), {"quarter": "2026Q3", "level": "street"})
    assert ranking.status_code == 200 and ranking.content[:2] == b"PK"
    assert client.get(reverse("assessment:ranking-export"), {"quarter": "bad"}).status_code == 404
