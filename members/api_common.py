"""What the member-work endpoints share (members/<topic>/api.py): the tree filters that mirror the admin's
sidebar (street, community, subtree), the short bodies of the state-changing sub-routes, and the viewset base
that reads through a topic's selector, answers 404 outside it and hands writes to the services."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from accounts.api_permissions import ChangesOnTree
from core.api import BoundedDateField
from grids.models import Level
from grids.selectors import under_visible_node


def tree_filterset(prefix):
    """A FilterSet base whose rows point at a node through `prefix` ("org__", "member__org__"): `street` and
    `community` (the admin's sidebar filters, by node id), `subtree` (any node's subtree). A node the caller may
    not see gives an empty list, as in the admin."""

    class TreeFilterSet(filters.FilterSet):
        street = filters.NumberFilter(method="filter_street", label=_("street (organization id)"))
        community = filters.NumberFilter(method="filter_community", label=_("community or village (organization id)"))
        subtree = filters.NumberFilter(method="filter_subtree", label=_("subtree of organization id"))

        def filter_street(self, queryset, name, value):
            return under_visible_node(queryset, user=self.request.user, pk=value, prefix=prefix, level=Level.STREET)

        def filter_community(self, queryset, name, value):
            return under_visible_node(queryset, user=self.request.user, pk=value, prefix=prefix,
                                      level=Level.COMMUNITY)

        def filter_subtree(self, queryset, name, value):
            return under_visible_node(queryset, user=self.request.user, pk=value, prefix=prefix)

    return TreeFilterSet


class OpinionSerializer(serializers.Serializer):
    """The body of a decision: an opinion and, optionally, its date (today when left out)."""

    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    on = BoundedDateField(required=False, allow_null=True, default=None,
                          help_text=_("The date of the decision (YYYY-MM-DD); today when left out."))


class MemberWorkViewSet(viewsets.GenericViewSet):
    """Reads through `selector(user=…)` (the admin's scope: another area's record answers 404); writes only by
    roles that change records somewhere (inspectors: 403), each refused or accepted by its service."""

    permission_classes = [ChangesOnTree]
    selector = None

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def body(self, serializer_class, **kwargs):
        """The request body read through `serializer_class` (400 with field errors when it does not fit)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def fresh(self, obj):
        """`obj` read again through the selector (with its annotations) after a service changed it."""
        return self.get_queryset().get(pk=obj.pk)


__all__ = ["tree_filterset", "OpinionSerializer", "MemberWorkViewSet"]
