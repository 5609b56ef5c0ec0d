from review.models.audit import AuditChainHead, AuditEvent
from review.models.duplicates import DuplicatePair
from review.models.fulltext import FullText
from review.models.imports import RecordImport
from review.models.ranking import RankingRun, RelevanceScore, ScreeningStop
from review.models.records import Record
from review.models.reviews import ExclusionReason, Membership, Review, SearchSource
from review.models.screening import Conflict, RecordStage, Resolution, ScreeningDecision
from review.models.studies import Study

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "Conflict",
    "DuplicatePair",
    "ExclusionReason",
    "FullText",
    "Membership",
    "Record",
    "RecordImport",
    "RankingRun",
    "RecordStage",
    "RelevanceScore",
    "Resolution",
    "Review",
    "ScreeningDecision",
    "ScreeningStop",
    "SearchSource",
    "Study",
]
