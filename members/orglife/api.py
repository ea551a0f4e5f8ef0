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
from members.rules import duty_period_end

from . import services
from .models import Attendance, DutyDone, DutyItem, Frequency, Meeting, MeetingKind
from .selectors import duty_done_list, meeting_list


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
        responses={200: MeetingSerializer(many=True), **error_responses(400)}),
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


class DutyDoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    org = serializers.IntegerField(source="org_id", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    frequency = serializers.ChoiceField(source="item.frequency", choices=Frequency.choices, read_only=True)
    period = serializers.CharField(read_only=True)
    done_on = serializers.DateField(read_only=True)
    on_time = serializers.BooleanField(read_only=True)
    meeting = serializers.IntegerField(source="meeting_id", read_only=True, allow_null=True)


class DutyMarkSerializer(serializers.Serializer):
    org = serializers.PrimaryKeyRelatedField(queryset=org_list(user=None), help_text=_(
        "The party branch (a community, village, grid or building group) the caller may change."))
    item = serializers.PrimaryKeyRelatedField(queryset=DutyItem.objects.all())
    done_on = BoundedDateField()
    period = serializers.RegexField(r"^\d{4}(-W\d{2}|-\d{2}|Q[1-4]|H[12])?$", max_length=10, required=False,
                                    allow_null=True, default=None, help_text=_(
                                        "Empty: the period the date falls in (2026-W14, 2026-04, 2026Q2 …)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org"].queryset = org_list(user=request.user, write=True)

    def validate_period(self, value):
        if value:
            try:
                duty_period_end(value)
            except ValueError:
                raise serializers.ValidationError(_("This is not a period of the item's frequency.")) from None
        return value


class DutyRedateSerializer(serializers.Serializer):
    done_on = BoundedDateField()


class DutyDoneFilter(tree_filterset("org__")):
    on_time = filters.BooleanFilter()
    frequency = filters.ChoiceFilter(field_name="item__frequency", choices=Frequency.choices)

    class Meta:
        model = DutyDone
        fields = ["on_time", "frequency", "street", "community", "subtree"]


@extend_schema_view(
    list=extend_schema(summary=_("List duty checklist items done"), description=_(
        "Checklist items ticked off by the branches of the caller's area (meetings tick theirs by themselves)."),
        responses={200: DutyDoneSerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A duty checklist item done"),
                           responses={200: DutyDoneSerializer, **error_responses(404)}),
    create=extend_schema(summary=_("Tick off a duty checklist item"), description=_(
        "Done after the period's end, it counts as done late."), request=DutyMarkSerializer,
        responses={201: DutyDoneSerializer, **error_responses(400, 403)}),
    partial_update=extend_schema(summary=_("Correct the date an item was done"), request=DutyRedateSerializer,
                                 responses={200: DutyDoneSerializer, **ERRORS}),
)
class DutyDoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = duty_done_list
    serializer_class = DutyDoneSerializer
    filterset_class = DutyDoneFilter
    search_fields = ["org__name", "item__name", "period"]
    ordering_fields = ["done_on", "id"]
    ordering = ["-done_on", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return duty_done_list(user=self.request.user).select_related("org", "item")

    def create(self, request):
        data = self.body(DutyMarkSerializer)
        duty = services.duty_mark_done(actor=request.user, **data)
        return Response(DutyDoneSerializer(self.fresh(duty)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        duty = self.get_object()
        data = self.body(DutyRedateSerializer)
        duty = services.duty_redate(actor=request.user, duty=duty, done_on=data["done_on"])
        return Response(DutyDoneSerializer(self.fresh(duty)).data)


__all__ = ["MeetingViewSet", "DutyDoneViewSet"]
