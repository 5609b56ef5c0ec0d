"""Refuse a NUL character in the address, the query string or a form field.

PostgreSQL cannot store NUL in text, and a query that filters on one fails inside the
database driver; without this middleware a ``?q=%00`` answered 500 on most pages. A NUL has
no meaning in any of Concord's inputs, so the request is refused with a 400 that names the
field, before any view runs. Cookies are the exception: a browser would resend a poisoned
cookie for ever, so a cookie carrying NUL is dropped instead and the request goes on
without it. NUL bytes inside an uploaded file are the importers' business (they name the
line).
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest

NUL = "\x00"
NUL_IN_PATH = "The address contains a NUL character (\\x00), which is not allowed."
NUL_IN_QUERY = "The query string field “{name}” contains a NUL character (\\x00), which is not allowed."
NUL_IN_FORM = "The form field “{name}” contains a NUL character (\\x00), which is not allowed."


def _printable(name: str) -> str:
    return name.replace(NUL, "\\x00")


def _refused(template: str, name: str = "") -> HttpResponseBadRequest:
    return HttpResponseBadRequest(template.format(name=_printable(name)), content_type="text/plain; charset=utf-8")


def _first_with_nul(query_dict) -> str | None:
    for key, values in query_dict.lists():
        if NUL in key or any(NUL in value for value in values):
            return key
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or NUL in request.path_info:
            return _refused(NUL_IN_PATH)
        if (name := _first_with_nul(request.GET)) is not None:
            return _refused(NUL_IN_QUERY, name)
        for key in [k for k, v in request.COOKIES.items() if NUL in k or NUL in v]:
            del request.COOKIES[key]
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A CSRF-exempt view may still choose its own upload handlers, which reading the
        # body here would forbid; the CSRF check reads every other POST body before its view.
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        return refused_form(request)


def refused_form(request) -> HttpResponseBadRequest | None:
    """The 400 for a NUL in a POSTed field, or None; a view that installs its own upload
    handlers (and so is skipped by the middleware) calls this once they are in place."""
    if request.method != "POST":
        return None
    if (name := _first_with_nul(request.POST)) is not None:
        return _refused(NUL_IN_FORM, name)
    # Django's parser already drops non-printable characters (NUL, bidi controls) from
    # an uploaded file's name; the name of the field is left as sent.
    if (name := next((key for key in request.FILES if NUL in key), None)) is not None:
        return _refused(NUL_IN_FORM, name)
    return None
