"""Cross-cutting REST API pieces: pagination, the error format (every error under /api/ answers JSON, a 500
and an over-size body included), the JSON parser with a depth limit, and date fields with bounds."""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .constraints import integrity_refusal
from .dates import EARLIEST, LATEST, date_problem
from .errors import ConflictError
from .pagination import PAGE_NUMBER_ROWS, BoundedCountPaginator, KeysetError, keyset_page


class Pagination(PageNumberPagination):
    """Pages of 50; `count` is exact up to 10,000 rows and PostgreSQL's estimate above (core.pagination).

    Two ways through a list: page numbers (`?page=3`), which reach the first PAGE_NUMBER_ROWS rows (a deeper
    OFFSET reads every row before the page: 400, pointing at the cursor), and cursors (`?cursor=` for the first
    page, then the `next` and `previous` links), which start each page after the last row seen and cost the same
    at any depth. Both answer {count, next, previous, results}."""

    django_paginator_class = BoundedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    cursor_query_description = gettext_lazy(
        "Keyset paging, as fast on the last page as on the first: leave it empty (?cursor=) for the first page, "
        "then follow the next and previous links. Page numbers reach only the first 10,000 rows.")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        page_size = self.get_page_size(request)
        try:
            rows, self.before, self.after = keyset_page(
                queryset, size=page_size, cursor=request.query_params[self.cursor_query_param])
        except KeysetError:
            raise exceptions.ValidationError({self.cursor_query_param: [_(
                "This cursor does not belong to this list (or its ordering); start again from ?cursor= and "
                "follow the next links.")]}) from None
        self.cursor_count = BoundedCountPaginator(queryset, page_size).count
        return rows

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        try:
            deep = (int(number) - 1) * paginator.per_page >= PAGE_NUMBER_ROWS
        except (TypeError, ValueError):
            return number  # DRF answers "Invalid page."
        if deep:
            raise exceptions.ValidationError({self.page_query_param: [_(
                "Page numbers reach only the first %(rows)s rows of a list; read further with the cursor: ask "
                "with ?cursor= and follow the next links.") % {"rows": f"{PAGE_NUMBER_ROWS:,}"}]})
        return number

    def _cursor_link(self, cursor):
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        return Response({"count": self.cursor_count, "next": self._cursor_link(self.after),
                         "previous": self._cursor_link(self.before), "results": data})

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": str(self.cursor_query_description), "schema": {"type": "string"}}]


def exception_handler(exc, context):
    """Service errors become JSON: ValidationError → 400 with field errors, ConflictError → 409 (an IntegrityError
    as the constraint's own message: core.constraints); a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE → 413, any other refused request (SuspiciousOperation) → 400."""
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        return Response({"code": "too_large", "detail": _("The request body is too large.")},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        return Response({"code": "bad_request", "detail": _("The request could not be understood.")},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A constraint hit in a race the service's checks could not see: its message, never its name.
        exc = integrity_refusal(exc)
    if isinstance(exc, ConflictError):
        return Response({"code": exc.code, "detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        # A refusal of the request as a whole (e.g. the search filter's null character): the 400's shape.
        response.data = {"non_field_errors": response.data}
    if (response is not None and isinstance(exc, exceptions.APIException)
            and not isinstance(exc, exceptions.ValidationError)
            and isinstance(response.data, dict) and set(response.data) == {"detail"}):
        # 401, 403, 404, 405, 406, 415, 429: {"code", "detail"} like every other refusal.
        code = exc.detail.code if hasattr(exc.detail, "code") else exc.default_code
        response.data = {"code": str(code or exc.default_code), "detail": response.data["detail"]}
    return response


# --- the error answers in the OpenAPI schema ---------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal but a 400 with field errors: a stable `code` and a message to show."""

    code = serializers.CharField(help_text=gettext_lazy(
        "A stable code for programs: e.g. not_found, permission_denied, not_authenticated, or the conflict's own."))
    detail = serializers.CharField(help_text=gettext_lazy("A message for people, in the request's language."))


class FieldErrorsSerializer(serializers.Serializer):
    """The body of a 400: each field of the request that is wrong, with its messages (a request that could not be
    read at all answers {"code": "bad_request", "detail": ...})."""

    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text=gettext_lazy("Messages about the request as a whole; other keys name the fields that are wrong, "
                               "each with a list of messages."))


# A serializer of plain fields (no nested serializer) whose fields are copied, not rebuilt, per instance. DRF
# deep-copies every declared field for each serializer it makes, which re-runs each field's constructor (choices,
# validators): for the booking serializer, a tenth of a booking's time in Python. A shallow copy is enough for
# plain fields: binding sets only the copy's own attributes (name, parent, source), and nothing a field shares
# with its declaration (choices, validators, messages) is changed while validating or representing. (No
# docstring: the API schema would take it as the description of every serializer built on this one.)
class FlatSerializer(serializers.Serializer):

    def get_fields(self):
        fields = {}
        for name, field in self._declared_fields.items():
            if isinstance(field, serializers.BaseSerializer):
                raise TypeError(f"{type(self).__name__}.{name}: a nested serializer needs its own deep copy")
            fields[name] = copy.copy(field)
        return fields


class BoundedDateField(serializers.DateField):
    """A date between core.dates.EARLIEST and LATEST (or the bounds given); 400 with a message outside."""

    def __init__(self, *args, earliest=EARLIEST, latest=LATEST, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        problem = date_problem(day, earliest=self.earliest, latest=self.latest)
        if problem:
            raise serializers.ValidationError(problem, code="date_range")
        return day


class BoundedDateTimeField(serializers.DateTimeField):
    """A date and time whose day lies between core.dates.EARLIEST and LATEST (checked before the time zone is
    applied, so 0001-01-01T00:00:00Z or 9999-12-31T23:59:59Z is a 400, not an OverflowError)."""

    def __init__(self, *args, earliest=EARLIEST, latest=LATEST, **kwargs):
        self.earliest, self.latest = earliest, latest
        super().__init__(*args, **kwargs)

    def enforce_timezone(self, value):
        problem = date_problem(value, earliest=self.earliest, latest=self.latest)
        if problem:
            raise serializers.ValidationError(problem, code="date_range")
        return super().enforce_timezone(value)


def _wants_json(request):
    return request.path.startswith("/api/")


def _json_error(request, status_code, code, detail):
    return JsonResponse({"code": code, "detail": str(detail)}, status=status_code,
                        json_dumps_params={"ensure_ascii": False})


def error_400(request, exception=None):
    """handler400: JSON under /api/ (an over-size body: 413), Django's page elsewhere."""
    from django.views import defaults

    if not _wants_json(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent)):
        return _json_error(request, 413, "too_large", _("The request body is too large."))
    return _json_error(request, 400, "bad_request", _("The request could not be understood."))


def error_403(request, exception=None):
    from django.views import defaults

    if not _wants_json(request):
        return defaults.permission_denied(request, exception)
    return _json_error(request, 403, "permission_denied", _("You do not have permission to perform this action."))


def error_404(request, exception=None):
    from django.views import defaults

    if not _wants_json(request):
        return defaults.page_not_found(request, exception)
    return _json_error(request, 404, "not_found", _("Not found."))


def error_500(request):
    """handler500: JSON under /api/, Django's page elsewhere (the error itself is logged by Django)."""
    from django.views import defaults

    if not _wants_json(request):
        return defaults.server_error(request)
    return _json_error(request, 500, "server_error", _("Something went wrong on our side; try again later."))


def error_responses(*statuses, conflicts=None):
    """The error answers an operation may give, for extend_schema(responses={200: …, **error_responses(400, 404)}):
    400 is field errors ({"field": ["message", …]}), 401/403/404 an ErrorSerializer, 409 an ErrorSerializer
    whose `code` is one of `conflicts` ({code: meaning})."""
    from drf_spectacular.utils import OpenApiExample, OpenApiResponse  # (not at import: settings load this module)

    described = {
        400: OpenApiResponse(FieldErrorsSerializer, description=gettext_lazy(
            "Invalid input: each field with its messages, {\"field\": [\"message\"]} (\"non_field_errors\" for the "
            "whole request)."), examples=[OpenApiExample("field errors", value={"reason": ["请说明原因。"]})]),
        401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Not signed in.")),
        403: OpenApiResponse(ErrorSerializer, description=gettext_lazy(
            "Signed in, but the role may not do this (outside the caller's area, or read only).")),
        404: OpenApiResponse(ErrorSerializer, description=gettext_lazy(
            "No such record, or it lies outside the caller's area.")),
    }
    answers = {status_code: described[status_code] for status_code in statuses if status_code in described}
    answers.setdefault(401, described[401])
    answers.setdefault(403, described[403])
    if conflicts:
        template = "{} " + "; ".join(f"{code}: {{}}" for code in conflicts)
        answers[409] = OpenApiResponse(ErrorSerializer, description=format_lazy(
            template, gettext_lazy("Conflict; its code:"), *conflicts.values()))
    return answers


__all__ = ["Pagination", "exception_handler", "ErrorSerializer", "FieldErrorsSerializer", "error_responses",
           "BoundedDateField",
           "BoundedDateTimeField", "error_400", "error_403", "error_404", "error_500"]
