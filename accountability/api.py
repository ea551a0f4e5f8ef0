"""REST API of accountability: the stored year-end evaluation (outside contract: GET /api/v1/evaluations/?year=YYYY
lists the rows the caller may see with unit_code, unit_name, level, year, score, rank, grade, published)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from accounts.api_permissions import WorksOnTree
from assessment.models import UnitLevel

from .models import EvaluationRow, EvaluationStatus
from .selectors import evaluation_rows


class EvaluationSerializer(serializers.ModelSerializer):
    published = serializers.SerializerMethodField()
    breakdown = serializers.JSONField(read_only=True)

    class Meta:
        model = EvaluationRow
        fields = ["id", "unit_code", "unit_name", "parent_name", "level", "year", "score", "rank", "grade",
                  "published", "computed_score", "adjustment", "adjustment_reason", "breakdown"]

    def get_published(self, obj) -> bool:
        return obj.evaluation.status == EvaluationStatus.PUBLISHED


class EvaluationFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year", method="filter_year", label=_("year"))
    level = filters.ChoiceFilter(choices=UnitLevel.choices)

    class Meta:
        model = EvaluationRow
        fields = ["year", "level"]

    def filter_year(self, queryset, name, value):
        if value != int(value) or not 2000 <= value <= 2100:
            raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
        return queryset.filter(year=int(value))


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """The stored year-end evaluation, per unit, cut to the caller's scope; ranked within each level."""

    serializer_class = EvaluationSerializer
    permission_classes = [WorksOnTree]
    filterset_class = EvaluationFilter
    search_fields = ["unit_name", "=unit_code"]

    def get_queryset(self):
        from django.db.models import F

        return evaluation_rows(user=self.request.user).order_by("-year", "level", F("rank").asc(nulls_last=True),
                                                                 "unit_code")
