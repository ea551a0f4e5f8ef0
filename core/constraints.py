"""The database's rules in words: an IntegrityError (a constraint or trigger hit in a race a service's own checks
could not see) told as the message of the constraint it names, never the constraint's name.

Every UniqueConstraint, CheckConstraint and ExclusionConstraint of the portal carries a violation_error_message
(tests/jinshui/test_constraint_messages.py keeps it so); `integrity_refusal` finds it by the name PostgreSQL (or
SQLite) reports. The API answers it as a 409 (a duplicate or an overlap: another write won) or a 400 (a rule),
the admin as a form error (core.forms.ServiceErrorsAdminMixin).
"""

import re

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _

from .errors import ConflictError

#: SQLSTATEs of a unique violation and an exclusion violation: another write won the race.
_CONFLICT_STATES = {"23505", "23P01"}
_SQLITE_NAME = re.compile(r"(?:CHECK constraint failed|UNIQUE constraint failed): ([\w.]+)")


def constraint_messages():
    """{constraint name: its message} over every installed model."""
    return {constraint.name: constraint.violation_error_message
            for model in apps.get_models() for constraint in model._meta.constraints}


def _diagnosis(exc):
    cause = getattr(exc, "__cause__", None) or exc
    diag = getattr(cause, "diag", None)
    state = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    name = getattr(diag, "constraint_name", None) if diag is not None else None
    if name is None:
        found = _SQLITE_NAME.search(str(cause))
        name = found.group(1) if found else None
        if found and state is None:
            state = "23505" if str(cause).startswith("UNIQUE") else "23514"
    return name, state


def integrity_refusal(exc):
    """The refusal to show for an IntegrityError: a ConflictError (code "conflict") for a duplicate or an
    overlap, a ValidationError for a broken rule; its message the constraint's own, or a plain sentence when
    the database names no constraint of the portal (a field's own unique index, a trigger)."""
    name, state = _diagnosis(exc)
    message = constraint_messages().get(name) if name else None
    if message is not None:
        message = str(message) % {"name": name} if "%(name)s" in str(message) else str(message)
    if state in _CONFLICT_STATES:
        return ConflictError(message or _("This record was saved by someone else at the same moment; reload the "
                                          "page to see it."), code="conflict")
    return ValidationError(message or _("The record could not be saved as it is: check the values and try "
                                        "again."), code="constraint")


class IntegrityErrorMiddleware:
    """The last net under every page: an IntegrityError no form or service caught is told, not a 500. A form
    sent (POST) comes back to its page with the message on top; anything else answers 409 (JSON under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        refusal = integrity_refusal(exception)
        message = str(refusal.message) if isinstance(refusal, ConflictError) else " ".join(refusal.messages)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": getattr(refusal, "code", None) or "conflict", "detail": message},
                                status=409, json_dumps_params={"ensure_ascii": False})
        if request.method == "POST" and hasattr(request, "_messages"):
            messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


__all__ = ["constraint_messages", "integrity_refusal", "IntegrityErrorMiddleware"]
