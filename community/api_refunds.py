"""REST API of party dues refunded to two-new organizations (党费返还): the community proposes (POST), the street
approves or sends back, the district records the payment (sub-routes). Reads through
community.selectors.dues_refund_list, writes through community.services (the admin's rules and messages)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_permissions import WorksOnTree
from core.api import BoundedDateField
from grids.models import Level
from grids.selectors import under_visible_node

from . import selectors, services
from .api import ScopedRelatedField, _body, inline_body
from .models import DuesRefund, RefundStatus


class RefundSerializer(serializers.ModelSerializer):
    org = ScopedRelatedField(selectors.two_new_org_list, help_text=_("The two-new organization (id)."))
    org_name = serializers.CharField(source="org.name", read_only=True)
    node = serializers.IntegerField(source="org.node_id", read_only=True)
    node_name = serializers.CharField(source="org.node.name", read_only=True)
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    dues_collected = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                              max_value=10**9, coerce_to_string=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, max_value=10**9,
                                      coerce_to_string=True)
    purpose = serializers.CharField(max_length=5000)
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True, allow_null=True, default=None)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True, default=None)
    paid_by = serializers.CharField(source="paid_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = DuesRefund
        fields = ["id", "org", "org_name", "node", "node_name", "year", "dues_collected", "amount", "purpose",
                  "status", "proposed_by", "proposed_at", "reviewed_by", "reviewed_at", "return_reason", "paid_by",
                  "payment_recorded_at", "paid_on", "voucher_number", "created_at", "updated_at"]
        read_only_fields = ["status", "proposed_at", "reviewed_at", "return_reason", "payment_recorded_at",
                            "paid_on", "voucher_number", "created_at", "updated_at"]
        validators = []  # one refund per organization and year: the service says so in words


class RefundFilter(filters.FilterSet):
    year = filters.NumberFilter()
    status = filters.ChoiceFilter(choices=RefundStatus.choices)
    street = filters.NumberFilter(method="filter_street", label=_("street (id)"))

    class Meta:
        model = DuesRefund
        fields = ["year", "status", "street"]

    def filter_street(self, queryset, name, value):
        return under_visible_node(queryset, user=self.request.user, pk=value, prefix="org__node__",
                                  level=Level.STREET)


SendBack = inline_body("RefundSendBack", reason=serializers.CharField(max_length=5000, help_text=_(
    "Why the refund is sent back (told to the community).")))
Payment = inline_body("RefundPayment", paid_on=BoundedDateField(), voucher_number=serializers.CharField(max_length=50))


class DuesRefundViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Dues refunds of the two-new organizations in your area. A refund is never deleted: sent back, it stays on
    file and the community may propose again."""

    serializer_class = RefundSerializer
    permission_classes = [WorksOnTree]
    filterset_class = RefundFilter
    search_fields = ["org__name", "=org__credit_code", "=voucher_number"]
    ordering = ["-year", "org__node__path", "org__name", "id"]
    ordering_fields = ["id", "year", "amount"]

    def get_queryset(self):
        return selectors.dues_refund_list(user=self.request.user).select_related(
            "org__node", "proposed_by", "reviewed_by", "paid_by")

    def _reread(self, refund, status_code=200):
        data = RefundSerializer(self.get_queryset().get(pk=refund.pk), context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        refund = services.dues_refund_propose(actor=request.user, org=d["org"], year=d["year"],
                                              dues_collected=d["dues_collected"], amount=d["amount"],
                                              purpose=d["purpose"])
        return self._reread(refund, 201)

    @extend_schema(request=None, responses=RefundSerializer, summary=_("Approve the proposed refund (the street)"))
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._reread(services.dues_refund_approve(actor=request.user, refund=self.get_object()))

    @extend_schema(request=SendBack, responses=RefundSerializer,
                   summary=_("Send the proposed refund back to the community, saying why (the street)"))
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        body = _body(SendBack, request)
        return self._reread(services.dues_refund_send_back(actor=request.user, refund=self.get_object(),
                                                           reason=body["reason"]))

    @extend_schema(request=Payment, responses=RefundSerializer,
                   summary=_("Record that the approved refund was paid (the district)"))
    @action(detail=True, methods=["post"], url_path="record-payment")
    def record_payment(self, request, pk=None):
        body = _body(Payment, request)
        return self._reread(services.dues_refund_record_payment(
            actor=request.user, refund=self.get_object(), paid_on=body["paid_on"],
            voucher_number=body["voucher_number"]))


__all__ = ["DuesRefundViewSet"]
