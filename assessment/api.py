"""REST API of the assessment: plans, scores (a unit's quarter score sheet), the published rankings, inspections
and their findings, interviews (约谈).

Reads through assessment.selectors (the pages' scope), writes through assessment.services (the pages' rules and
messages). Inspections are unannounced: a unit sees its own once published. State changes are sub-routes: an
inspection is published, a finding reported rectified, closed or reopened. Interviews: assessment/api_interviews.py.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from accounts.api_permissions import WorksOnTree
from core.api import BoundedDateField
from . import selectors, services
from .models import (
    Finding,
    FindingStatus,
    Indicator,
    Inspection,
    Plan,
    RankingRow,
    Score,
    UnitLevel,
)


def _body(serializer_class, request):
    body = serializer_class(data=request.data, context={"request": request})
    body.is_valid(raise_exception=True)
    return body.validated_data


def inline_body(name, **fields):
    return type(name, (serializers.Serializer,), dict(fields))


def _quarter_field(**kwargs):
    return serializers.RegexField(r"^(19|20|21)\d{2}Q[1-4]$", max_length=6,
                                  help_text=_("A quarter, e.g. 2026Q3."), **kwargs)


# --- plans -----------------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "position", "name", "max_score", "weight", "method"]


class PlanSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "year", "level", "name", "party_building_share", "indicators", "created_at"]


class PlanFilter(filters.FilterSet):
    year = filters.NumberFilter()
    level = filters.ChoiceFilter(choices=UnitLevel.choices)

    class Meta:
        model = Plan
        fields = ["year", "level"]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """The yearly assessment plans of each kind of unit, with their indicators (maximum score, weight, method)."""

    serializer_class = PlanSerializer
    permission_classes = [WorksOnTree]
    filterset_class = PlanFilter
    ordering = ["-year", "level"]
    ordering_fields = ["year", "id"]

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user)


# --- scores ----------------------------------------------------------------------------------------------


class ScoreSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit_name = serializers.SerializerMethodField()
    entered_by = serializers.CharField(source="entered_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Score
        fields = ["id", "quarter", "level", "org", "department", "unit_name", "indicator", "indicator_name", "score",
                  "max_score", "weight", "evidence", "entered_by", "entered_at"]

    def get_unit_name(self, obj) -> str:
        return (obj.org or obj.department).name


class ScoreFilter(filters.FilterSet):
    quarter = filters.CharFilter()
    level = filters.ChoiceFilter(choices=UnitLevel.choices)
    org = filters.NumberFilter(field_name="org_id")
    department = filters.NumberFilter(field_name="department_id")

    class Meta:
        model = Score
        fields = ["quarter", "level", "org", "department"]


class SheetLine(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=True)
    evidence = serializers.CharField(allow_blank=True, max_length=5000)


class ScoreSheet(serializers.Serializer):
    org = serializers.IntegerField(required=False, min_value=1, help_text=_("The street or community scored."))
    department = serializers.IntegerField(required=False, min_value=1, help_text=_("Or the department scored."))
    quarter = _quarter_field()
    scores = SheetLine(many=True, max_length=100)


class ScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The scores of the units you score: district staff every unit, a street secretary their street's
    communities. `POST` enters (or corrects) one unit's quarter sheet, all lines or none."""

    serializer_class = ScoreSerializer
    permission_classes = [WorksOnTree]
    filterset_class = ScoreFilter
    ordering = ["-quarter", "level", "org_id", "department_id", "indicator__position", "id"]
    ordering_fields = ["quarter", "id"]

    def get_queryset(self):
        return selectors.score_list(user=self.request.user)

    @extend_schema(request=ScoreSheet, responses={201: ScoreSerializer(many=True)},
                   summary=_("Enter a unit's scores for a quarter (all lines or none)"))
    def create(self, request, *args, **kwargs):
        data = _body(ScoreSheet, request)
        if bool(data.get("org")) == bool(data.get("department")):
            raise ApiValidationError({"org": [_("Give either the unit (org) or the department.")]})
        if data.get("org"):
            unit = selectors.unit_for(user=request.user, kind="org", pk=data["org"])
        else:
            unit = selectors.unit_for(user=request.user, kind="department", pk=data["department"])
        if unit is None:
            raise Http404
        wanted = [line["indicator"] for line in data["scores"]]
        indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=wanted).select_related("plan")}
        unknown = [pk for pk in wanted if pk not in indicators]
        if unknown:
            raise ApiValidationError({"scores": {str(pk): {"indicator": [_("Choose an indicator.")]}
                                                 for pk in unknown}})
        sheet = {indicators[line["indicator"]]: (line["score"], line["evidence"]) for line in data["scores"]}
        try:
            written = services.unit_quarter_scores_enter(actor=request.user, unit=unit, quarter=data["quarter"],
                                                         scores=sheet)
        except services.ScoreSheetError as exc:
            raise ApiValidationError({"scores": {
                str(pk): (err.message_dict if hasattr(err, "error_dict") else {"score": err.messages})
                for pk, err in exc.by_indicator.items()}}) from exc
        rows = self.get_queryset().filter(pk__in=[s.pk for s in written])
        return Response(ScoreSerializer(rows, many=True).data, status=201)


# --- rankings --------------------------------------------------------------------------------------------


class RankingRowSerializer(serializers.ModelSerializer):
    quarter = serializers.CharField(source="snapshot.quarter", read_only=True)
    level = serializers.CharField(source="snapshot.level", read_only=True)
    taken_at = serializers.DateTimeField(source="snapshot.taken_at", read_only=True)
    breakdown = serializers.JSONField(read_only=True)

    class Meta:
        model = RankingRow
        fields = ["id", "quarter", "level", "taken_at", "org", "department", "unit_code", "unit_name", "parent_name",
                  "rank", "total", "previous_rank", "previous_total", "interview_suggested", "breakdown"]


class RankingFilter(filters.FilterSet):
    quarter = filters.CharFilter(field_name="snapshot__quarter")
    level = filters.ChoiceFilter(field_name="snapshot__level", choices=UnitLevel.choices)

    class Meta:
        model = RankingRow
        fields = ["quarter", "level"]


class RankingViewSet(viewsets.ReadOnlyModelViewSet):
    """The published quarterly rankings (snapshots, never recomputed), cut to the units you see."""

    serializer_class = RankingRowSerializer
    permission_classes = [WorksOnTree]
    filterset_class = RankingFilter
    search_fields = ["unit_name", "=unit_code"]
    ordering = ["-snapshot__quarter", "snapshot__level", "rank", "unit_code", "id"]
    ordering_fields = ["rank", "total", "id"]

    def get_queryset(self):
        return selectors.ranking_row_list(user=self.request.user)


# --- inspections and findings ----------------------------------------------------------------------------


class FollowUpSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    author = serializers.CharField(source="author.username", allow_null=True, default=None)


class FindingSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "inspection", "org", "org_name", "description", "found_on", "deadline", "status",
                  "closed_on", "escalated_on"]


class FindingDetailSerializer(FindingSerializer):
    followups = FollowUpSerializer(many=True, read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = FindingSerializer.Meta.fields + ["followups"]


class InspectionSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    inspector = serializers.CharField(source="inspector.username", read_only=True)
    findings_count = serializers.IntegerField(read_only=True, default=0)
    open_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Inspection
        fields = ["id", "month", "org", "org_name", "inspector", "visited_on", "summary", "published_at",
                  "findings_count", "open_count"]


class InspectionFilter(filters.FilterSet):
    month = filters.CharFilter()
    org = filters.NumberFilter(field_name="org_id")
    published = filters.BooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Inspection
        fields = ["month", "org", "published"]


@extend_schema_field(OpenApiTypes.INT)
class _OrgField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        from grids.selectors import org_list

        return org_list(user=self.context["request"].user)


InspectionVisit = inline_body(
    "InspectionVisit", org=_OrgField(help_text=_("The unit inspected (id).")), visited_on=BoundedDateField(),
    summary=serializers.CharField(max_length=20000),
    finding=serializers.CharField(required=False, allow_blank=True, max_length=20000,
                                  help_text=_("The first finding, if any.")),
    deadline=BoundedDateField(required=False, allow_null=True, help_text=_("The finding's rectification deadline.")))
NewFinding = inline_body("NewFinding", description=serializers.CharField(max_length=20000),
                         deadline=BoundedDateField())
FollowUpBody = inline_body("FindingFollowUp", note=serializers.CharField(max_length=20000),
                           on=BoundedDateField(required=False, help_text=_("The day (default: today).")))


class InspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Unannounced inspections (督查): district staff and inspectors see all, a unit its own once published.
    An inspector records a visit (`POST`) and its findings; the district publishes it on the notice list."""

    serializer_class = InspectionSerializer
    permission_classes = [WorksOnTree]
    filterset_class = InspectionFilter
    search_fields = ["org__name", "summary"]
    ordering = ["-visited_on", "-id"]
    ordering_fields = ["visited_on", "id"]

    def get_queryset(self):
        return selectors.inspections(user=self.request.user)

    def _reread(self, obj, status_code=200):
        return Response(InspectionSerializer(self.get_queryset().get(pk=obj.pk)).data, status=status_code)

    @extend_schema(request=InspectionVisit, responses={201: InspectionSerializer},
                   summary=_("Record an inspection visit and its first finding (inspectors)"))
    def create(self, request, *args, **kwargs):
        d = _body(InspectionVisit, request)
        inspection = services.inspection_visit_record(
            actor=request.user, org=d["org"], visited_on=d["visited_on"], summary=d["summary"],
            finding=d.get("finding", ""), deadline=d.get("deadline"))
        return self._reread(inspection, 201)

    @extend_schema(request=None, responses=InspectionSerializer,
                   summary=_("Publish the inspection on the notice list (district staff)"))
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._reread(services.inspection_publish(actor=request.user, inspection=self.get_object()))

    @extend_schema(request=NewFinding, responses={201: FindingSerializer},
                   summary=_("Add a finding to your inspection"))
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        d = _body(NewFinding, request)
        finding = services.finding_add(actor=request.user, inspection=self.get_object(),
                                       description=d["description"], deadline=d["deadline"])
        return Response(FindingSerializer(finding).data, status=201)


class FindingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FindingStatus.choices)
    org = filters.NumberFilter(field_name="org_id")
    inspection = filters.NumberFilter(field_name="inspection_id")

    class Meta:
        model = Finding
        fields = ["status", "org", "inspection"]


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Findings of inspections and their rectification: the unit reports one rectified, the inspector (or the
    district) closes or reopens it; every step is kept as a follow-up."""

    permission_classes = [WorksOnTree]
    filterset_class = FindingFilter
    search_fields = ["description", "org__name"]
    ordering = ["deadline", "id"]
    ordering_fields = ["deadline", "found_on", "id"]

    def get_queryset(self):
        qs = selectors.findings(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("followups", "followups__author")
        return qs

    def get_serializer_class(self):
        return FindingSerializer if self.action == "list" else FindingDetailSerializer

    def _step(self, request, status):
        d = _body(FollowUpBody, request)
        finding = self.get_object()
        services.finding_follow_up(actor=request.user, finding=finding, note=d["note"], status=status,
                                   on=d.get("on"))
        return Response(FindingDetailSerializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(request=FollowUpBody, responses=FindingDetailSerializer,
                   summary=_("Report the finding rectified (the unit)"))
    @action(detail=True, methods=["post"], url_path="report-rectified")
    def report_rectified(self, request, pk=None):
        return self._step(request, FindingStatus.RECTIFIED)

    @extend_schema(request=FollowUpBody, responses=FindingDetailSerializer,
                   summary=_("Close the finding, the rectification checked (the inspector)"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, FindingStatus.CLOSED)

    @extend_schema(request=FollowUpBody, responses=FindingDetailSerializer,
                   summary=_("Reopen the finding: the rectification is not enough (the inspector)"))
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(request, FindingStatus.OPEN)


__all__ = ["PlanViewSet", "ScoreViewSet", "RankingViewSet", "InspectionViewSet", "FindingViewSet", "_body",
           "inline_body"]
