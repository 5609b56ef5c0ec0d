"""Read-side queries of extraction, including the one that analysis will read."""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.fingerprint import consensus_payload, fingerprint
from review.models import Review, Study


def included_studies(review: Review):
    """The studies that go to extraction.

    Screening will decide which records are included; until then every Study of the review
    counts. Point this one function at screening's outcome and every page follows.
    """
    return Study.objects.filter(review=review).order_by("label", "id")


@dataclass(frozen=True)
class LockedStudy:
    study_id: int
    label: str
    kind: str
    form_version: int | None
    instrument: str
    data: dict
    fingerprint: str


@dataclass(frozen=True)
class LockedData:
    studies: list[LockedStudy] = field(default_factory=list)
    fingerprint: str = ""

    def for_kind(self, kind: str) -> list[LockedStudy]:
        return [s for s in self.studies if s.kind == kind]


def payload_of(consensus) -> dict:
    return consensus_payload(
        study_id=consensus.study_id, kind=consensus.kind,
        form_version=consensus.form_version.number if consensus.form_version_id else None,
        instrument=consensus.instrument, data=consensus.data,
    )


def locked_consensus(review: Review, *, kind: str | None = None) -> LockedData:
    """Locked consensus only, per study, with a fingerprint of all of it (what analysis reads)."""
    from extraction.models import Consensus

    rows = (Consensus.objects.filter(study__review=review, status=Consensus.LOCKED)
            .select_related("study", "form_version").order_by("study__label", "study_id", "kind"))
    if kind:
        rows = rows.filter(kind=kind)
    studies = [
        LockedStudy(study_id=c.study_id, label=c.study.label, kind=c.kind,
                    form_version=c.form_version.number if c.form_version_id else None,
                    instrument=c.instrument, data=c.data, fingerprint=fingerprint(payload_of(c)))
        for c in rows
    ]
    return LockedData(studies=studies, fingerprint=fingerprint([s.fingerprint for s in studies]))
