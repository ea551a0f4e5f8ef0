from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters as drf_filters
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from accounts.api_permissions import WorksOnTree
from grids.selectors import org_list, under_visible_node

from .records import services
from .records.masking import mask_id_number, mask_phone
from .records.models import Gender, Member, MemberCategory, MemberStatus
from .records.selectors import member_can_reveal, member_list, member_search_extra


class MemberSerializer(serializers.ModelSerializer):
    """Lists show the ID number and phone masked; a member's detail shows them in full to whoever may change it.
    A masked answer has no date of birth either (it is digits 7–14 of the ID number): the key is left out."""

    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "joined_on",
            "full_member_on", "status", "category", "org", "org_name",
        ]
        extra_kwargs = {"birth_date": {"required": False}, "gender": {"required": False, "allow_blank": True},
                        "id_number": {"validators": []}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org"].queryset = org_list(user=request.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("reveal"):
            data["id_number"] = mask_id_number(instance.id_number)
            data["phone"] = mask_phone(instance.phone)
            data.pop("birth_date", None)
        return data


class MemberSearchFilter(drf_filters.SearchFilter):
    """`?search=` by name or organization (a community's name: its whole subtree); a full ID-card number, or a
    part of one or of a phone (4 digits or more), matches only members the caller may change (a caller who sees
    the number masked cannot ask whether someone holds it)."""

    def filter_queryset(self, request, queryset, view):
        found = super().filter_queryset(request, queryset, view)
        term = " ".join(self.get_search_terms(request)).strip().upper()
        if term and " " not in term:
            writable = member_list(user=request.user, write=True).filter(id_number=term).values("pk")
            found = found | queryset.filter(pk__in=writable)
        if term:
            # A community's whole subtree; part of a number among the members the caller may change.
            found = found | queryset.filter(pk__in=member_search_extra(user=request.user, term=term))
        return found


class MemberFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MemberStatus.choices)
    category = filters.ChoiceFilter(choices=MemberCategory.choices)
    gender = filters.ChoiceFilter(choices=Gender.choices)
    org = filters.NumberFilter(field_name="org_id")
    subtree = filters.NumberFilter(method="filter_subtree", label=_("subtree of organization id"))

    class Meta:
        model = Member
        fields = ["status", "category", "gender", "org", "subtree"]

    def filter_subtree(self, queryset, name, value):
        return under_visible_node(queryset, user=self.request.user, pk=value, prefix="org__")


class MemberViewSet(viewsets.ModelViewSet):
    """Party members the caller may see. Writes go through members.records.services."""

    serializer_class = MemberSerializer
    permission_classes = [WorksOnTree]
    filterset_class = MemberFilter
    filter_backends = [DjangoFilterBackend, MemberSearchFilter, drf_filters.OrderingFilter]
    search_fields = ["name", "org__name", "=org__code"]
    ordering_fields = ["name", "joined_on", "id"]
    ordering = ["org_id", "name", "id"]

    def get_queryset(self):
        return member_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        reveal = member_can_reveal(user=request.user, member=member)
        if reveal:
            services.member_reveal(actor=request.user, member=member, channel="api")
        serializer = self.get_serializer(member, context={**self.get_serializer_context(), "reveal": reveal})
        return Response(serializer.data)

    def perform_create(self, serializer):
        serializer.instance = services.member_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.member_update(
            actor=self.request.user, member=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.member_delete(actor=self.request.user, member=instance)
