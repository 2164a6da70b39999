"""The Content-Security-Policy middleware: django-csp's, with one exception for Django's admin.

The admin's own templates carry inline styles (style elements and attributes); on its pages, and
only there, inline style is allowed. Scripts stay 'self' everywhere.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
