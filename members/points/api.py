"""REST API of points 积分: `/api/v1/points/` lists the points entries of members in the caller's area; `POST`
adds (or, negative, takes away) points with the reason, `PATCH` corrects an entry (the history keeps the old
values). Writes go through members.points.services, reads through its selectors."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from core.api import BoundedDateField, error_responses
from members.api_common import MemberWorkViewSet, tree_filterset
from members.records.models import Member
from members.records.selectors import member_list

from . import services
from .models import PointCategory, PointEntry
from .selectors import point_entry_list

POINTS = {"max_digits": 5, "decimal_places": 1}


class PointEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    org = serializers.IntegerField(source="member.org_id", read_only=True)
    org_name = serializers.CharField(source="member.org.name", read_only=True)
    on = serializers.DateField(read_only=True)
    category = serializers.ChoiceField(choices=PointCategory.choices, read_only=True)
    points = serializers.DecimalField(read_only=True, **POINTS)
    reason = serializers.CharField(read_only=True)
    meeting = serializers.IntegerField(source="meeting_id", read_only=True, allow_null=True, help_text=_(
        "The meeting whose attendance earned the points (counted from the meeting record)."))
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)


class PointChangeSerializer(serializers.Serializer):
    on = BoundedDateField()
    category = serializers.ChoiceField(choices=PointCategory.choices)
    points = serializers.DecimalField(min_value=-100, max_value=100, help_text=_(
        "Non-zero, between -100 and 100, to one decimal place."), **POINTS)
    reason = serializers.CharField(max_length=200)


class PointCreateSerializer(PointChangeSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), help_text=_(
        "A party member the caller may change."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["member"].queryset = member_list(user=request.user, write=True)


class PointEntryFilter(tree_filterset("member__org__")):
    category = filters.ChoiceFilter(choices=PointCategory.choices)
    member = filters.NumberFilter(field_name="member_id")
    year = filters.NumberFilter(field_name="on__year", min_value=1900, max_value=2999)

    class Meta:
        model = PointEntry
        fields = ["category", "street", "community", "subtree", "member", "year"]


@extend_schema_view(
    list=extend_schema(summary=_("List points entries"), description=_(
        "Points earned or lost by the members of the caller's area."),
        responses={200: PointEntrySerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(summary=_("A points entry"), responses={200: PointEntrySerializer,
                                                                   **error_responses(404)}),
    create=extend_schema(summary=_("Give or take points"), request=PointCreateSerializer,
                         responses={201: PointEntrySerializer, **error_responses(400, 403)}),
    partial_update=extend_schema(summary=_("Correct a points entry"), request=PointChangeSerializer,
                                 responses={200: PointEntrySerializer, **error_responses(400, 403, 404)}),
)
class PointEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MemberWorkViewSet):
    selector = point_entry_list
    serializer_class = PointEntrySerializer
    filterset_class = PointEntryFilter
    search_fields = ["member__name", "reason"]
    ordering_fields = ["on", "points", "id"]
    ordering = ["-on", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request):
        data = self.body(PointCreateSerializer)
        entry = services.point_entry_create(actor=request.user, **data)
        return Response(PointEntrySerializer(self.fresh(entry)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        entry = self.get_object()
        changes = self.body(PointChangeSerializer, partial=True)
        entry = services.point_entry_update(actor=request.user, entry=entry, **changes)
        return Response(PointEntrySerializer(self.fresh(entry)).data)


__all__ = ["PointEntryViewSet"]
