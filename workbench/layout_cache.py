"""What the staff layout draws the same way for every request, kept per process: the navigation's links and their
HTML (workbench.nav) here, the `{% same_for_everyone %}` parts of the templates on their template nodes
(templatetags/portal_layout.py), both keyed with `urls_key()`.

Every key names all that the value depends on: the URL conf and script prefix for URLs, the language for text,
what the user may open and the current section for the navigation. Nothing of one user's (a name, a form token,
a CSRF token or CSP nonce) is ever kept: those stay in the templates, per request. A changed URL or language
setting (tests) drops everything."""

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix

_KEPT = {}
#: Raised by a changed URL or language setting: part of every key, so that what was kept elsewhere (on the
#: template nodes of `{% same_for_everyone %}`) is not used again either.
_generation = [0]
#: A few dozen entries in practice; bounded all the same (a script prefix comes from the request's SCRIPT_NAME).
LIMIT = 512
_lock = threading.Lock()


def kept(key, make):
    """The value kept under `key` (a tuple), made by `make()` the first time."""
    value = _KEPT.get(key)
    if value is None:
        value = make()
        with _lock:
            if len(_KEPT) >= LIMIT:
                _KEPT.clear()
            _KEPT[key] = value
    return value


def urls_key():
    """What reversed URLs (and translated text) depend on besides their names: the settings' generation, the URL
    conf and the script prefix. (No view of this project sets a URL conf of its own on the request.)"""
    return _generation[0], settings.ROOT_URLCONF, get_script_prefix()


def forget():
    with _lock:
        _generation[0] += 1
        _KEPT.clear()


def _setting_changed(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "FORCE_SCRIPT_NAME"):
        forget()


setting_changed.connect(_setting_changed, dispatch_uid="workbench.layout_cache")
