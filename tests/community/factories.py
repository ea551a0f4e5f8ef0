"""factory_boy factories of two-new organizations and their dues refunds (direct inserts, no scope checks)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from community.models import Coverage, DuesRefund, OrgKind, RefundStatus, TwoNewOrg
from tests.community import records
from tests.factories import GridFactory, UserFactory


class TwoNewOrgFactory(DjangoModelFactory):
    """An enterprise with its own party organization (the only kind that gets dues refunded)."""

    class Meta:
        model = TwoNewOrg

    node = factory.SubFactory(GridFactory)
    kind = OrgKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"河南测试科技有限公司{n}")
    credit_code = factory.LazyAttribute(lambda o: records.credit_code(o.kind))
    registered_on = datetime.date(2012, 3, 1)
    party_members = 5
    employees = 60
    coverage = Coverage.OWN


class DuesRefundFactory(DjangoModelFactory):
    """A proposed refund; traits `approved`, `returned` and `paid` take it further along the workflow."""

    class Meta:
        model = DuesRefund

    org = factory.SubFactory(TwoNewOrgFactory)
    year = 2017
    dues_collected = Decimal("3000.00")
    amount = Decimal("2400.00")
    purpose = "开展主题党日活动"
    status = RefundStatus.PROPOSED
    proposed_by = factory.SubFactory(UserFactory)
    proposed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30))

    class Params:
        approved = factory.Trait(
            status=RefundStatus.APPROVED,
            reviewed_by=factory.SubFactory(UserFactory),
            reviewed_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=20)),
        )
        returned = factory.Trait(
            status=RefundStatus.RETURNED,
            reviewed_by=factory.SubFactory(UserFactory),
            reviewed_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=20)),
            return_reason="金额不符",
        )
        paid = factory.Trait(
            status=RefundStatus.PAID,
            reviewed_by=factory.SubFactory(UserFactory),
            reviewed_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=20)),
            paid_by=factory.SubFactory(UserFactory),
            payment_recorded_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10)),
            paid_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10)),
            voucher_number=factory.Sequence(lambda n: f"FH-{n:05d}"),
        )
