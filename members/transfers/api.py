"""REST API of transfers 组织关系转接: `/api/v1/transfers/` lists the transfers sent from or to a branch of the
caller's area; `POST` sends a member to another branch (or, with `destination`, out of the district with an
introduction letter); the receiving branch `accept`s or `send-back`s, and the sending one `complete`s a letter
whose receipt came back. Writes go through members.transfers.services, reads through its selector."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from grids.models import OrgNode
from members.api_common import MemberWorkViewSet
from members.records.models import Member
from members.records.selectors import member_list

from . import services
from .models import Transfer, TransferStatus
from .selectors import transfer_list


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    from_org = serializers.IntegerField(source="from_org_id", read_only=True)
    from_org_name = serializers.CharField(source="from_org.name", read_only=True)
    to_org = serializers.IntegerField(source="to_org_id", read_only=True, allow_null=True)
    to_org_name = serializers.SerializerMethodField()
    destination = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=TransferStatus.choices, read_only=True)
    letter_number = serializers.CharField(read_only=True)
    sent_on = serializers.DateField(read_only=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)

    def get_to_org_name(self, obj) -> str | None:
        return obj.to_org.name if obj.to_org_id else None


class TransferSendSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), help_text=_(
        "A party member the caller may change."))
    to_org = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.filter(level__gte=2), required=False, allow_null=True, default=None,
        help_text=_("The receiving branch in the district (any branch receives); or give destination."))
    destination = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text=_(
        "The receiving organization outside the district: an introduction letter is issued."))
    reason = serializers.CharField(max_length=200)
    on = BoundedDateField(required=False, allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["member"].queryset = member_list(user=request.user, write=True)


class DecisionSerializer(serializers.Serializer):
    on = BoundedDateField(required=False, allow_null=True, default=None, help_text=_(
        "The date of the decision (YYYY-MM-DD); today when left out."))


class SendBackSerializer(DecisionSerializer):
    note = serializers.CharField(max_length=200, help_text=_("Why the transfer is sent back."))


class TransferFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TransferStatus.choices)

    class Meta:
        model = Transfer
        fields = ["status"]


DECISION_ERRORS = error_responses(400, 403, 404)


@extend_schema_view(
    list=extend_schema(summary=_("List transfers"), description=_(
        "Transfers sent from, or to, a branch of the caller's area."),
        responses={200: TransferSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A transfer"), responses={200: TransferSerializer, **error_responses(404)}),
    create=extend_schema(summary=_("Send a member to another branch or out of the district"),
                         request=TransferSendSerializer, responses={201: TransferSerializer, **DECISION_ERRORS}),
)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = transfer_list
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    search_fields = ["member__name", "letter_number"]
    ordering_fields = ["sent_on", "decided_on", "id"]
    ordering = ["-sent_on", "-id"]

    def create(self, request):
        data = self.body(TransferSendSerializer)
        transfer = services.transfer_send(actor=request.user, **data)
        return Response(TransferSerializer(self.fresh(transfer)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Accept a transfer (receiving branch)"), description=_(
        "The member, with their history, points and dues, now belongs to the receiving branch."),
        request=DecisionSerializer, responses={200: TransferSerializer, **DECISION_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = self.get_object()
        data = self.body(DecisionSerializer)
        transfer = services.transfer_accept(actor=request.user, transfer=transfer, on=data["on"])
        return Response(TransferSerializer(self.fresh(transfer)).data)

    @extend_schema(summary=_("Send a transfer back (receiving branch)"), request=SendBackSerializer,
                   responses={200: TransferSerializer, **DECISION_ERRORS})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        transfer = self.get_object()
        data = self.body(SendBackSerializer)
        transfer = services.transfer_return(actor=request.user, transfer=transfer, note=data["note"], on=data["on"])
        return Response(TransferSerializer(self.fresh(transfer)).data)

    @extend_schema(summary=_("The letter's receipt came back: the member has left the district"), description=_(
        "The member's record leaves the district's records (its history stays); the answer is the transfer as "
        "it was completed."), request=DecisionSerializer, responses={200: TransferSerializer, **DECISION_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        transfer = self.get_object()
        data = self.body(DecisionSerializer)
        member, from_org = transfer.member, transfer.from_org
        done = services.transfer_complete_out(actor=request.user, transfer=transfer, on=data["on"])
        done.member, done.from_org = member, from_org  # the member record is gone; the answer names them
        return Response(TransferSerializer(done).data)


__all__ = ["TransferViewSet"]
