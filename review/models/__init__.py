from review.models.audit import AuditEvent
from review.models.imports import RecordImport
from review.models.records import Record
from review.models.reviews import ExclusionReason, Membership, Review, SearchSource

__all__ = [
    "AuditEvent",
    "ExclusionReason",
    "Membership",
    "Record",
    "RecordImport",
    "Review",
    "SearchSource",
]
