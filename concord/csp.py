"""Content-Security-Policy on every page and every SVG.

Pages load only Concord's own scripts, styles and images: no inline script, no inline event
handler, no inline style attribute (each behaviour lives in static/concord/*.js), so a
title or a note that slipped past escaping could still not run. An SVG is a document that
may carry script, so one opened on its own gets a policy that runs nothing. A response that
already names its policy keeps it, and so do Django's error pages in DEBUG.
"""

from __future__ import annotations

from django.conf import settings

PAGE_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# matplotlib writes its SVG styles inline; nothing in a plot needs more.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        # Django's debug error pages are inline scripts and styles, and only ever shown in DEBUG.
        if settings.DEBUG and response.status_code >= 400:
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type == "text/html":
            response["Content-Security-Policy"] = PAGE_POLICY
        elif content_type == "image/svg+xml":
            response["Content-Security-Policy"] = SVG_POLICY
        return response
