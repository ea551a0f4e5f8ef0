"""REST API of the booking side: rooms, bookings and the free-room search.

Writes go through servicecenters.services; lists through servicecenters.selectors. A taken slot answers
409 {"code": "booking_conflict"}; anything else wrong answers 400 with field errors; never a 500.
"""

import datetime

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import BoundedDateField, BoundedDateTimeField, FlatSerializer

from . import selectors, services
from .models import BookingSeries, BookingStatus, Room, RoomKind, ServiceCenter
from .series import SeriesClash, series_edit


class CenterSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)

    class Meta:
        model = ServiceCenter
        fields = ["id", "code", "name", "street", "street_name", "address", "floor_area", "phone"]


class RoomSerializer(serializers.ModelSerializer):
    center_name = serializers.CharField(source="center.name", read_only=True)

    class Meta:
        model = Room
        fields = [
            "id", "center", "center_name", "kind", "name", "capacity", "needs_approval", "min_minutes",
            "max_minutes", "max_days_ahead",
        ]


class RoomIdField(serializers.PrimaryKeyRelatedField):
    """A room named by its id, taken as the id: the booking service reads (and locks) the room in its first
    statement, among the rooms the caller may name, and answers a field error on "room" when there is none; so
    the input costs no statement of its own. Shown as the booking's room id."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            # isdigit() admits "²" and int() refuses it; a few thousand digits make int() refuse too.
            if not data.strip().isdecimal() or len(data.strip()) > 19:
                self.fail("incorrect_type", data_type="str")
        value = int(data)
        if not 1 <= value < 2 ** 63:  # not a bigint: there is no such room
            self.fail("does_not_exist", pk_value=data)
        return value


class BookingSerializer(FlatSerializer):
    id = serializers.IntegerField(read_only=True)
    room = RoomIdField(queryset=Room.objects.none())
    room_name = serializers.CharField(source="room.name", read_only=True)
    center_name = serializers.CharField(source="room.center.name", read_only=True)
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    attendees = serializers.IntegerField(min_value=1, max_value=10_000)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=BookingStatus.choices, read_only=True)
    reason = serializers.CharField(read_only=True)
    series = serializers.IntegerField(source="series_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    weeks = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=services.MAX_SERIES_WEEKS,
        help_text=_("Book the same slot on this many consecutive weeks (1: once)."),
    )
    on_clash = serializers.ChoiceField(
        write_only=True, required=False, choices=BookingSeries.OnClash.choices, default=BookingSeries.OnClash.SKIP
    )
    frequency = serializers.ChoiceField(
        write_only=True, required=False, choices=BookingSeries.Frequency.choices,
        default=BookingSeries.Frequency.WEEKLY,
        help_text=_("With weeks > 1: repeat weekly, or monthly on the same day (then weeks counts months)."),
    )


class _IsoDateTimeField(filters.IsoDateTimeFilter.field_class):
    """An ISO 8601 date-time, handed on in UTC: an offset PostgreSQL cannot store (+19:52: it stops at ±15:59)
    or a moment beyond the calendar's ends is a field error, not a database error."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(datetime.timezone.utc)
        except (OverflowError, ValueError) as exc:
            raise django_forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _IsoDateTimeField


class ReasonSerializer(serializers.Serializer):
    """The body of a staff decision: an optional reason (a rejection needs one), as a JSON object."""

    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text=_("Why (told to the resident; the first 200 characters are kept); "
                                               "required to reject."))


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=BookingStatus.choices)
    room = filters.NumberFilter(field_name="room_id")
    center = filters.NumberFilter(field_name="room__center_id")
    start_after = IsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = IsoDateTimeFilter(field_name="start", lookup_expr="lt")


class RoomFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=RoomKind.choices)
    center = filters.NumberFilter(field_name="center_id")
    min_capacity = filters.NumberFilter(field_name="capacity", lookup_expr="gte")

    class Meta:
        model = Room
        fields = ["kind", "center", "min_capacity"]


class CenterViewSet(viewsets.ReadOnlyModelViewSet):
    """The service centers (public to every signed-in user)."""

    serializer_class = CenterSerializer
    search_fields = ["name", "address", "=code"]
    ordering = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.center_list(user=self.request.user)


class RoomViewSet(viewsets.ReadOnlyModelViewSet):
    """The bookable rooms of every center."""

    serializer_class = RoomSerializer
    filterset_class = RoomFilter
    search_fields = ["name", "center__name"]
    ordering = ["center__code", "kind", "name", "id"]
    ordering_fields = ["capacity", "name", "id"]

    def get_queryset(self):
        return selectors.room_list(user=self.request.user)


class SeriesChange(serializers.Serializer):
    start = serializers.TimeField(help_text=_("New local start time of every upcoming date."))
    end = serializers.TimeField()
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SeriesActionsMixin:
    """Series actions on a booking of a series: cancel the whole series, or move all its upcoming dates."""

    def _series_of(self):
        booking = self.get_object()
        if booking.series_id is None:
            from rest_framework.exceptions import ValidationError as DRFValidationError

            raise DRFValidationError({"series": [_("This booking is not part of a series.")]})
        return booking.series

    @extend_schema(request=None, responses=BookingSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="cancel-series")
    def cancel_series(self, request, pk=None):
        cancelled = services.series_cancel(actor=request.user, series=self._series_of())
        return Response(self.get_serializer(cancelled, many=True).data)

    @extend_schema(request=SeriesChange, responses={
        200: BookingSerializer(many=True), 409: OpenApiResponse(description='Some dates cannot move: {"code": '
                                                                             '"booking_conflict", "dates": [{"date", '
                                                                             '"reason"}]}; nothing moved.')})
    @action(detail=True, methods=["post"], url_path="change-series")
    def change_series(self, request, pk=None):
        series = self._series_of()
        body = SeriesChange(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            changed = series_edit(actor=request.user, series=series, start_time=d["start"], end_time=d["end"],
                                  attendees=d.get("attendees"), purpose=d.get("purpose"))
        except SeriesClash as exc:
            return Response({"code": exc.code, "detail": exc.message,
                              "dates": [{"date": day.isoformat(), "reason": reason} for day, reason in exc.dates]},
                             status=409)
        return Response(self.get_serializer(changed, many=True).data)


class BookingViewSet(SeriesActionsMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                     mixins.RetrieveModelMixin,
                     mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Bookings the caller may see: a resident their own, center staff their center's, district staff all.

    POST books (409 `booking_conflict` when taken); DELETE cancels (the booking stays, cancelled).
    """

    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering = ["start", "id"]
    ordering_fields = ["start", "created_at", "id"]

    def get_queryset(self):
        return selectors.booking_list(user=self.request.user)

    @extend_schema(responses={
        201: BookingSerializer,
        400: OpenApiResponse(description="Invalid input, with field errors."),
        409: OpenApiResponse(description='The slot is taken: {"code": "booking_conflict"}.'),
    })
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        made = services.booking_request(
            actor=request.user, weeks=data.pop("weeks", None) or 1,
            on_clash=data.pop("on_clash", BookingSeries.OnClash.SKIP),
            frequency=data.pop("frequency", BookingSeries.Frequency.WEEKLY), **data,
        )
        serializer.instance = made.bookings[0]  # shown by the serializer that read the input: its fields built once
        body = serializer.data
        if made.series is not None:
            body["series_bookings"] = [b.pk for b in made.bookings]
            body["skipped"] = made.skipped
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.booking_cancel(actor=self.request.user, booking=instance)

    def _staff_action(self, fn, **kwargs):
        booking = fn(actor=self.request.user, booking=self.get_object(), **kwargs)
        return Response(self.get_serializer(booking).data)

    def _reason(self, request):
        """The optional `reason` of a JSON object body (anything else, a list say, is a 400)."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data.get("reason", "")[:200]

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._staff_action(services.booking_cancel, reason=self._reason(request))

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._staff_action(services.booking_approve)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._staff_action(services.booking_reject, reason=self._reason(request))

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._staff_action(services.booking_check_in)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._staff_action(services.booking_mark_no_show)


#: The alternatives' start and end: a local wall-clock time as the search takes it, "20:30" (not an RFC 3339 time).
HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class FreeRoomQuery(serializers.Serializer):
    date = BoundedDateField()
    start = serializers.TimeField()
    end = serializers.TimeField()
    people = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    kind = serializers.ChoiceField(choices=RoomKind.choices, required=False)
    center = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must come after the start.")})
        return attrs


class FreeRoomsView(APIView):
    """Rooms free on a day from a time to a time for n people, across all centers, in one query;
    with nearby alternatives (an hour or two earlier or later, or the next days) when nothing fits."""

    @extend_schema(
        parameters=[FreeRoomQuery],
        responses=inline_serializer("FreeRooms", {
            "results": RoomSerializer(many=True),
            "alternatives": inline_serializer("FreeRoomAlternative", {
                "date": serializers.DateField(),
                "start": serializers.RegexField(HOUR_MINUTE, help_text=_("Local time, hours and minutes (HH:MM).")),
                "end": serializers.RegexField(HOUR_MINUTE, help_text=_("Local time, hours and minutes (HH:MM).")),
                "rooms": RoomSerializer(many=True),
            }, many=True),
        }),
    )
    def get(self, request):
        query = FreeRoomQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        args = dict(user=request.user, day=q["date"], start_time=q["start"], end_time=q["end"],
                    people=q["people"], kind=q.get("kind"), center=q.get("center"))
        rooms = list(selectors.free_rooms(**args)[:100])
        alternatives = []
        if not rooms:
            for day, s, e, alt in selectors.free_room_alternatives(**args):
                alternatives.append({
                    "date": day.isoformat(), "start": s.strftime("%H:%M"), "end": e.strftime("%H:%M"),
                    "rooms": RoomSerializer(alt, many=True).data,
                })
        return Response({"results": RoomSerializer(rooms, many=True).data, "alternatives": alternatives})


__all__ = ["CenterViewSet", "RoomViewSet", "BookingViewSet", "FreeRoomsView"]
