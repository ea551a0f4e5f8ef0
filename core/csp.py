"""django-csp's middleware, building the policy header once instead of on every response.

django-csp builds the Content-Security-Policy header from settings for each response (the directives copied,
merged and joined), which cost more than any other middleware on a booking. A response that asks for nothing of
its own (no nonce was used, no view changed the policy) gets the same header every time, so it is built once per
policy setting and reused; anything else goes through django-csp unchanged.
"""

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

_OWN = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
        "_csp_exempt", "_csp_exempt_ro")


class CSPMiddleware(_CSPMiddleware):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built = {}

    def _header(self, report_only):
        """The header built from the current setting (a changed setting, in tests, builds it again)."""
        setting = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only
                          else "CONTENT_SECURITY_POLICY", None)
        built = self._built.get(report_only)
        if built is None or built[0] is not setting:
            built = self._built[report_only] = (setting, build_policy(report_only=report_only),
                                                tuple((setting or {}).get("EXCLUDE_URL_PREFIXES", None) or ()))
        return built[1], built[2]

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None or any(getattr(response, name, None) is not None
                                                                     for name in _OWN)
                or (settings.DEBUG and response.status_code in (http.client.INTERNAL_SERVER_ERROR,
                                                                http.client.NOT_FOUND))):
            return super().process_response(request, response)
        for report_only, name in ((False, HEADER), (True, HEADER_REPORT_ONLY)):
            policy, excluded = self._header(report_only)
            if policy and name not in response and not request.path_info.startswith(excluded):
                response[name] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
