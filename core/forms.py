"""Service errors on forms: the one place that turns a service's refusal into form errors."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, router, transaction
from django.utils.translation import gettext

from .constraints import integrity_refusal
from .errors import ConflictError


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


class ServiceErrorsAdminMixin:
    """A ModelAdmin whose save_model, save_related or save_formset call services: a refusal they raise after
    the form validated (a ValidationError or ConflictError, or an IntegrityError told by core.constraints; e.g.
    the losing one of two saves of the same form at once) is shown on the form, as the form's own errors are,
    instead of a 500.

    The first attempt runs in a savepoint; on a refusal it is rolled back and the page is built again from the
    same POST, with the refusal added to the form's errors by add_service_error."""

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST" or getattr(request, "_service_error", None) is not None:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ConflictError, IntegrityError) as exc:
            if isinstance(exc, IntegrityError):  # a constraint hit in a race: its message, never its name
                exc = integrity_refusal(exc)
            request._service_error = exc if isinstance(exc, ValidationError) else ValidationError(exc.message)
        return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_error", None)
        if refusal is None:
            return form_class

        class WithServiceError(form_class):
            def clean(self):
                data = super().clean()
                add_service_error(self, refusal)
                return data

        WithServiceError.__name__ = form_class.__name__
        return WithServiceError


__all__ = ["add_service_error", "ServiceErrorsAdminMixin", "PermissionDenied", "ValidationError"]
