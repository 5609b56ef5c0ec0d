"""Study labels "First-author Year" from a record's first author, surname particles kept.

Exports write a first author as "de Souza, Ana B." (RIS, EndNote), "de Souza AB" (MEDLINE),
"Ana B. de Souza" (some CSVs) or "van der Berg, J". Splitting on the first space gave
"de 2019" for "de Souza 2019". Pure Python, no Django.
"""

from __future__ import annotations

import re

# Lower-case particles that belong to a surname ("de Souza", "van der Berg", "al-Sayed" is one word).
PARTICLES = {"de", "da", "das", "do", "dos", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le",
             "ten", "ter", "bin", "ibn", "st", "st.", "mac", "af", "zu", "y"}
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
# A group author ("WHO Collaborating Group") is a name, not a person: it is kept whole.
_GROUP = re.compile(r"\b(group|collaborat\w*|consortium|investigators|committee|network|study|trial|society)\b", re.I)


def surname(author: str) -> str:
    """The surname of one author as an export wrote it, particles kept ("" when there is none)."""
    author = " ".join(author.replace("\u00a0", " ").split()).strip(" ,;")
    if not author:
        return ""
    if _GROUP.search(author):
        return author[:60]
    if "," in author:
        return author.split(",", 1)[0].strip()
    words = author.split(" ")
    # MEDLINE: "de Souza AB", "Smith J": surname, then the initials.
    if len(words) > 1 and _INITIALS.match(words[-1]):
        return " ".join(words[:-1])
    # Given names first: the surname is the last word with any particles before it.
    start = len(words) - 1
    while start > 0 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(words[start:])


def study_label(first_author: str, year: int | None) -> str:
    name = surname(first_author) or "Study"
    return f"{name} {year}" if year else name


def unique_label(label: str, taken) -> str:
    """``label``, or with a letter (Smith 2019b, c, …) when a study of the review already has it."""
    taken = set(taken)
    if label not in taken:
        return label
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"{label}{letter}" not in taken:
            return f"{label}{letter}"
    n = 2
    while f"{label} ({n})" in taken:
        n += 1
    return f"{label} ({n})"
