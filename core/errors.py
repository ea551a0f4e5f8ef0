"""Errors raised by services; views, the admin and the API turn them into form errors, 400s and 403s."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ValidationError", "ConflictError"]


class ConflictError(Exception):
    """A write lost to a concurrent or existing one (answered with HTTP 409)."""

    def __init__(self, message, code="conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


def error_messages(exc):
    """The messages of a service's refusal (ValidationError, PermissionDenied, ConflictError) as a flat list, for a
    page's message line or a report."""
    if isinstance(exc, ConflictError):
        return [str(exc.message)]
    return [str(m) for m in (getattr(exc, "messages", None) or [str(exc)])]
