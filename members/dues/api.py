"""REST API of dues 党费: `/api/v1/dues/` lists members' monthly dues in the caller's area (the amount due from
the brackets, what was paid, the arrears); `POST` records (or updates) a member's month, `PATCH` on a payment
changes its figures. Writes go through members.dues.services.dues_record (the same rules as the admin and the
import), reads through members.dues.selectors."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from grids.models import Level
from grids.selectors import org_list
from members.api_common import MemberWorkViewSet, tree_filterset
from members.records.models import Member
from members.records.selectors import member_list

from . import services
from .models import DuesKind, DuesPayment, DuesReview
from .selectors import dues_list

MONEY = {"max_digits": 12, "decimal_places": 2}


class DuesPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    org = serializers.IntegerField(source="member.org_id", read_only=True)
    org_name = serializers.CharField(source="member.org.name", read_only=True)
    month = serializers.DateField(read_only=True, help_text=_("The first day of the month."))
    kind = serializers.ChoiceField(choices=DuesKind.choices, read_only=True)
    income_base = serializers.DecimalField(read_only=True, **MONEY)
    amount_due = serializers.DecimalField(read_only=True, **MONEY)
    amount_paid = serializers.DecimalField(read_only=True, **MONEY)
    arrears = serializers.DecimalField(read_only=True, **MONEY)
    paid_on = serializers.DateField(read_only=True, allow_null=True)
    paid_by = serializers.CharField(read_only=True)


class DuesFiguresSerializer(serializers.Serializer):
    """A month's figures: the amount due follows from the kind of income and its base (the brackets)."""

    kind = serializers.ChoiceField(choices=DuesKind.choices)
    income_base = serializers.DecimalField(min_value=0, **MONEY)
    amount_paid = serializers.DecimalField(min_value=0, required=False, default=0, **MONEY)
    paid_on = BoundedDateField(required=False, allow_null=True, default=None)
    paid_by = serializers.CharField(max_length=50, required=False, allow_blank=True, default="", help_text=_(
        "Who paid for the member, when someone else did."))


class DuesRecordSerializer(DuesFiguresSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), help_text=_(
        "A party member the caller may change."))
    month = BoundedDateField(help_text=_("Any day of the month (the first day is kept)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["member"].queryset = member_list(user=request.user, write=True)


class DuesReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    org = serializers.IntegerField(source="org_id", read_only=True)
    month = serializers.DateField(read_only=True)
    level = serializers.ChoiceField(choices=DuesReview.Level.choices, read_only=True)
    members = serializers.IntegerField(read_only=True)
    due = serializers.DecimalField(read_only=True, **MONEY)
    paid = serializers.DecimalField(read_only=True, **MONEY)
    opinion = serializers.CharField(read_only=True)
    reviewed_at = serializers.DateTimeField(read_only=True)


class DuesReviewInputSerializer(serializers.Serializer):
    community = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), help_text=_(
        "The community or village whose month is reviewed."))
    month = BoundedDateField(help_text=_("Any day of the month (the first day is kept)."))
    opinion = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["community"].queryset = org_list(user=request.user).filter(level=Level.COMMUNITY)


class DuesFilter(tree_filterset("member__org__")):
    kind = filters.ChoiceFilter(choices=DuesKind.choices)
    month = filters.DateFilter(help_text=_("The month's first day (YYYY-MM-01)."))
    member = filters.NumberFilter(field_name="member_id")

    class Meta:
        model = DuesPayment
        fields = ["kind", "street", "community", "subtree", "month", "member"]


@extend_schema_view(
    list=extend_schema(summary=_("List dues payments"), description=_(
        "Members' monthly dues in the caller's area, with the arrears."),
        responses={200: DuesPaymentSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A member's dues for a month"),
                           responses={200: DuesPaymentSerializer, **error_responses(404)}),
    create=extend_schema(summary=_("Record a member's dues for a month"), description=_(
        "Sets the month's figures (or changes them when the month is already recorded): 201 either way."),
        request=DuesRecordSerializer, responses={201: DuesPaymentSerializer, **error_responses(400, 403)}),
    partial_update=extend_schema(summary=_("Change a month's dues figures"), request=DuesFiguresSerializer,
                                 responses={200: DuesPaymentSerializer, **error_responses(400, 403, 404)}),
)
class DuesPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = dues_list
    serializer_class = DuesPaymentSerializer
    filterset_class = DuesFilter
    search_fields = ["member__name"]
    ordering_fields = ["month", "id"]
    ordering = ["-month", "member_id", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request):
        data = self.body(DuesRecordSerializer)
        payment = services.dues_record(actor=request.user, **data)
        return Response(DuesPaymentSerializer(self.fresh(payment)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        payment = self.get_object()
        given = self.body(DuesFiguresSerializer, partial=True)
        figures = {"kind": payment.kind, "income_base": payment.income_base, "amount_paid": payment.amount_paid,
                   "paid_on": payment.paid_on, "paid_by": payment.paid_by, **given}
        payment = services.dues_record(actor=request.user, member=payment.member, month=payment.month, **figures)
        return Response(DuesPaymentSerializer(self.fresh(payment)).data)

    @extend_schema(summary=_("Review a community's dues for a month"), description=_(
        "The community reviews its month first, then the street; the totals reviewed are kept with the review."),
        request=DuesReviewInputSerializer, responses={201: DuesReviewSerializer, **error_responses(400, 403)})
    @action(detail=False, methods=["post"])
    def review(self, request):
        data = self.body(DuesReviewInputSerializer)
        done = services.dues_review(actor=request.user, community=data["community"], month=data["month"],
                                    opinion=data["opinion"])
        return Response(DuesReviewSerializer(done).data, status=status.HTTP_201_CREATED)


__all__ = ["DuesPaymentViewSet"]
