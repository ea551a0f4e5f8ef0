"""Cross-cutting REST API pieces: pagination, the error format (every error under /api/ answers JSON, a 500
and an over-size body included), the JSON parser with a depth limit, and date fields with bounds."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .constraints import integrity_refusal
from .dates import EARLIEST, LATEST, date_problem
from .errors import ConflictError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


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
    return drf_exception_handler(exc, context)


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


__all__ = ["Pagination", "exception_handler", "BoundedDateField",
           "BoundedDateTimeField", "error_400", "error_403", "error_404", "error_500"]
