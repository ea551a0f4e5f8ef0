"""core.csp.CSPMiddleware: the same headers as django-csp's middleware, built once while no response asks for its
own policy, and django-csp's own path for a nonce, a view's override or an exemption."""

import pytest
from csp.constants import HEADER
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from core.csp import CSPMiddleware


def _served(middleware_class, view, path="/dashboard/", **settings_changes):
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    return middleware(request), request, middleware


def _plain(request):
    return HttpResponse("ok")


def _with_nonce(request):
    return HttpResponse(f"nonce {request.csp_nonce}")


@csp_update({"img-src": "https://tiles.example.org"})
def _updated(request):
    return HttpResponse("map")


@csp_exempt()
def _exempt(request):
    return HttpResponse("exempt")


@pytest.mark.parametrize("view", [_plain, _with_nonce, _updated, _exempt])
def test_the_headers_are_django_csps(view):
    """A used nonce or a view's update goes through django-csp itself (the policy here names no nonce, so the
    header is the same with one)."""
    ours, _, _ = _served(CSPMiddleware, view)
    theirs, _, _ = _served(DjangoCSPMiddleware, view)
    assert ours.get(HEADER) == theirs.get(HEADER)
    if view is _updated:
        assert "https://tiles.example.org" in ours[HEADER]
    if view is _exempt:
        assert HEADER not in ours


def test_the_policy_is_built_once_and_again_when_the_setting_changes(settings, monkeypatch):
    import core.csp

    built = []
    real = core.csp.build_policy
    monkeypatch.setattr(core.csp, "build_policy", lambda **kw: built.append(kw) or real(**kw))
    middleware = CSPMiddleware(_plain)
    first = [middleware(RequestFactory().get("/m/"))[HEADER] for _ in range(3)]
    assert len(set(first)) == 1 and len(built) == 2  # the policy and the (empty) report-only one, once each
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    changed = middleware(RequestFactory().get("/m/"))[HEADER]
    assert changed != first[0] and "data:" in changed and len(built) == 3  # the policy again, not the other


def test_a_nonce_asked_for_after_the_header_is_an_error():
    from csp.exceptions import CSPNonceError

    response, request, _ = _served(CSPMiddleware, _plain)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
