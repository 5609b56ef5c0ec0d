"""Read-side queries of extraction, including the one that analysis will read."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from extraction.fingerprint import consensus_payload, fingerprint
from review.models import Record, Review, Study
from review.models.screening import RecordStage, Stage, StageStatus


def included_studies(review: Review):
    """The studies that go to extraction: those with a report included at full text.

    A study the lead entered with no report linked (data from authors, a register, a data set
    like the BCG demo's) counts too; once any report is linked, only screening decides.
    """
    included = RecordStage.objects.filter(
        record__study=OuterRef("pk"), stage=Stage.FULL_TEXT, status=StageStatus.INCLUDED
    )
    return (
        Study.objects.filter(review=review)
        .filter(Exists(included) | ~Exists(Record.objects.filter(study=OuterRef("pk"))))
        .order_by("label", "id")
    )


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
    # Consensus that disagrees with the lock ledger (extraction.ledger): never in ``studies``.
    tampered: tuple = ()

    def for_kind(self, kind: str) -> list[LockedStudy]:
        return [s for s in self.studies if s.kind == kind]


def payload_of(consensus) -> dict:
    return consensus_payload(
        study_id=consensus.study_id, kind=consensus.kind,
        form_version=consensus.form_version.number if consensus.form_version_id else None,
        instrument=consensus.instrument, data=consensus.data,
    )


def locked_consensus(review: Review, *, kind: str | None = None) -> LockedData:
    """Locked consensus only, per study, with a fingerprint of all of it (what analysis reads).

    Each row is checked against the lock ledger: one that disagrees with it (or a ledger lock
    whose row is gone) is listed in ``tampered`` and its data are left out.
    """
    from extraction.ledger import tampering
    from extraction.models import Consensus

    rows = (Consensus.objects.filter(study__review=review)
            .select_related("study", "form_version").order_by("study__label", "study_id", "kind"))
    if kind:
        rows = rows.filter(kind=kind)
    rows = list(rows)
    tampered = tuple(tampering(review, kind=kind, rows=rows))
    suspect = {(t.study_id, t.kind) for t in tampered}
    studies = [
        LockedStudy(study_id=c.study_id, label=c.study.label, kind=c.kind,
                    form_version=c.form_version.number if c.form_version_id else None,
                    instrument=c.instrument, data=c.data, fingerprint=fingerprint(payload_of(c)))
        for c in rows if c.is_locked and (c.study_id, c.kind) not in suspect
    ]
    prints = [s.fingerprint for s in studies]
    return LockedData(studies=studies, tampered=tampered,
                      fingerprint=fingerprint([prints, [str(t) for t in tampered]] if tampered else prints))


def _status(assigned: int, submitted: int, consensus, open_count: int) -> str:
    if consensus is not None:
        if consensus.status == "locked":
            return "locked"
        return f"reconciling ({open_count} open)" if open_count else "ready to lock"
    if not assigned:
        return "not assigned"
    return f"{submitted}/2 submitted"


def progress(review: Review, studies) -> list[dict]:
    """Per study and kind: how far it is (for the overview page and lock_status)."""
    from django.db.models import Count, Q

    from extraction.models import Assignment, Consensus, Extraction

    studies = list(studies)
    ids = [s.pk for s in studies]
    assigned = {(r["study_id"], r["kind"]): r["n"] for r in Assignment.objects.filter(study_id__in=ids)
                .values("study_id", "kind").annotate(n=Count("id"))}
    submitted = {(r["study_id"], r["kind"]): r["n"] for r in Extraction.objects.filter(
        study_id__in=ids, status=Extraction.SUBMITTED).values("study_id", "kind").annotate(n=Count("id"))}
    consensus = {(c.study_id, c.kind): c for c in Consensus.objects.filter(study_id__in=ids).annotate(
        open_count=Count("discrepancies", filter=Q(discrepancies__choice="")))}
    rows = []
    for study in studies:
        row = {"study": study}
        for kind in ("extraction", "appraisal"):
            c = consensus.get((study.pk, kind))
            row[kind] = _status(assigned.get((study.pk, kind), 0), submitted.get((study.pk, kind), 0), c,
                                getattr(c, "open_count", 0))
            row[f"{kind}_consensus"] = c
        rows.append(row)
    return rows


def _design_from_text(text: str) -> str | None:
    text = text.lower()
    if "random" in text or text.strip() in ("rct", "trial"):
        return "rct"
    if "case-control" in text or "case control" in text:
        return "case_control"
    if "cohort" in text:
        return "cohort"
    return None


def suggested_designs(review: Review, field: str = "study_design") -> dict[int, str]:
    """Design per study as read from locked extraction data, so that the appraisal instrument
    can follow what the extractors agreed the design was."""
    out = {}
    for s in locked_consensus(review, kind="extraction").studies:
        design = _design_from_text(str(s.data.get(field, "")))
        if design:
            out[s.study_id] = design
    return out


def fingerprint_mismatches(review: Review) -> list[str]:
    """Consensus that disagrees with the lock ledger, one line each naming the study.

    The triggers make this impossible through the database; a non-empty answer means someone
    went around them (a restored backup, a dropped trigger, a superuser) and the data must not
    be trusted.
    """
    from extraction.ledger import tampering

    return [str(t) for t in tampering(review)]
