"""REST API of interviews (约谈): the district interviews street secretaries and departments, a street its
community secretaries. Reads through assessment.selectors.interviews, writes through assessment.services; a proposed
interview is held or dismissed, a held one gets its agreed actions and is closed (sub-routes)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from accounts.api_permissions import WorksOnTree
from core.api import BoundedDateField

from . import selectors, services
from .api import _body, inline_body
from .models import Interview, InterviewAction, InterviewReason, InterviewStatus


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterviewAction
        fields = ["id", "description", "owner_name", "deadline", "done_on", "done_note"]


class InterviewSerializer(serializers.ModelSerializer):
    unit_name = serializers.SerializerMethodField()
    interviewer = serializers.CharField(source="interviewer.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Interview
        fields = ["id", "org", "department", "unit_name", "interviewee", "interviewer", "reason", "detail", "status",
                  "quarter", "ranking_row", "finding", "held_on", "outcome", "follow_up_on", "closed_on",
                  "closing_note", "dismissed_reason", "created_at"]

    def get_unit_name(self, obj) -> str:
        return (obj.org or obj.department).name


class InterviewDetailSerializer(InterviewSerializer):
    actions = ActionSerializer(many=True, read_only=True)

    class Meta(InterviewSerializer.Meta):
        fields = InterviewSerializer.Meta.fields + ["minutes", "actions"]


class InterviewFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=InterviewStatus.choices)
    reason = filters.ChoiceFilter(choices=InterviewReason.choices)
    quarter = filters.CharFilter()
    org = filters.NumberFilter(field_name="org_id")

    class Meta:
        model = Interview
        fields = ["status", "reason", "quarter", "org"]


_held = dict(
    reason=serializers.ChoiceField(choices=InterviewReason.choices), interviewee=serializers.CharField(max_length=50),
    held_on=BoundedDateField(), outcome=serializers.CharField(max_length=20000),
    follow_up_on=BoundedDateField(required=False, allow_null=True),
    minutes=serializers.CharField(required=False, allow_blank=True, max_length=50000),
)
NewInterview = inline_body(
    "NewInterview", org=serializers.IntegerField(required=False, min_value=1, help_text=_("The unit interviewed.")),
    department=serializers.IntegerField(required=False, min_value=1, help_text=_("Or the department.")),
    detail=serializers.CharField(required=False, allow_blank=True, max_length=2000), **_held)
HoldInterview = inline_body("HoldInterview", **_held)
NewAction = inline_body("NewInterviewAction", description=serializers.CharField(max_length=20000),
                        owner_name=serializers.CharField(max_length=50), deadline=BoundedDateField())
ActionDone = inline_body("InterviewActionDone", action=serializers.IntegerField(min_value=1),
                         note=serializers.CharField(max_length=20000),
                         done_on=BoundedDateField(required=False, help_text=_("The day (default: today).")))
CloseInterview = inline_body("CloseInterview", note=serializers.CharField(max_length=20000))
DismissInterview = inline_body("DismissInterview", reason=serializers.CharField(max_length=20000))


class InterviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Interviews (约谈): the district interviews street secretaries and departments, a street its community
    secretaries. A proposed interview is held (`hold`) or dismissed; a held one gets its agreed actions, reported
    done by the unit, and is closed once all are done."""

    permission_classes = [WorksOnTree]
    filterset_class = InterviewFilter
    search_fields = ["interviewee"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "held_on", "id"]

    def get_queryset(self):
        qs = selectors.interviews(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("actions")
        return qs

    def get_serializer_class(self):
        return InterviewSerializer if self.action == "list" else InterviewDetailSerializer

    def _reread(self, obj, status_code=200):
        return Response(InterviewDetailSerializer(self.get_queryset().get(pk=obj.pk)).data, status=status_code)

    @extend_schema(request=NewInterview, responses={201: InterviewDetailSerializer},
                   summary=_("Record an interview held"))
    def create(self, request, *args, **kwargs):
        d = dict(_body(NewInterview, request))
        org, department = d.pop("org", None), d.pop("department", None)
        if bool(org) == bool(department):
            raise ApiValidationError({"org": [_("Give either the unit (org) or the department.")]})
        unit = (selectors.unit_for(user=request.user, kind="org", pk=org) if org
                else selectors.unit_for(user=request.user, kind="department", pk=department))
        if unit is None:
            raise Http404
        interview = services.interview_record(actor=request.user, unit=unit, **d)
        return self._reread(interview, 201)

    @extend_schema(request=HoldInterview, responses=InterviewDetailSerializer,
                   summary=_("Record a proposed interview as held"))
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        d = _body(HoldInterview, request)
        interview = self.get_object()
        services.interview_record(actor=request.user, unit=None, interview=interview, **d)
        return self._reread(interview)

    @extend_schema(request=NewAction, responses=InterviewDetailSerializer,
                   summary=_("Record an action agreed at the interview"))
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        d = _body(NewAction, request)
        interview = self.get_object()
        services.interview_action_add(actor=request.user, interview=interview, **d)
        return self._reread(interview)

    @extend_schema(request=ActionDone, responses=InterviewDetailSerializer,
                   summary=_("Report an agreed action done"))
    @action(detail=True, methods=["post"], url_path="action-done")
    def action_done(self, request, pk=None):
        d = _body(ActionDone, request)
        interview = self.get_object()
        agreed = interview.actions.filter(pk=d["action"]).first()
        if agreed is None:
            raise ApiValidationError({"action": [_("Choose an action of this interview.")]})
        services.interview_action_done(actor=request.user, action=agreed, note=d["note"], done_on=d.get("done_on"))
        return self._reread(interview)

    @extend_schema(request=CloseInterview, responses=InterviewDetailSerializer,
                   summary=_("Close the interview, every agreed action done"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        d = _body(CloseInterview, request)
        interview = self.get_object()
        services.interview_close(actor=request.user, interview=interview, note=d["note"])
        return self._reread(interview)

    @extend_schema(request=DismissInterview, responses=InterviewDetailSerializer,
                   summary=_("Dismiss a proposed interview, saying why"))
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        d = _body(DismissInterview, request)
        interview = self.get_object()
        services.interview_dismiss(actor=request.user, interview=interview, reason=d["reason"])
        return self._reread(interview)



__all__ = ["InterviewViewSet"]
