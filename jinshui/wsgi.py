"""WSGI entry point (gunicorn jinshui.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinshui.settings")
application = get_wsgi_application()

from core.checks import require_secret_key  # noqa: E402 — settings are loaded only now

require_secret_key()
