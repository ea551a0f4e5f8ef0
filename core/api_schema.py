"""The API's OpenAPI schema, the same for every view: the error answers each operation declares (core.api's
ErrorSerializer and FieldErrorsSerializer) and the 409 helper views use for their conflicts.

Kept apart from core.api because DRF imports core.api while it loads (the pagination setting), and the schema
generator needs DRF loaded."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .api import ErrorSerializer, FieldErrorsSerializer


def conflict_response(**codes):
    """A 409 answer for `extend_schema(responses=...)`: the conflict `code`s and what each means.

    Example: ``responses={200: X, 409: conflict_response(booking_conflict=_("The slot is taken."))}``."""
    template = "{} " + "; ".join(f"`{code}`: {{}}" for code in codes)
    return OpenApiResponse(ErrorSerializer, description=format_lazy(
        template, gettext_lazy("Conflict with the current state."), *codes.values()))


class ApiSchema(AutoSchema):
    """Every operation declares the error answers the same way: 401 and 403 always, 404 on a record's routes,
    400 where the request carries a body or filters; 409s are declared by the views (conflict_response)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses

        def add(code, serializer, description):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=description), code, direction=direction)

        for code, answer in list(responses.items()):
            # An error a view declared by its description only gets the error body it is answered with.
            if code in ("400", "401", "403", "404", "409") and not answer.get("content"):
                body = FieldErrorsSerializer if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(body, description=answer.get("description", "")), code, direction=direction)

        writes = self.method in ("POST", "PUT", "PATCH")
        if writes or (self.method == "GET" and self._is_list_view()):
            add("400", FieldErrorsSerializer, gettext_lazy("Invalid input: the fields that are wrong, with messages."))
        add("401", ErrorSerializer, gettext_lazy("Not signed in (code not_authenticated or authentication_failed)."))
        add("403", ErrorSerializer, gettext_lazy("Not allowed (code permission_denied), with the reason."))
        if "{" in self.path:
            add("404", ErrorSerializer, gettext_lazy("No such record within your area (code not_found)."))
        return responses


__all__ = ["ApiSchema", "conflict_response"]
