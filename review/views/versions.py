"""The version a page posts back with an edit (see review/services/versions.py)."""


def posted_version(request, name: str = "version") -> int:
    # A missing or garbled version is treated as a stale page, never as "no check".
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else -1
