"""``Cache-Control: no-store`` on every page served to a signed-in person.

A screening page changes with every vote: served from the browser's cache after Back then
Forward, it showed the record just voted on as unvoted, and voting again was refused as
"changed elsewhere" about one's own vote. A review's pages also carry data that should not
stay in a shared computer's cache. Static files never reach this middleware (WhiteNoise
answers them first), so they stay cacheable.
"""


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
