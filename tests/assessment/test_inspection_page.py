import datetime

import pytest
from django.utils import timezone

from assessment.models import Finding, Inspection, InspectionPlan
from core.periods import month_of

pytestmark = pytest.mark.django_db
URL = "/assessment/inspections/new/"


def test_inspector_records_a_visit_with_a_finding_matching_the_plan(client, tree, inspector, district_user):
    today = timezone.localdate()
    plan = InspectionPlan.objects.create(month=month_of(today), org=tree.community, inspector=inspector)
    client.force_login(inspector)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {
        "org": tree.community.pk, "visited_on": today.isoformat(), "summary": "台账不全",
        "finding": "三会一课记录缺失", "deadline": (today + datetime.timedelta(days=30)).isoformat(),
    })
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.inspector == inspector and inspection.plan == plan and inspection.org == tree.community
    assert Finding.objects.get().inspection == inspection
    board = client.get(response["Location"]).content.decode()
    assert "省委社区" in board


def test_bad_input_is_a_form_error_and_writes_nothing(client, tree, inspector):
    client.force_login(inspector)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(URL, {"org": tree.grid.pk, "visited_on": tomorrow.isoformat(), "summary": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"org", "summary"}
    response = client.post(URL, {
        "org": tree.community.pk, "visited_on": tomorrow.isoformat(), "summary": "x", "finding": "y",
    })
    assert response.status_code == 400 and "deadline" in response.context["form"].errors
    response = client.post(URL, {"org": tree.community.pk, "visited_on": tomorrow.isoformat(), "summary": "x"})
    assert response.status_code == 400 and "visited_on" in response.context["form"].errors
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("who", ["community_secretary", "street_secretary"])
def test_secretaries_cannot_record_inspections(client, tree, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"org": tree.community.pk, "visited_on": "2026-01-05", "summary": "x"}).status_code == 403
    assert not Inspection.objects.exists()


def test_anonymous_goes_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_the_form_opens_on_today_in_beijing(client, tree, inspector):
    """The date picker takes ISO dates only: in Chinese, too, it shows today (Asia/Shanghai), not an empty field."""
    from django.utils import timezone

    client.force_login(inspector)
    body = client.get("/assessment/inspections/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in body
