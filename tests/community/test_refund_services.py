"""Dues refunds to two-new organizations: the workflow by the right role, every rule refused with a field
error, every database constraint holding even when the services are bypassed."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from community import services
from community.models import Coverage, DuesRefund, RefundStatus
from core.errors import PermissionDenied, ValidationError
from tests.community import records
from tests.community.factories import DuesRefundFactory, TwoNewOrgFactory
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


def today():
    """Read at each use: a run that crosses midnight in Shanghai must not compare against yesterday."""
    return timezone.localdate()


@pytest.fixture
def people(tree, district_user, street_secretary, community_secretary):
    class People:
        district = district_user
        street = street_secretary
        community = community_secretary
        grid_leader = grant(UserFactory(username="grid-S01C01G01"), Role.GRID_LEADER, tree.grid)
        inspector = grant(UserFactory(username="inspector"), Role.INSPECTOR)
        other_street = grant(UserFactory(username="sec-S02"), Role.STREET_SECRETARY, tree.other_street)
        other_community = grant(UserFactory(username="sec-S02C01"), Role.COMMUNITY_SECRETARY, tree.other_community)

    return People


@pytest.fixture
def org(tree):
    return TwoNewOrgFactory(node=tree.grid, name="河南华信科技有限公司")


def propose(actor, org, **kw):
    fields = dict(year=2017, dues_collected=Decimal("3000"), amount=Decimal("2400"), purpose="主题党日活动")
    return services.dues_refund_propose(actor=actor, org=org, **{**fields, **kw})


def errors_of(call):
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


# --- the workflow -------------------------------------------------------------------------------


def test_community_proposes_street_approves_district_pays(people, org):
    refund = propose(people.community, org)
    assert (refund.status, refund.proposed_by, refund.amount) == (RefundStatus.PROPOSED, people.community,
                                                                  Decimal("2400.00"))
    refund = services.dues_refund_approve(actor=people.street, refund=refund)
    assert (refund.status, refund.reviewed_by) == (RefundStatus.APPROVED, people.street)
    assert refund.reviewed_at is not None
    refund = services.dues_refund_record_payment(actor=people.district, refund=refund, paid_on=today(),
                                                 voucher_number=" FH2017-001 ")
    refund.refresh_from_db()
    assert (refund.status, refund.paid_by, refund.paid_on, refund.voucher_number) == (
        RefundStatus.PAID, people.district, today(), "FH2017-001")
    # Every step is in the history, with who took it.
    history = list(refund.history.order_by("history_date").values_list("status", "history_user__username"))
    assert history == [("proposed", "sec-S01C01"), ("approved", "sec-S01"), ("paid", "district")]


def test_street_and_district_may_propose_too(people, org, tree):
    assert propose(people.street, org).proposed_by == people.street
    other = TwoNewOrgFactory(node=tree.other_grid)
    assert propose(people.district, other).status == RefundStatus.PROPOSED


def test_street_sends_back_with_a_reason_and_the_community_proposes_again(people, org):
    refund = propose(people.community, org)
    assert "return_reason" in errors_of(lambda: services.dues_refund_send_back(
        actor=people.street, refund=refund, reason="  "))
    refund = services.dues_refund_send_back(actor=people.street, refund=refund, reason="金额与凭证不符")
    assert (refund.status, refund.return_reason, refund.reviewed_by) == (RefundStatus.RETURNED, "金额与凭证不符",
                                                                         people.street)
    again = propose(people.community, org, amount=Decimal("2000"))
    assert again.pk != refund.pk and DuesRefund.objects.filter(org=org, year=2017).count() == 2
    # The district may decide in the street's place.
    assert services.dues_refund_approve(actor=people.district, refund=again).status == RefundStatus.APPROVED


@pytest.mark.parametrize("who", ["grid_leader", "inspector", "other_community", "other_street"])
def test_wrong_roles_cannot_propose(people, org, who):
    with pytest.raises(PermissionDenied):
        propose(getattr(people, who), org)
    assert not DuesRefund.objects.exists()


@pytest.mark.parametrize("who", ["community", "grid_leader", "inspector", "other_street", "other_community"])
def test_wrong_roles_cannot_approve_or_send_back(people, org, who):
    refund = DuesRefundFactory(org=org)
    with pytest.raises(PermissionDenied):
        services.dues_refund_approve(actor=getattr(people, who), refund=refund)
    with pytest.raises(PermissionDenied):
        services.dues_refund_send_back(actor=getattr(people, who), refund=refund, reason="不符")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROPOSED


@pytest.mark.parametrize("who", ["street", "community", "inspector", "other_street"])
def test_only_district_staff_record_the_payment(people, org, who):
    refund = DuesRefundFactory(org=org, approved=True)
    with pytest.raises(PermissionDenied):
        services.dues_refund_record_payment(actor=getattr(people, who), refund=refund, paid_on=today(),
                                            voucher_number="FH-1")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED


def test_each_step_in_its_order(people, org):
    proposed = DuesRefundFactory(org=org)
    assert "status" in errors_of(lambda: services.dues_refund_record_payment(
        actor=people.district, refund=proposed, paid_on=today(), voucher_number="FH-1"))
    for done in (DuesRefundFactory(org=org, year=2016, approved=True),
                 DuesRefundFactory(org=org, year=2015, paid=True),
                 DuesRefundFactory(org=org, year=2014, returned=True)):
        assert "status" in errors_of(lambda: services.dues_refund_approve(actor=people.street, refund=done))
        assert "status" in errors_of(lambda: services.dues_refund_send_back(actor=people.street, refund=done,
                                                                            reason="x"))
    paid = DuesRefund.objects.get(year=2015)
    assert "status" in errors_of(lambda: services.dues_refund_record_payment(
        actor=people.district, refund=paid, paid_on=today(), voucher_number="FH-2"))


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize("coverage", [Coverage.JOINT, Coverage.INSTRUCTOR, Coverage.NONE])
def test_only_an_organization_with_its_own_party_organization(people, tree, coverage):
    instructor = records.instructor(tree.grid) if coverage == Coverage.INSTRUCTOR else None
    org = TwoNewOrgFactory(node=tree.grid, coverage=coverage, party_members=2, instructor=instructor)
    errors = errors_of(lambda: propose(people.community, org))
    assert list(errors) == ["org"] and "own party organization" in errors["org"][0]


@pytest.mark.parametrize("fields, field", [
    ({"amount": Decimal("0")}, "amount"),
    ({"amount": Decimal("-5")}, "amount"),
    ({"amount": Decimal("3000.01")}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"dues_collected": Decimal("-1"), "amount": Decimal("1")}, "dues_collected"),
    ({"purpose": "  "}, "purpose"),
    ({"year": today().year + 1}, "year"),
    ({"year": 1980}, "year"),
])
def test_broken_rules_are_field_errors(people, org, fields, field):
    assert field in errors_of(lambda: propose(people.community, org, **fields))
    assert not DuesRefund.objects.exists()


def test_one_refund_per_organization_and_year(people, org):
    propose(people.community, org)
    assert "year" in errors_of(lambda: propose(people.community, org, amount=Decimal("100")))
    assert propose(people.community, org, year=2016).year == 2016


@pytest.mark.parametrize("paid_on, voucher, field", [
    (None, "FH-1", "paid_on"),
    (today() + datetime.timedelta(days=1), "FH-1", "paid_on"),
    (today() - datetime.timedelta(days=400), "FH-1", "paid_on"),  # before the street approved
    (today(), "  ", "voucher_number"),
    (today(), "F" * 51, "voucher_number"),
])
def test_payment_needs_a_plausible_day_and_a_voucher(people, org, paid_on, voucher, field):
    refund = DuesRefundFactory(org=org, approved=True)
    assert field in errors_of(lambda: services.dues_refund_record_payment(
        actor=people.district, refund=refund, paid_on=paid_on, voucher_number=voucher))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED


# --- the database holds the rules even when the services are bypassed ----------------------------


def _now():
    return timezone.now()


@pytest.mark.parametrize("fields", [
    {"amount": Decimal("0")},
    {"amount": Decimal("3000.01")},
    {"year": 1900},
    {"purpose": ""},
    {"status": "bogus"},
    {"status": RefundStatus.APPROVED},  # approved with no reviewer
    {"status": RefundStatus.PROPOSED, "reviewed_at": "now"},  # proposed yet reviewed
    {"status": RefundStatus.RETURNED, "reviewed_by": "user", "reviewed_at": "now"},  # no reason
    {"return_reason": "x"},  # a reason on a refund not sent back
    {"status": RefundStatus.PAID, "reviewed_by": "user", "reviewed_at": "now", "paid_by": "user",
     "payment_recorded_at": "now", "paid_on": "today"},  # paid, no voucher
    {"status": RefundStatus.PAID, "reviewed_by": "user", "reviewed_at": "now", "paid_by": "user",
     "payment_recorded_at": "now", "voucher_number": "FH-1"},  # paid, no day
    {"voucher_number": "FH-1"},  # a voucher on a refund not paid
])
def test_constraints_hold_without_the_services(org, fields):
    values = {k: (_now() if v == "now" else today() if v == "today" else UserFactory() if v == "user" else v)
              for k, v in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesRefundFactory(org=org, **values)


def test_unique_per_year_in_the_database_except_sent_back(org):
    DuesRefundFactory(org=org, returned=True)
    DuesRefundFactory(org=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesRefundFactory(org=org, approved=True)
    DuesRefundFactory(org=org, returned=True)


def test_a_lost_race_is_a_field_error_not_a_crash(people, org, monkeypatch):
    # Another proposal slipped in between the check and the insert: the constraint answers, the service says so.
    DuesRefundFactory(org=org)
    monkeypatch.setattr(services, "_open_refund_exists", lambda org, year: False)
    assert "year" in errors_of(lambda: propose(people.community, org, amount=Decimal("10")))
    assert DuesRefund.objects.filter(org=org).count() == 1
