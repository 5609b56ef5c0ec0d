"""Duplicate detection for imported records: pure Python, no Django import.

Entry point: :func:`find_duplicates`. The normalisers are public because the
importers and the merge service use the same definitions of "same DOI" or
"same title".
"""

from .engine import Cluster, DedupResult, DuplicatePair, find_duplicates
from .normalise import (
    journals_match,
    normalise_authors,
    normalise_doi,
    normalise_journal,
    normalise_pages,
    normalise_pmid,
    normalise_title,
)
from .scoring import DISTINCT, DUPLICATE, MAYBE, RELATED, Thresholds

__all__ = [
    "DISTINCT",
    "DUPLICATE",
    "MAYBE",
    "RELATED",
    "Thresholds",
    "Cluster",
    "DedupResult",
    "DuplicatePair",
    "find_duplicates",
    "journals_match",
    "normalise_authors",
    "normalise_doi",
    "normalise_journal",
    "normalise_pages",
    "normalise_pmid",
    "normalise_title",
]
