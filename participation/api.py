"""REST API of residents taking part: requests and activities (the outside contract), and sign-ups.

`POST /api/v1/requests/` (a signed-in resident: kind, title, body, community; photos as multipart) → 201 with
`id` and `status`; `GET /api/v1/requests/` lists the caller's own requests, and for staff those of their scope.
`GET /api/v1/activities/` lists upcoming activities; `POST /api/v1/activities/<id>/signups/` → 201, or 409 with
`code` `activity_full` or `already_signed_up`; `DELETE` there cancels the caller's sign-up.
Writes go through participation.services, reads through participation.selectors; never a 500 on bad input.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grids.models import Level, OrgNode
from servicecenters.models import ServiceCenter

from . import selectors, services
from .models import ActivityKind, RequestKind, RequestStatus, ServiceKind, SignupStatus
from .uploads import MAX_PHOTOS


class StepSerializer(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class RequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    service = serializers.ChoiceField(choices=ServiceKind.choices, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=2000)
    community = serializers.PrimaryKeyRelatedField(queryset=OrgNode.objects.filter(level=Level.COMMUNITY))
    community_name = serializers.CharField(source="community.name", read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    center = serializers.IntegerField(source="center_id", read_only=True, allow_null=True)
    answer = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    photos = serializers.ListField(child=serializers.FileField(), write_only=True, required=False,
                                   max_length=MAX_PHOTOS)


class RequestDetailSerializer(RequestSerializer):
    steps = StepSerializer(many=True, read_only=True)


class RequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = filters.ChoiceFilter(choices=RequestKind.choices)
    community = filters.NumberFilter(field_name="community_id")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RouteSerializer(serializers.Serializer):
    center = serializers.PrimaryKeyRelatedField(queryset=ServiceCenter.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class RequestViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Residents' requests: a resident sees their own, a secretary their communities', center staff those routed
    to their center, district staff all. Another's request answers 404."""

    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "due_on", "id"]

    def get_queryset(self):
        return selectors.request_list(user=self.request.user)

    def get_serializer_class(self):
        return RequestDetailSerializer if self.action == "retrieve" else RequestSerializer

    def get_object(self):
        obj = selectors.request_detail(user=self.request.user, pk=self.kwargs["pk"])
        if obj is None:
            from django.http import Http404

            raise Http404
        return obj

    @extend_schema(responses={
        201: RequestSerializer, 400: OpenApiResponse(description="Invalid input, with field errors."),
    })
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        made = services.request_create(
            actor=request.user, kind=data["kind"], service=data.get("service", ""), title=data["title"],
            body=data["body"], community=data["community"], photos=data.get("photos") or [],
        )
        return Response(RequestSerializer(made).data, status=status.HTTP_201_CREATED)

    def _act(self, fn, **kwargs):
        made = fn(actor=self.request.user, request=self.get_object(), **kwargs)
        return Response(RequestDetailSerializer(selectors.request_detail(user=self.request.user, pk=made.pk)).data)

    @extend_schema(request=NoteSerializer, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(services.request_accept, note=str(request.data.get("note", ""))[:500])

    @extend_schema(request=RouteSerializer, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        body = RouteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(services.request_route, center=body.validated_data["center"],
                         note=body.validated_data.get("note", ""))

    @extend_schema(request=inline_serializer("AnswerRequest", {"answer": serializers.CharField()}),
                   responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        return self._act(services.request_answer, answer=str(request.data.get("answer", ""))[:2000])

    @extend_schema(request=inline_serializer("DeclineRequest", {"reason": serializers.CharField()}),
                   responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(services.request_decline, reason=str(request.data.get("reason", ""))[:2000])

    @extend_schema(request=NoteSerializer, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(services.request_close, note=str(request.data.get("note", ""))[:500])

    @extend_schema(request=inline_serializer("RateRequest", {
        "rating": serializers.IntegerField(min_value=1, max_value=5),
        "comment": serializers.CharField(required=False)}), responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._act(services.request_rate, rating=request.data.get("rating"),
                         comment=str(request.data.get("comment", ""))[:200])


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    center = serializers.IntegerField(source="center_id", read_only=True)
    center_name = serializers.CharField(source="center.name", read_only=True)
    kind = serializers.ChoiceField(choices=ActivityKind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    signed_up = serializers.IntegerField(read_only=True)
    signup_opens = serializers.DateTimeField(read_only=True)
    signup_closes = serializers.DateTimeField(read_only=True)


class SignupSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    activity = serializers.IntegerField(source="activity_id", read_only=True)
    status = serializers.ChoiceField(choices=SignupStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ActivityFilter(filters.FilterSet):
    center = filters.NumberFilter(field_name="center_id")
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """Upcoming activities of the service centers (public to everyone signed in)."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "center__name"]
    ordering = ["starts_at", "id"]
    ordering_fields = ["starts_at", "id"]

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user)

    @extend_schema(request=None, responses={
        201: SignupSerializer,
        200: OpenApiResponse(description="DELETE: the sign-up, cancelled."),
        409: OpenApiResponse(description='No place left: {"code": "activity_full"}; a second sign-up: '
                                         '{"code": "already_signed_up"}.'),
    })
    @action(detail=True, methods=["post", "delete"])
    def signups(self, request, pk=None):
        activity = self.get_object()
        if request.method == "DELETE":
            signup = selectors.my_signup_ids(user=request.user, activity_ids=[activity.pk]).get(activity.pk)
            if signup is None:
                return Response({"detail": str(_("You have not signed up for this activity."))},
                                status=status.HTTP_404_NOT_FOUND)
            signup = services.signup_cancel(actor=request.user, signup=signup)
            return Response(SignupSerializer(signup).data)
        signup = services.signup_create(actor=request.user, activity=activity)
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)


__all__ = ["RequestViewSet", "ActivityViewSet"]
