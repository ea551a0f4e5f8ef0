"""REST API of the coverage and community records (两新组织, instructors, stations, red homes, pairings and joint
meetings, residents' issues, village visits, star ratings, weak organizations); dues refunds in community/api_refunds.py.

Every list comes from community.selectors (the admin's scope), every write goes through community.services (the
admin's rules and messages): a record outside the caller's area answers 404, one they see but may not change 403.
State changes are sub-routes: an issue advances along 一征三议两公开, a visit's transferred matter completes, a weak
organization's flag closes, an instructor is assigned to a two-new organization.
"""

from django.db.models import ProtectedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_permissions import WorksOnTree
from accounts.scopes import resolve_scope
from core.api import BoundedDateField
from core.api_schema import conflict_response
from core.errors import ConflictError
from grids.models import Level, OrgNode
from grids.selectors import org_list, under_visible_node

from . import selectors, services
from .models import (
    Coverage,
    Instructor,
    IssueCategory,
    IssueStage,
    JointMeeting,
    OrgKind,
    Pairing,
    RedHome,
    ResidentIssue,
    ResidentUnit,
    ServiceStation,
    StarRating,
    StationKind,
    TwoNewOrg,
    VillageVisit,
    VisitOutcome,
    WeakOrgFlag,
)


@extend_schema_field(OpenApiTypes.INT)
class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record chosen by id among those the caller sees (another area's id answers "not found")."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.selector(user=request.user) if request is not None else OrgNode.objects.none()


def inline_body(name, **fields):
    """A request body of a state change, named for the schema."""
    return type(name, (serializers.Serializer,), dict(fields))


class RecordSerializer(serializers.ModelSerializer):
    node = ScopedRelatedField(org_list, help_text=_("The party organization the record belongs to (id)."))
    node_name = serializers.CharField(source="node.name", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    class Meta:
        base = ["id", "node", "node_name"]
        tail = ["created_at", "updated_at"]


def _fields(*names):
    return RecordSerializer.Meta.base + list(names) + RecordSerializer.Meta.tail


def _mask_phone(value):
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else ("*" * len(value))


class InstructorSerializer(RecordSerializer):
    appointed_on = BoundedDateField()
    organizations_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Instructor
        fields = _fields("name", "phone", "full_time", "appointed_on", "organizations_count")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if data.get("phone") and (request is None or not resolve_scope(request.user).covers(instance.node,
                                                                                              write=True)):
            data["phone"] = _mask_phone(data["phone"])  # masked unless the caller may change the record
        return data


class TwoNewOrgSerializer(RecordSerializer):
    registered_on = BoundedDateField()
    instructor = ScopedRelatedField(selectors.instructor_list, allow_null=True, required=False)
    instructor_name = serializers.CharField(source="instructor.name", read_only=True, allow_null=True, default=None)
    rule_broken = serializers.BooleanField(read_only=True, default=False, help_text=_(
        "3 or more party members and no party organization of its own."))

    class Meta:
        model = TwoNewOrg
        fields = _fields("kind", "name", "credit_code", "registered_on", "address", "employees", "party_members",
                         "coverage", "instructor", "instructor_name", "rule_broken")


class StationSerializer(RecordSerializer):
    opened_on = BoundedDateField()
    host = ScopedRelatedField(selectors.two_new_org_list, allow_null=True, required=False)

    class Meta:
        model = ServiceStation
        fields = _fields("kind", "name", "host", "enterprises_covered", "opened_on")


class RedHomeSerializer(RecordSerializer):
    opened_on = BoundedDateField()

    class Meta:
        model = RedHome
        fields = _fields("name", "address", "area_m2", "opened_on")


class UnitSerializer(RecordSerializer):
    class Meta:
        model = ResidentUnit
        fields = _fields("name", "party_organization", "contact")


class PairingSerializer(RecordSerializer):
    unit = ScopedRelatedField(selectors.unit_list)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    started_on = BoundedDateField()
    ended_on = BoundedDateField(allow_null=True, required=False)

    class Meta:
        model = Pairing
        fields = _fields("unit", "unit_name", "started_on", "ended_on")


class JointMeetingSerializer(RecordSerializer):
    held_on = BoundedDateField()

    class Meta:
        model = JointMeeting
        fields = _fields("held_on", "topic", "units_attending", "problems_raised", "problems_resolved",
                         "agreements_signed", "joint_services")


class IssueSerializer(RecordSerializer):
    raised_on = BoundedDateField()

    class Meta:
        model = ResidentIssue
        fields = _fields("title", "category", "raised_on", "stage", "resolved_on", "resolution")
        read_only_fields = ["stage", "resolved_on", "resolution"]


class VisitSerializer(RecordSerializer):
    visited_on = BoundedDateField()

    class Meta:
        model = VillageVisit
        fields = _fields("visited_on", "visitor", "matter", "outcome", "completed_on")
        read_only_fields = ["completed_on"]


class RatingSerializer(RecordSerializer):
    rated_on = BoundedDateField()
    rated_by = serializers.CharField(source="rated_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = StarRating
        fields = _fields("stars", "rated_on", "note", "rated_by")


class WeakFlagSerializer(RecordSerializer):
    flagged_on = BoundedDateField()
    deadline = BoundedDateField(allow_null=True, required=False)

    class Meta:
        model = WeakOrgFlag
        fields = _fields("flagged_on", "reasons", "rectification_plan", "first_secretary", "deadline", "closed_on",
                         "closure_note")
        read_only_fields = ["closed_on", "closure_note"]


# --- filters: the admin's list_filter -----------------------------------------------------------------------


class RecordFilter(filters.FilterSet):
    street = filters.NumberFilter(method="filter_street", label=_("street (id)"))

    def filter_street(self, queryset, name, value):
        return under_visible_node(queryset, user=self.request.user, pk=value, prefix="node__", level=Level.STREET)


def record_filter(model, **extra):
    attrs = dict(extra)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": ["street", *extra]})
    return type(f"{model.__name__}Filter", (RecordFilter,), attrs)


class RuleBrokenFilter(filters.BooleanFilter):
    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(selectors.RULE_BROKEN if value else ~selectors.RULE_BROKEN)


# --- the views ---------------------------------------------------------------------------------------------


class RecordViewSet(viewsets.ModelViewSet):
    """Base of the record endpoints: list, read, create (the named service), change and delete (the services'
    scope check and validation)."""

    permission_classes = [WorksOnTree]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    selector = None
    create_service = None
    ordering = ["node__path", "id"]
    ordering_fields = ["id"]

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = type(self).create_service(actor=request.user, **serializer.validated_data)
        response = self._reread(obj)
        response.status_code = 201
        return response

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self._reread(obj)

    def perform_update(self, serializer):
        obj = serializer.instance
        original = obj.node
        for field, value in serializer.validated_data.items():
            setattr(obj, field, value)
        services.record_save(actor=self.request.user, obj=obj, original_node=original)

    @extend_schema(responses={204: None, 409: conflict_response(
        in_use=_("Other records still point at this one (a station it hosts, a dues refund): it stays."))})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        try:
            services.record_delete(actor=self.request.user, obj=instance)
        except ProtectedError as exc:
            raise ConflictError(gettext("Other records still point at this one: it cannot be deleted."),
                                code="in_use") from exc

    def _reread(self, obj):
        return Response(self.get_serializer_class()(self.get_queryset().get(pk=obj.pk),
                                                    context=self.get_serializer_context()).data)


def _view(model, serializer, selector, create, *, filterset=None, search=(), ordering=None, ordering_fields=(),
          doc=""):
    attrs = {"serializer_class": serializer, "selector": staticmethod(selector), "create_service": staticmethod(create),
             "filterset_class": filterset or record_filter(model), "search_fields": list(search),
             "__doc__": doc}
    if ordering:
        attrs["ordering"] = ordering
    if ordering_fields:
        attrs["ordering_fields"] = ["id", *ordering_fields]
    return attrs


InstructorViewSet = type("InstructorViewSet", (RecordViewSet,), _view(
    Instructor, InstructorSerializer, selectors.instructor_list, services.instructor_create,
    filterset=record_filter(Instructor, full_time=filters.BooleanFilter()), search=["name", "=phone"],
    ordering_fields=["name", "appointed_on"],
    doc="Party-building instructors (党建指导员) sent to two-new organizations; a phone is masked unless you may "
        "change the record."))


AssignInstructor = inline_body("AssignInstructor", instructor=ScopedRelatedField(selectors.instructor_list))


class TwoNewOrgViewSet(RecordViewSet):
    """Two-new organizations (两新组织): enterprises and social organizations, their party coverage and instructor;
    `rule_broken` flags 3 or more party members without their own organization."""

    serializer_class = TwoNewOrgSerializer
    selector = staticmethod(selectors.two_new_org_list)
    create_service = staticmethod(services.two_new_org_create)
    filterset_class = record_filter(TwoNewOrg, kind=filters.ChoiceFilter(choices=OrgKind.choices),
                                    coverage=filters.ChoiceFilter(choices=Coverage.choices),
                                    rule_broken=RuleBrokenFilter())
    search_fields = ["name", "=credit_code"]
    ordering_fields = ["id", "name", "party_members", "registered_on"]

    @extend_schema(request=AssignInstructor, responses=TwoNewOrgSerializer, summary=_(
        "Assign an instructor (an organization without coverage becomes covered by the instructor)"))
    @action(detail=True, methods=["post"], url_path="assign-instructor")
    def assign_instructor(self, request, pk=None):
        body = AssignInstructor(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        org = services.instructor_assign(actor=request.user, org=self.get_object(),
                                         instructor=body.validated_data["instructor"])
        return self._reread(org)


StationViewSet = type("StationViewSet", (RecordViewSet,), _view(
    ServiceStation, StationSerializer, selectors.station_list, services.station_create,
    filterset=record_filter(ServiceStation, kind=filters.ChoiceFilter(choices=StationKind.choices)),
    search=["name"], ordering_fields=["name", "opened_on"],
    doc="Party-mass service stations (党群服务站) of buildings, parks and markets."))

RedHomeViewSet = type("RedHomeViewSet", (RecordViewSet,), _view(
    RedHome, RedHomeSerializer, selectors.red_home_list, services.red_home_create, search=["name"],
    filterset=record_filter(RedHome), doc="Each street's red home (红色家园)."))

UnitViewSet = type("UnitViewSet", (RecordViewSet,), _view(
    ResidentUnit, UnitSerializer, selectors.unit_list, services.unit_create, search=["name"],
    doc="Units resident in the area (驻区单位) that pair with streets and communities."))

PairingViewSet = type("PairingViewSet", (RecordViewSet,), _view(
    Pairing, PairingSerializer, selectors.pairing_list, services.pairing_create, search=["unit__name"],
    ordering_fields=["started_on"], doc="Pairings (结对共建) of a street or community with a resident unit."))

MeetingViewSet = type("MeetingViewSet", (RecordViewSet,), _view(
    JointMeeting, JointMeetingSerializer, selectors.meeting_list, services.meeting_record, search=["topic"],
    ordering=["-held_on", "-id"], ordering_fields=["held_on"],
    doc="Joint meetings (联席会议) of a street or community with its resident units."))

IssueAdvance = inline_body(
    "IssueAdvance",
    resolution=serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                     help_text=_("Required for the last step (resolved).")),
    on=BoundedDateField(required=False, help_text=_("The day it was resolved (default: today).")))
DayBody = inline_body("CompleteVisit", on=BoundedDateField(required=False, help_text=_("The day (default: today).")))
CloseFlag = inline_body("CloseWeakFlag", closure_note=serializers.CharField(max_length=5000),
                        on=BoundedDateField(required=False, help_text=_("The day (default: today).")))


def _body(serializer_class, request):
    body = serializer_class(data=request.data, context={"request": request})
    body.is_valid(raise_exception=True)
    return body.validated_data


class IssueViewSet(RecordViewSet):
    """Residents' issues handled by 一征三议两公开: solicited, proposed, deliberated, decided, resolved (its result
    published). `POST .../advance/` moves one step; the last step needs the resolution."""

    serializer_class = IssueSerializer
    selector = staticmethod(selectors.issue_list)
    create_service = staticmethod(services.issue_create)
    filterset_class = record_filter(ResidentIssue, stage=filters.ChoiceFilter(choices=IssueStage.choices),
                                    category=filters.ChoiceFilter(choices=IssueCategory.choices))
    search_fields = ["title"]
    ordering = ["-raised_on", "-id"]
    ordering_fields = ["id", "raised_on"]

    @extend_schema(request=IssueAdvance, responses=IssueSerializer,
                   summary=_("Move the issue one step along 一征三议两公开"))
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        body = _body(IssueAdvance, request)
        issue = services.issue_advance(actor=request.user, issue=self.get_object(),
                                       resolution=body.get("resolution", ""), on=body.get("on"))
        return self._reread(issue)


class VisitViewSet(RecordViewSet):
    """The village visit log (村民来访): each visit's matter and outcome; a transferred matter is completed later
    (`POST .../complete/`)."""

    serializer_class = VisitSerializer
    selector = staticmethod(selectors.visit_list)
    create_service = staticmethod(services.visit_record)
    filterset_class = record_filter(VillageVisit, outcome=filters.ChoiceFilter(choices=VisitOutcome.choices))
    search_fields = ["visitor", "matter"]
    ordering = ["-visited_on", "-id"]
    ordering_fields = ["id", "visited_on"]

    @extend_schema(request=DayBody, responses=VisitSerializer, summary=_("Complete a transferred matter"))
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = _body(DayBody, request)
        visit = services.visit_complete(actor=request.user, visit=self.get_object(), on=body.get("on"))
        return self._reread(visit)


class RatingViewSet(RecordViewSet):
    """Star ratings (星级评定) of building groups: every rating stays as the group's history."""

    serializer_class = RatingSerializer
    selector = staticmethod(selectors.rating_list)
    create_service = staticmethod(services.rating_record)
    filterset_class = record_filter(StarRating, stars=filters.NumberFilter())
    search_fields = ["node__name", "=node__code"]
    ordering = ["-rated_on", "-id"]
    ordering_fields = ["id", "rated_on", "stars"]

    def get_queryset(self):
        return super().get_queryset().select_related("rated_by")


class WeakFlagViewSet(RecordViewSet):
    """Weak and lax party organizations (软弱涣散): flagged with reasons, a rectification plan and a deadline;
    `POST .../close/` closes a flag once rectified (its plan must be on file)."""

    serializer_class = WeakFlagSerializer
    selector = staticmethod(selectors.weak_flag_list)
    create_service = staticmethod(services.weak_flag_open)
    filterset_class = record_filter(WeakOrgFlag, open=filters.BooleanFilter(
        field_name="closed_on", lookup_expr="isnull", label=_("still open")))
    search_fields = ["node__name", "first_secretary"]
    ordering = ["-flagged_on", "-id"]
    ordering_fields = ["id", "flagged_on", "deadline"]

    @extend_schema(request=CloseFlag, responses=WeakFlagSerializer, summary=_("Close the flag, the rectification done"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = _body(CloseFlag, request)
        flag = services.weak_flag_close(actor=request.user, flag=self.get_object(),
                                        closure_note=body["closure_note"], on=body.get("on"))
        return self._reread(flag)
