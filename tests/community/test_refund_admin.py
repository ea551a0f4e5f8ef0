"""The dues refund admin: a scoped list with a fixed number of queries, its totals, the workflow's actions and
forms going through the services (a refusal is a message or a form error, never a 500), a scoped export."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Coverage, DuesRefund, RefundStatus
from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
LIST = reverse("admin:community_duesrefund_changelist")
ADD = reverse("admin:community_duesrefund_add")


def today():
    """Read at each use: a run that crosses midnight in Shanghai must not compare against yesterday."""
    return timezone.localdate()


def change(refund):
    return reverse("admin:community_duesrefund_change", args=[refund.pk])


def levels(response):
    return [m.level for m in get_messages(response.wsgi_request)]


@pytest.fixture
def refunds(tree):
    class Refunds:
        own = DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid, name="河南华信科技有限公司"))
        own_approved = DuesRefundFactory(org=TwoNewOrgFactory(node=tree.community, name="河南中原商贸有限公司"),
                                         approved=True, amount=Decimal("1000.50"), dues_collected=Decimal("1200"))
        foreign = DuesRefundFactory(org=TwoNewOrgFactory(node=tree.other_grid, name="河南鑫源外区有限公司"))

    return Refunds


def _fill(tree, times):
    for i in range(times):
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid), year=2017 - i % 3, paid=True)
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.other_grid), approved=True)
        DuesRefundFactory(org=TwoNewOrgFactory(node=tree.building), returned=True)


@pytest.mark.parametrize("who", ["district_user", "street_secretary"])
def test_list_runs_a_fixed_number_of_queries(client, tree, request, who):
    client.force_login(request.getfixturevalue(who))
    client.get(LIST)
    _fill(tree, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    _fill(tree, 8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(LIST, {"status": "paid"}).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # session, user, the second factor's device, scope, the street filter's choices, the count, model
    # permissions (2), the rows, the totals line, the year filter's choices
    assert len(small) == 11, [q["sql"] for q in small.captured_queries]


def test_list_shows_own_refunds_with_totals(client, tree, refunds, street_secretary):
    DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid), paid=True, amount=Decimal("2345.60"),
                      dues_collected=Decimal("3000"))
    client.force_login(street_secretary)
    body = client.get(LIST).content.decode()
    assert "河南华信科技有限公司" in body and "河南鑫源外区有限公司" not in body and "北林路街道" not in body
    assert "¥2,345.60" in body and "¥3,400.50" in body  # paid; in progress: 2,400.00 + 1,000.50
    assert client.get(change(refunds.foreign)).status_code == 404
    history = reverse("admin:community_duesrefund_history", args=[refunds.foreign.pk])
    assert client.get(history).status_code == 404


def test_filters(client, tree, refunds, district_user):
    DuesRefundFactory(org=refunds.own.org, year=2016, paid=True)
    client.force_login(district_user)
    body = client.get(LIST, {"year": 2016}).content.decode()
    assert body.count("河南华信科技有限公司") >= 1 and "河南中原商贸有限公司" not in body
    body = client.get(LIST, {"status": "approved"}).content.decode()
    assert "河南中原商贸有限公司" in body and "河南鑫源外区有限公司" not in body
    body = client.get(LIST, {"street": tree.other_street.pk}).content.decode()
    assert "河南鑫源外区有限公司" in body and "河南华信科技有限公司" not in body


def test_street_filter_refuses_a_foreign_street(client, tree, refunds, street_secretary):
    client.force_login(street_secretary)
    response = client.get(LIST, {"street": tree.other_street.pk})
    assert response.status_code in (200, 302) and "河南鑫源外区有限公司" not in response.content.decode()


def _act(client, action, refunds_, **extra):
    return client.post(LIST, {"action": action, "_selected_action": [r.pk for r in refunds_], **extra})


def test_street_approves_from_the_list_and_a_foreign_refund_is_untouched(client, refunds, street_secretary):
    client.force_login(street_secretary)
    response = _act(client, "approve", [refunds.own, refunds.foreign])
    assert response.status_code == 302 and levels(response) == [SUCCESS]
    refunds.own.refresh_from_db(), refunds.foreign.refresh_from_db()
    assert refunds.own.status == RefundStatus.APPROVED and refunds.own.reviewed_by == street_secretary
    assert refunds.foreign.status == RefundStatus.PROPOSED


def test_foreign_refund_alone_is_refused(client, refunds, street_secretary):
    client.force_login(street_secretary)
    response = _act(client, "approve", [refunds.foreign])
    assert response.status_code in (200, 302)
    refunds.foreign.refresh_from_db()
    assert refunds.foreign.status == RefundStatus.PROPOSED


def test_wrong_role_gets_a_message_not_a_500(client, refunds, community_secretary):
    client.force_login(community_secretary)
    response = _act(client, "approve", [refunds.own])
    assert response.status_code == 302 and levels(response) == [ERROR]
    response = _act(client, "record_payment", [refunds.own_approved], paid_on=today().isoformat(),
                    voucher_number="FH-1")
    assert response.status_code == 302 and levels(response)[-1] == ERROR
    refunds.own.refresh_from_db(), refunds.own_approved.refresh_from_db()
    assert (refunds.own.status, refunds.own_approved.status) == (RefundStatus.PROPOSED, RefundStatus.APPROVED)


def test_send_back_needs_the_reason_from_the_action_bar(client, refunds, street_secretary):
    client.force_login(street_secretary)
    response = _act(client, "send_back", [refunds.own])
    assert levels(response) == [ERROR]
    response = _act(client, "send_back", [refunds.own], reason="缺少党费收缴明细")
    assert levels(response)[-1] == SUCCESS  # (the earlier message is still waiting to be shown)
    refunds.own.refresh_from_db()
    assert (refunds.own.status, refunds.own.return_reason) == (RefundStatus.RETURNED, "缺少党费收缴明细")


def test_district_records_payment_from_the_list(client, refunds, district_user):
    client.force_login(district_user)
    response = _act(client, "record_payment", [refunds.own_approved, refunds.own], paid_on=today().isoformat(),
                    voucher_number="FH2017-009")
    assert sorted(levels(response)) == sorted([ERROR, SUCCESS])  # the proposed one is not paid
    refunds.own_approved.refresh_from_db()
    assert (refunds.own_approved.status, refunds.own_approved.voucher_number) == (RefundStatus.PAID, "FH2017-009")
    assert DuesRefund.objects.get(pk=refunds.own.pk).status == RefundStatus.PROPOSED


def test_decision_on_the_refund_page(client, refunds, street_secretary, district_user):
    client.force_login(street_secretary)
    assert client.get(change(refunds.own)).status_code == 200
    response = client.post(change(refunds.own), {"decision": "send_back", "decision_reason": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(change(refunds.own), {"decision": "approve"})
    assert response.status_code == 302
    refunds.own.refresh_from_db()
    assert refunds.own.status == RefundStatus.APPROVED
    # The street may not pay: a form error.
    response = client.post(change(refunds.own), {"decision": "pay", "decision_paid_on": today().isoformat(),
                                                 "decision_voucher_number": "FH-7"})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    client.force_login(district_user)
    response = client.post(change(refunds.own), {"decision": "pay", "decision_paid_on": "",
                                                 "decision_voucher_number": "FH-7"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(change(refunds.own), {"decision": "pay", "decision_paid_on": today().isoformat(),
                                                 "decision_voucher_number": "FH-7"})
    assert response.status_code == 302
    refunds.own.refresh_from_db()
    assert (refunds.own.status, refunds.own.paid_on, refunds.own.paid_by) == (RefundStatus.PAID, today(),
                                                                              district_user)


def test_foreign_refund_page_and_decision_refused(client, refunds, street_secretary):
    client.force_login(street_secretary)
    assert client.post(change(refunds.foreign), {"decision": "approve"}).status_code == 404
    refunds.foreign.refresh_from_db()
    assert refunds.foreign.status == RefundStatus.PROPOSED


def _propose_data(org, **kw):
    return {"org": org.pk, "year": 2017, "dues_collected": "3000.00", "amount": "2400.00", "purpose": "主题党日活动",
            **kw}


def test_community_proposes_on_the_add_page(client, tree, community_secretary):
    own = TwoNewOrgFactory(node=tree.grid, name="河南博远科技有限公司")
    joint = TwoNewOrgFactory(node=tree.grid, coverage=Coverage.JOINT, party_members=2)
    foreign = TwoNewOrgFactory(node=tree.other_grid)
    client.force_login(community_secretary)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, _propose_data(own, amount="3500"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "cannot exceed the dues handed in" in response.content.decode()
    response = client.post(ADD, _propose_data(joint), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "with its own party organization" in response.content.decode()
    response = client.post(ADD, _propose_data(foreign))
    assert response.status_code == 200 and not DuesRefund.objects.filter(org=foreign).exists()
    response = client.post(ADD, _propose_data(own))
    assert response.status_code == 302, response.content.decode()[:3000]
    refund = DuesRefund.objects.get(org=own)
    assert (refund.status, refund.proposed_by, refund.amount) == (RefundStatus.PROPOSED, community_secretary,
                                                                  Decimal("2400.00"))
    assert refund.history.get().history_user == community_secretary
    # The same year again: a form error, not an IntegrityError.
    response = client.post(ADD, _propose_data(own, amount="100"))
    assert response.status_code == 200 and DuesRefund.objects.filter(org=own).count() == 1


def test_grid_leader_and_inspector_cannot_propose(client, tree):
    grid_leader = grant(UserFactory(username="grid-S01C01G01"), Role.GRID_LEADER, tree.grid)
    inspector = grant(UserFactory(username="inspector"), Role.INSPECTOR)
    for user in (grid_leader, inspector):
        client.force_login(user)
        assert client.get(LIST).status_code == 200
        assert client.get(ADD).status_code == 403


def test_a_finished_refund_is_shown_not_changed(client, tree, district_user):
    paid = DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid), paid=True)
    client.force_login(district_user)
    assert client.get(change(paid)).status_code == 200
    assert client.post(change(paid), {}).status_code == 403


def test_nobody_deletes_a_refund(client, refunds, district_user):
    client.force_login(district_user)
    assert client.post(reverse("admin:community_duesrefund_delete", args=[refunds.own.pk]),
                       {"post": "yes"}).status_code == 403
    assert DuesRefund.objects.filter(pk=refunds.own.pk).exists()


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_is_scoped(client, tree, refunds, street_secretary, district_user):
    client.force_login(street_secretary)
    response = _act(client, "export_csv", [refunds.own, refunds.own_approved, refunds.foreign])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    names = {row[2] for row in rows[1:]}
    assert names == {"河南华信科技有限公司", "河南中原商贸有限公司"}
    # Selecting "all" exports the user's scope, not the district.
    response = client.post(LIST, {"action": "export_csv", "select_across": "1", "index": "0",
                                  "_selected_action": [refunds.own.pk]})
    assert {row[2] for row in _csv_rows(response)[1:]} == {"河南华信科技有限公司", "河南中原商贸有限公司"}
    client.force_login(district_user)
    response = _act(client, "export_xlsx", [refunds.foreign])
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_export_carries_no_personal_data(client, tree, refunds, district_user):
    # The people of each step appear by account name; their phones and names do not.
    district_user.first_name, district_user.email = "王明", "wang@example.com"
    district_user.save()
    DuesRefundFactory(org=TwoNewOrgFactory(node=tree.grid), paid=True, paid_by=district_user)
    client.force_login(district_user)
    response = client.post(LIST, {"action": "export_csv", "select_across": "1", "index": "0",
                                  "_selected_action": [refunds.own.pk]})
    text = response.content.decode("utf-8-sig")
    assert "district" in text and "王明" not in text and "wang@example.com" not in text
    assert len(_csv_rows(response)) == 1 + 4
