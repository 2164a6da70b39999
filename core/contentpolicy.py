"""The Content-Security-Policy middleware: django-csp's, with one exception for Django's admin and
the portal's back office (Wagtail's admin, /cms/).

Their own templates carry inline styles (style elements and attributes); on their pages, and
only there, inline style is allowed (and blob: images, Wagtail's upload previews). Scripts stay
'self' everywhere.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

ADMIN_PREFIXES = ("/admin/", "/cms/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE], "img-src": ["blob:"]}
        return parts
