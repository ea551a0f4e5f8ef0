"""REST API of organizational life 三会一课: `/api/v1/meetings/` lists the branch meetings of the caller's area
with their present and absent counts; a meeting's detail has its attendance. `POST` records a meeting with its
attendance (present members earn their points), `POST …/attendance/` records or corrects attendance (until the
review), `POST …/review/` is the level above's review. Writes go through members.orglife.services, reads through
its selectors."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from core.errors import ValidationError
from grids.selectors import org_list
from members.api_common import MemberWorkViewSet, OpinionSerializer, tree_filterset
from members.records.models import Member
from members.records.selectors import member_list

from . import services
from .models import Attendance, Meeting, MeetingKind
from .selectors import meeting_list


class AttendanceSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    present = serializers.BooleanField(read_only=True)
    absence_reason = serializers.CharField(read_only=True)


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    org = serializers.IntegerField(source="org_id", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, read_only=True)
    held_on = serializers.DateField(read_only=True)
    topic = serializers.CharField(read_only=True)
    present_count = serializers.IntegerField(read_only=True)
    absent_count = serializers.IntegerField(read_only=True)
    reviewed_on = serializers.DateField(read_only=True, allow_null=True)
    reviewed_by = serializers.SerializerMethodField()

    def get_reviewed_by(self, obj) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by_id else None


class MeetingDetailSerializer(MeetingSerializer):
    minutes = serializers.CharField(read_only=True)
    review_opinion = serializers.CharField(read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)


class AbsenceSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none())
    reason = serializers.CharField(max_length=100)


class MeetingRecordSerializer(serializers.Serializer):
    org = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), help_text=_(
        "The party branch (a community, village, grid or building group) the caller may change."))
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_on = BoundedDateField()
    topic = serializers.CharField(max_length=200)
    minutes = serializers.CharField(max_length=20000)
    present = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), many=True, help_text=_(
        "The members present (ids)."))
    absent = AbsenceSerializer(many=True, required=False, default=list, help_text=_(
        "The expected members who were not there, each with the reason."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            writable = member_list(user=request.user, write=True)
            self.fields["org"].queryset = org_list(user=request.user, write=True)
            self.fields["present"].child_relation.queryset = writable
            self.fields["absent"].child.fields["member"].queryset = writable


class AttendanceRowSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none())
    present = serializers.BooleanField()
    absence_reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AttendanceSetSerializer(serializers.Serializer):
    rows = AttendanceRowSerializer(many=True, allow_empty=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["rows"].child.fields["member"].queryset = member_list(user=request.user, write=True)


class AttendanceResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class MeetingFilter(tree_filterset("org__")):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    reviewed = filters.BooleanFilter(field_name="reviewed_on", lookup_expr="isnull", exclude=True,
                                     label=_("reviewed by the level above"))

    class Meta:
        model = Meeting
        fields = ["kind", "street", "community", "subtree", "reviewed"]


ERRORS = error_responses(400, 403, 404)


@extend_schema_view(
    list=extend_schema(summary=_("List branch meetings"), description=_(
        "Meetings of the branches in the caller's area, with their present and absent counts."),
        responses={200: MeetingSerializer(many=True), **error_responses()}),
    retrieve=extend_schema(summary=_("A branch meeting with its attendance"),
                           responses={200: MeetingDetailSerializer, **error_responses(404)}),
    create=extend_schema(summary=_("Record a branch meeting with its attendance"), description=_(
        "Present members earn the meeting's organizational-life points; the checklist item the meeting does is "
        "ticked off."), request=MeetingRecordSerializer, responses={201: MeetingDetailSerializer, **ERRORS}),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = meeting_list
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    search_fields = ["topic", "org__name"]
    ordering_fields = ["held_on", "id"]
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        queryset = meeting_list(user=self.request.user)
        if self.action != "list":
            queryset = queryset.prefetch_related(Prefetch(
                "attendance", queryset=Attendance.objects.select_related("member").order_by("member__name", "pk")))
        return queryset

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def create(self, request):
        data = self.body(MeetingRecordSerializer)
        absent = {row["member"]: row["reason"] for row in data["absent"]}
        if len(absent) != len(data["absent"]):
            raise ValidationError({"absent": [_("A member cannot be both present and absent.")]})
        meeting = services.meeting_record(
            actor=request.user, org=data["org"], kind=data["kind"], held_on=data["held_on"], topic=data["topic"],
            minutes=data["minutes"], present=data["present"], absent=absent)
        return Response(MeetingDetailSerializer(self.fresh(meeting)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Record or correct a meeting's attendance"), description=_(
        "Each row sets one member's attendance; a member newly present earns the meeting's points, one no longer "
        "present loses them. Refused once the level above has reviewed the meeting."),
        request=AttendanceSetSerializer, responses={200: AttendanceResultSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        meeting = self.get_object()
        data = self.body(AttendanceSetSerializer)
        created, updated = services.meeting_attendance_set(actor=request.user, rows=[
            (meeting, row["member"], row["present"], row["absence_reason"]) for row in data["rows"]])
        return Response({"created": created, "updated": updated})

    @extend_schema(summary=_("Review a meeting (the level above)"), request=OpinionSerializer,
                   responses={200: MeetingDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        meeting = self.get_object()
        data = self.body(OpinionSerializer)
        meeting = services.meeting_review(actor=request.user, meeting=meeting, opinion=data["opinion"],
                                          on=data["on"])
        return Response(MeetingDetailSerializer(self.fresh(meeting)).data)


__all__ = ["MeetingViewSet"]
