from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from accounts.api_permissions import WorksOnTree

from . import services
from .models import Kind, Level, OrgNode
from .selectors import org_list, under_visible_node


class OrgNodeSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=OrgNode.objects.none(), allow_null=True, required=False)

    class Meta:
        model = OrgNode
        fields = ["id", "code", "name", "level", "kind", "parent", "secretary_name", "secretary_phone", "address"]
        read_only_fields = ["level"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["parent"].queryset = org_list(user=request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["code"].read_only = True


class OrgNodeFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    kind = filters.ChoiceFilter(choices=Kind.choices)
    parent = filters.NumberFilter(field_name="parent_id")
    subtree = filters.NumberFilter(method="filter_subtree", label=_("subtree of organization id"))

    class Meta:
        model = OrgNode
        fields = ["level", "kind", "parent", "subtree"]

    def filter_subtree(self, queryset, name, value):
        return under_visible_node(queryset, user=self.request.user, pk=value)


class OrgNodeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Party organizations of the four-level grid that the caller may see."""

    serializer_class = OrgNodeSerializer
    permission_classes = [WorksOnTree]
    filterset_class = OrgNodeFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "level"]
    ordering = ["path"]

    def get_queryset(self):
        return org_list(user=self.request.user).order_by("path")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.org_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "parent" in data:
            data["new_parent"] = data.pop("parent")
        serializer.instance = services.org_change(actor=self.request.user, node=serializer.instance, **data)
