"""Which included reports may be one study: a shared trial registration number, or the same
first author with a similar title. Suggestions only: the lead groups them. Pure Python."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from review.study_labels import surname

REGISTRATION = re.compile(r"\b(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|ChiCTR[-\w]{6,20}|EUCTR[\d-]{10,20}|DRKS\d{8}|"
                          r"CTRI/\d{4}/\d+/\d+|jRCT\w{8,12}|UMIN\d{9}|IRCT\w{10,20}|CRD\d{11})\b", re.I)
# token_set_ratio: an abstract's title and the later paper's longer title still score high.
SIMILAR_TITLE = 60


@dataclass(frozen=True)
class Report:
    pk: int
    study_id: int | None
    first_author: str
    title: str
    text: str  # title, abstract and identifiers, searched for registration numbers


@dataclass(frozen=True)
class Suggestion:
    keep: Report
    move: Report
    why: str


def registrations(text: str) -> set[str]:
    return {m.upper() for m in REGISTRATION.findall(text or "")}


def suggestions(reports: list[Report]) -> list[Suggestion]:
    out = []
    for i, a in enumerate(reports):
        for b in reports[i + 1:]:
            if a.study_id is not None and a.study_id == b.study_id:
                continue
            shared = registrations(a.text) & registrations(b.text)
            if shared:
                out.append(Suggestion(a, b, f"both name {', '.join(sorted(shared))}"))
                continue
            name = surname(a.first_author)
            if name and name.lower() == surname(b.first_author).lower():
                score = fuzz.token_set_ratio(a.title.lower(), b.title.lower())
                if score >= SIMILAR_TITLE:
                    out.append(Suggestion(a, b, f"same first author ({name}) and similar titles"))
    return out
