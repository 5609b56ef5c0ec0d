from review.models.audit import AuditEvent
from review.models.duplicates import DuplicatePair
from review.models.imports import RecordImport
from review.models.records import Record
from review.models.reviews import ExclusionReason, Membership, Review, SearchSource
from review.models.studies import Study

__all__ = [
    "AuditEvent",
    "DuplicatePair",
    "ExclusionReason",
    "Membership",
    "Record",
    "RecordImport",
    "Review",
    "SearchSource",
    "Study",
]
