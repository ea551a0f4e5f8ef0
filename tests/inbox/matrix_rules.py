"""Scope rules of the inbox's admins and pages (read by tests/accounts/test_permission_matrix.py)."""

DISTRICT_ONLY_ADMINS = {"inbox.delivery", "inbox.contactpreference"}
OTHER_ROUTES = {"inbox:preferences": "own"}
