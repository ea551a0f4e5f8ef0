"""述职评议: writing, reviewing, the democratic evaluation (each voter once, anonymous), publishing once, scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accountability import services
from accountability.models import Ballot, CycleStatus, DutyReport, Voter
from assessment.models import Interview, InterviewReason
from core.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _report(cycle, org):
    return DutyReport.objects.get(cycle=cycle, org=org)


def _reviewed(cycle, org, community_secretary_or_district, reviewer, scores=(36, 27, 27)):
    report = _report(cycle, org)
    services.duty_report_save(actor=community_secretary_or_district, report=report, body="一年来……",
                              secretary_name="张书记", submit=True)
    return services.duty_review(actor=reviewer, report=report, comment="较好",
                                scores=dict(zip(["履职尽责", "解决问题", "党建成效"], scores)))


def test_opening_makes_a_report_per_unit_and_checks_the_criteria(community_cycle, district_user, street_secretary):
    assert community_cycle.reports.count() == 3
    with pytest.raises(ValidationError, match="add up to 100"):
        services.duty_cycle_open(actor=district_user, year=2026, level="street", duties="x", criteria="a: 50",
                                 due_on=community_cycle.due_on)
    with pytest.raises(ValidationError, match="already open"):
        services.duty_cycle_open(actor=district_user, year=2026, level="community", duties="x",
                                 criteria="a: 100", due_on=community_cycle.due_on)
    with pytest.raises(PermissionDenied):
        services.duty_cycle_open(actor=street_secretary, year=2027, level="community", duties="x",
                                 criteria="a: 100", due_on=community_cycle.due_on)


def test_only_the_units_secretary_writes_and_the_level_above_reviews(
        community_cycle, tree, community_secretary, street_secretary, other_street_secretary):
    report = _report(community_cycle, tree.community)
    with pytest.raises(PermissionDenied):
        services.duty_report_save(actor=street_secretary, report=report, body="x")  # the street reviews, not writes
    with pytest.raises(ValidationError, match="not been submitted"):
        services.duty_review(actor=street_secretary, report=report, scores={}, comment="x")
    services.duty_report_save(actor=community_secretary, report=report, body="述职内容", secretary_name="张书记",
                              submit=True)
    with pytest.raises(ValidationError, match="submitted"):
        services.duty_report_save(actor=community_secretary, report=report, body="changed")
    with pytest.raises(PermissionDenied):
        services.duty_review(actor=community_secretary, report=report, scores={}, comment="x")
    with pytest.raises(PermissionDenied):
        services.duty_review(actor=other_street_secretary, report=report, scores={}, comment="x")
    with pytest.raises(ValidationError) as refused:
        services.duty_review(actor=street_secretary, report=report, comment="x",
                             scores={"履职尽责": 41, "解决问题": "abc", "党建成效": 10})
    assert set(refused.value.message_dict) == {"履职尽责", "解决问题"}
    reviewed = services.duty_review(actor=street_secretary, report=report, comment="好",
                                    scores={"履职尽责": 38, "解决问题": 28, "党建成效": 27})
    assert reviewed.review_score == 93 and reviewed.final_score == 93 and reviewed.grade == "good"


def test_a_voter_votes_once_and_the_ballots_are_anonymous(community_cycle, tree, community_secretary,
                                                          street_secretary):
    report = _reviewed(community_cycle, tree.community, community_secretary, street_secretary, (40, 30, 30))
    alice = services.voter_add(actor=street_secretary, report=report, kind="member", name="王明")
    bob = services.voter_add(actor=street_secretary, report=report, kind="representative", name="赵居民")
    with pytest.raises(ValidationError, match="already on the roll"):
        services.voter_add(actor=street_secretary, report=report, kind="member", name="王明")
    services.ballot_cast(actor=street_secretary, voter=alice, choice="excellent")
    with pytest.raises(ValidationError, match="already voted"):
        services.ballot_cast(actor=street_secretary, voter=alice, choice="poor")
    services.ballot_cast(actor=street_secretary, voter=bob, choice="fair")
    report.refresh_from_db()
    assert Ballot.objects.filter(report=report).count() == 2
    assert report.democratic_score == 80  # (100 + 60) / 2
    assert report.final_score == 94  # 0.7 × 100 + 0.3 × 80
    # Anonymous: a ballot has no link to its voter, a voter none to their vote.
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "report", "kind", "choice"}
    assert "choice" not in {f.name for f in Voter._meta.get_fields()}


def test_publishing_ranks_proposes_interviews_for_failed_reports_and_happens_once(
        community_cycle, tree, district_user, street_secretary, other_street_secretary):
    first = _reviewed(community_cycle, tree.community, district_user, street_secretary, (20, 15, 15))  # 50: poor
    second = _reviewed(community_cycle, tree.second_community, district_user, street_secretary, (35, 25, 25))
    third = _report(community_cycle, tree.other_community)
    services.duty_report_save(actor=district_user, report=third, body="x", secretary_name="李", submit=True)
    with pytest.raises(ValidationError, match="not reviewed yet"):
        services.duty_cycle_publish(actor=district_user, cycle=community_cycle)
    services.duty_review(actor=other_street_secretary, report=third, comment="ok",
                         scores={"履职尽责": 35, "解决问题": 25, "党建成效": 25})  # 85, tie with `second`
    result = services.duty_cycle_publish(actor=district_user, cycle=community_cycle)
    assert result == {"ranked": 3, "interviews_proposed": 1}
    ranks = dict(DutyReport.objects.filter(cycle=community_cycle).values_list("org__code", "rank"))
    assert ranks == {"S01C02": 1, "S02C01": 1, "S01C01": 3}
    interview = Interview.objects.get(reason=InterviewReason.DUTY)
    assert interview.org == tree.community and interview.source_key == f"duty:{first.pk}"
    with pytest.raises(ValidationError, match="already published"):
        services.duty_cycle_publish(actor=district_user, cycle=community_cycle)
    community_cycle.refresh_from_db()
    assert community_cycle.status == CycleStatus.PUBLISHED
    with pytest.raises(ValidationError, match="published"):
        services.duty_review(actor=street_secretary, report=second, comment="x",
                             scores={"履职尽责": 1, "解决问题": 1, "党建成效": 1})
    assert Interview.objects.filter(reason=InterviewReason.DUTY).count() == 1


def test_attachments_are_checked(community_cycle, tree, community_secretary):
    report = _report(community_cycle, tree.community)
    services.duty_attachment_add(actor=community_secretary, report=report,
                                 upload=SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4 x"))
    with pytest.raises(ValidationError, match="PDF, Word"):
        services.duty_attachment_add(actor=community_secretary, report=report,
                                     upload=SimpleUploadedFile("evil.exe", b"MZ"))
    assert report.attachments.count() == 1


def test_report_page_scope_and_the_secretary_submits(client, community_cycle, tree, community_secretary,
                                                     street_secretary, other_street_secretary, resident):
    own = _report(community_cycle, tree.community)
    foreign = _report(community_cycle, tree.other_community)
    client.force_login(community_secretary)
    assert client.get(reverse("accountability:report", args=[foreign.pk])).status_code == 404
    page = client.get(reverse("accountability:report", args=[own.pk]))
    assert page.status_code == 200 and "提交上级" in page.content.decode()  # Chinese by default
    response = client.post(reverse("accountability:report", args=[own.pk]),
                           {"step": "submit", "secretary_name": "", "body": ""}, **EN)
    assert response.status_code == 400 and "Write the report before submitting it." in response.content.decode()
    response = client.post(reverse("accountability:report", args=[own.pk]),
                           {"step": "submit", "secretary_name": "张书记", "body": "全年述职"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "submitted"
    # The secretary may not review their own report; garbage steps are a 404, never a 500.
    assert client.post(reverse("accountability:report", args=[own.pk]), {"step": "review"}).status_code == 403
    assert client.post(reverse("accountability:report", args=[own.pk]), {"step": "nope"}).status_code == 404
    client.force_login(other_street_secretary)
    assert client.get(reverse("accountability:report", args=[own.pk])).status_code == 404
    assert client.get(reverse("accountability:cycle", args=[community_cycle.pk])).status_code == 200
    client.force_login(street_secretary)
    response = client.post(reverse("accountability:report", args=[own.pk]),
                           {"step": "review", "comment": "好", "c0": "38", "c1": "99", "c2": "27"})
    assert response.status_code == 400
    client.force_login(resident)
    assert client.get(reverse("accountability:report", args=[own.pk])).status_code == 403


def test_cycle_page_queries_do_not_grow_with_reports(client, community_cycle, tree, district_user,
                                                     django_assert_max_num_queries):
    from tests.factories import CommunityFactory

    client.force_login(district_user)
    url = reverse("accountability:cycle", args=[community_cycle.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for i in range(10):
        org = CommunityFactory(code=f"S01C{i + 10}", name=f"新社区{i}", parent=tree.street)
        DutyReport.objects.create(cycle=community_cycle, org=org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_duty_results_export_neutralises_formulas(client, community_cycle, tree, district_user):
    import io

    from openpyxl import load_workbook

    report = _report(community_cycle, tree.community)
    services.duty_report_save(actor=district_user, report=report, body="x", secretary_name="=HYPERLINK(1)")
    client.force_login(district_user)
    response = client.get(reverse("accountability:cycle", args=[community_cycle.pk]), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(1)" in values and "=HYPERLINK(1)" not in values
