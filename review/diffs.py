"""Word-level differences between two records' fields, for the side-by-side duplicate view."""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\s+|[^\s]+")

COMPARED_FIELDS = [
    ("title", "Title"), ("author_line", "Authors"), ("year", "Year"), ("journal", "Journal"),
    ("volume", "Volume"), ("issue", "Issue"), ("pages", "Pages"), ("doi", "DOI"), ("pmid", "PMID"),
    ("get_publication_type_display", "Type"), ("abstract", "Abstract"),
]


def segments(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Each side as (text, differs) runs; the template escapes the text."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=[t.lower() for t in ta], b=[t.lower() for t in tb], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left.append(("".join(ta[i1:i2]), op != "equal"))
        right.append(("".join(tb[j1:j2]), op != "equal"))
    return [s for s in left if s[0]], [s for s in right if s[0]]


def record_differences(a, b) -> list[dict]:
    rows = []
    for attr, label in COMPARED_FIELDS:
        va, vb = getattr(a, attr), getattr(b, attr)
        va, vb = (va(), vb()) if callable(va) else (va, vb)
        va = "" if va is None else str(va)
        vb = "" if vb is None else str(vb)
        left, right = segments(va, vb)
        rows.append({"label": label, "left": left, "right": right, "same": va.strip().lower() == vb.strip().lower()})
    return rows
