from extraction.models.consensus import Consensus, Discrepancy, LockedError
from extraction.models.forms import FormVersion
from extraction.models.work import AppraisalPlan, Assignment, Extraction, Kind

__all__ = [
    "AppraisalPlan", "Assignment", "Consensus", "Discrepancy", "Extraction", "FormVersion", "Kind", "LockedError",
]
