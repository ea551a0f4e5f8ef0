"""REST API of the 智库: needs, resources and matches, cut to the caller's scope (accounts.scopes.thinktank_q).

`GET /api/v1/needs/` the needs of the caller's area, `POST` posts one (node, kind, title, description): the
community's or street's secretary, district staff; `GET /api/v1/needs/<id>/candidates/` the available resources of
the need's kind, nearest in the tree first, each with its `distance`.
`GET /api/v1/resources/` resources of the caller's area and of their centers' partners; `POST` offers one for a
resident unit (`unit`) or a partner organization (`partner`).
`GET /api/v1/matches/`; `POST` proposes (`need`, `resource`) → 201, 409 `already_proposed`;
`POST /api/v1/matches/<id>/agree/`, `/decline/` (either side), `/complete/` with `outcome` (the need's side).
Residents see empty lists and may not write (403). Another area's object answers 404; bad input 400.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from community.models import JointMeeting, ResidentUnit
from core.api import BoundedDateField
from grids.models import Level, OrgNode
from servicecenters.models import PartnerOrganization

from . import selectors, services
from .models import MatchStatus, NeedStatus, Resource, ResourceKind

_no_need = _("Choose an open need of your area.")
_no_resource = _("Choose an offered resource.")
_no_meeting = _("Choose a joint meeting.")


class ResourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    unit = serializers.PrimaryKeyRelatedField(queryset=ResidentUnit.objects.all(), required=False, allow_null=True)
    partner = serializers.PrimaryKeyRelatedField(queryset=PartnerOrganization.objects.all(), required=False,
                                                 allow_null=True)
    node = serializers.IntegerField(source="node_id", read_only=True)
    node_name = serializers.CharField(source="node.name", read_only=True)
    provider = serializers.CharField(source="provider.name", read_only=True)
    available = serializers.BooleanField(read_only=True)


class ResourceCandidateSerializer(ResourceSerializer):
    distance = serializers.IntegerField(read_only=True)


class NeedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    node = serializers.PrimaryKeyRelatedField(queryset=OrgNode.objects.filter(level__in=[Level.STREET,
                                                                                         Level.COMMUNITY]))
    node_name = serializers.CharField(source="node.name", read_only=True)
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=NeedStatus.choices, read_only=True)
    posted_on = serializers.DateField(read_only=True)


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    need = serializers.IntegerField(source="need_id")
    need_title = serializers.CharField(source="need.title", read_only=True)
    resource = serializers.IntegerField(source="resource_id")
    resource_title = serializers.CharField(source="resource.title", read_only=True)
    distance = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=MatchStatus.choices, read_only=True)
    proposed_on = serializers.DateField(read_only=True)
    agreed_on = serializers.DateField(read_only=True)
    done_on = serializers.DateField(read_only=True)
    outcome = serializers.CharField(read_only=True)


class NeedViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """Needs posted by communities and streets of the caller's area."""

    serializer_class = NeedSerializer
    ordering = ["-posted_on", "id"]
    ordering_fields = ["posted_on", "id"]
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return selectors.need_list(user=self.request.user)

    @extend_schema(responses={201: NeedSerializer, 400: OpenApiResponse(description="Invalid input."),
                              403: OpenApiResponse(description="The node is outside the caller's area.")})
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        need = services.need_post(actor=request.user, node=d["node"], kind=d["kind"], title=d["title"],
                                  description=d.get("description", ""))
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ResourceCandidateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        need = self.get_object()
        return Response(ResourceCandidateSerializer(selectors.match_candidates(need=need), many=True).data)


class ResourceViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Resources offered by resident units and partner organizations, of the caller's area or centers."""

    serializer_class = ResourceSerializer
    ordering = ["kind", "title", "id"]
    ordering_fields = ["kind", "title", "id"]
    filterset_fields = ["kind", "available"]

    def get_queryset(self):
        return selectors.resource_list(user=self.request.user)

    @extend_schema(responses={201: ResourceSerializer, 400: OpenApiResponse(description="Invalid input."),
                              403: OpenApiResponse(description="The provider is outside the caller's area.")})
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        made = services.resource_offer(actor=request.user, kind=d["kind"], title=d["title"], unit=d.get("unit"),
                                       partner=d.get("partner"), description=d.get("description", ""))
        made = Resource.objects.select_related("node", "unit", "partner").get(pk=made.pk)
        return Response(ResourceSerializer(made).data, status=status.HTTP_201_CREATED)


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000)
    on = BoundedDateField(required=False)


class MatchViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    """Matches of needs in the caller's area, or of their centers' partners' resources."""

    serializer_class = MatchSerializer
    ordering = ["-proposed_on", "id"]
    ordering_fields = ["proposed_on", "id"]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.match_list(user=self.request.user)

    def _reply(self, match):
        return Response(MatchSerializer(selectors.match_list(user=self.request.user).get(pk=match.pk)).data)

    @extend_schema(responses={201: MatchSerializer, 400: OpenApiResponse(description="Invalid input."),
                              409: OpenApiResponse(description='Already proposed: {"code": "already_proposed"}.')})
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        need = selectors.need_list(user=request.user).filter(pk=d["need_id"]).first()
        resource = Resource.objects.select_related("node").filter(pk=d["resource_id"]).first()
        errors = {}
        if need is None:
            errors["need"] = [str(_no_need)]
        if resource is None:
            errors["resource"] = [str(_no_resource)]
        if errors:
            raise serializers.ValidationError(errors)
        match = services.match_propose(actor=request.user, need=need, resource=resource)
        return Response(MatchSerializer(selectors.match_list(user=request.user).get(pk=match.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("AgreeMatch", {"meeting": serializers.IntegerField(required=False)}),
                   responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        match = self.get_object()
        meeting = None
        if request.data.get("meeting") not in (None, ""):
            meeting = JointMeeting.objects.filter(pk=str(request.data["meeting"])).first() if str(
                request.data["meeting"]).isdigit() else None
            if meeting is None:
                raise serializers.ValidationError({"meeting": [str(_no_meeting)]})
        return self._reply(services.match_agree(actor=request.user, match=match, meeting=meeting))

    @extend_schema(request=None, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._reply(services.match_decline(actor=request.user, match=self.get_object()))

    @extend_schema(request=inline_serializer("CompleteMatch", {"outcome": serializers.CharField(),
                                                               "on": serializers.DateField(required=False)}),
                   responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(services.match_complete(actor=request.user, match=self.get_object(),
                                                   outcome=body.validated_data["outcome"],
                                                   on=body.validated_data.get("on")))

__all__ = ["NeedViewSet", "ResourceViewSet", "MatchViewSet"]
