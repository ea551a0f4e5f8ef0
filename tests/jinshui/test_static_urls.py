"""The static files' URLs (core.staticfiles): the manifest's hashed names, worked out once per process."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static

from core.staticfiles import CachedURLStaticFilesStorage


def test_a_static_url_is_the_hashed_name_and_is_worked_out_once():
    storage = CachedURLStaticFilesStorage()
    url = storage.url("favicon.svg")
    assert url.startswith("/static/favicon.") and url.endswith(".svg") and url != "/static/favicon.svg"
    assert storage.url("favicon.svg") is url
    assert storage.url("workbench/nav.css") != url


def test_production_pages_use_it():
    assert isinstance(staticfiles_storage._wrapped if hasattr(staticfiles_storage, "_wrapped") else
                      staticfiles_storage, CachedURLStaticFilesStorage)
    assert static("favicon.svg") == CachedURLStaticFilesStorage().url("favicon.svg")
