"""Error pages in the site's layout that say what happened and lead back.

Django's own pages are bare ("403 Forbidden"), and with DEBUG on its technical 404 lists
every URL pattern. The 500 page is Django's own handler with ``templates/500.html``: it
renders without a request context, so nothing that failed can fail again while showing it.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

PAGES = {
    400: ("The request could not be read", "Something in the address or the form was not what this page expects. Nothing was changed."),
    403: ("You cannot open this page", "Your account does not have the role this page needs in this review. The review's lead can change roles under Team > Members."),
    404: ("Page not found", "There is nothing at this address: the link may be old, or the item was merged, moved or never existed."),
}


def _reason(exception) -> str:
    # Only a plain sentence raised by Concord's own code is shown: the URL resolver's 404
    # carries the list of patterns it tried, which is no business of the person reading.
    args = getattr(exception, "args", ())
    if len(args) == 1 and isinstance(args[0], str) and "\n" not in args[0]:
        return args[0]
    return ""


def _back(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return referer if referer and safe and referer != request.build_absolute_uri() else ""


def _page(request, code: int, exception=None):
    title, text = PAGES[code]
    context = {
        "error_code": code, "error_title": title, "error_text": text, "reason": _reason(exception),
        "back": _back(request), "request_path": request.path if code == 404 else "",
    }
    return render(request, "error_page.html", context, status=code)


def bad_request(request, exception=None):
    return _page(request, 400, exception)


def permission_denied(request, exception=None):
    return _page(request, 403, exception)


def page_not_found(request, exception=None):
    return _page(request, 404, exception)
