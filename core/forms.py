"""Service errors on forms: the one place that turns a service's refusal into form errors."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext


def add_service_error(form, exc, *, fields=None, fallback=None, permission_field=None, permission_message=None,
                      renames=None):
    """Put a service's ValidationError (or PermissionDenied) on `form`.

    Each message lands on its field when the form shows that field (or the field is listed in `fields`),
    otherwise on `fallback` (None: the form's non-field errors). A PermissionDenied lands on
    `permission_field` with its own text, or `permission_message` when it has none. `renames` maps a service's
    field names to the form's where they differ ({"paid_on": "decision_paid_on"}).
    """
    if isinstance(exc, PermissionDenied):
        form.add_error(permission_field, str(exc) or permission_message or gettext("You may not do this here."))
        return
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    shown = set(fields) if fields is not None else set(form.fields)
    for field, messages in errors.items():
        field = (renames or {}).get(field, field)
        form.add_error(field if field in shown else fallback, messages)


__all__ = ["add_service_error", "PermissionDenied", "ValidationError"]
