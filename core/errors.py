"""Errors raised by services; views, the admin and the API turn them into form errors, 400s and 403s."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ValidationError", "ConflictError"]


class ConflictError(Exception):
    """A write lost to a concurrent or existing one (answered with HTTP 409)."""

    def __init__(self, message, code="conflict"):
        super().__init__(message)
        self.message = message
        self.code = code
