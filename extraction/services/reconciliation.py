"""Field-by-field comparison of two submitted extractions and the settling of discrepancies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.definitions import cells_of
from extraction.formspec import ValueError_, coerce, same
from extraction.models import Consensus, Discrepancy, Extraction
from extraction.models.consensus import LOCKED
from extraction.services.common import _now, check_version, require_resolver
from review.models import Study
from review.services.audit import audit_record

NEEDS_REASON = "Give a reason for this resolution."
NEEDS_VALUE = "Enter the new value."
BAD_CHOICE = "Choose value A, value B or a new value."
UNKNOWN_CELL = "This field is not part of the form of this study."


def consensus_open(*, study: Study, kind: str, a: Extraction, b: Extraction, actor=None) -> Consensus:
    """Compare every cell; agreeing cells go straight into the consensus, the rest become
    discrepancies. Called inside extraction_submit's transaction."""
    consensus = Consensus.objects.create(study=study, kind=kind, form_version=a.form_version,
                                         instrument=a.instrument)
    data, agreed, discrepancies = {}, [], []
    for cell in cells_of(a):
        va, vb = a.data.get(cell.key), b.data.get(cell.key)
        if same(cell.type, va, vb):
            agreed.append(cell.key)
            if va not in (None, "", []):
                data[cell.key] = va
        else:
            discrepancies.append(Discrepancy(consensus=consensus, key=cell.key, value_a=va, value_b=vb))
    Discrepancy.objects.bulk_create(discrepancies)
    consensus.data, consensus.agreed_keys = data, agreed
    consensus.save(update_fields=["data", "agreed_keys"])
    audit_record(action=f"{kind}.reconciliation_opened", actor=actor, review=study.review, obj=consensus,
                 new={"agreed": len(agreed), "discrepancies": len(discrepancies)})
    return consensus


def _cell(consensus: Consensus, key: str):
    for cell in cells_of(consensus):
        if cell.key == key:
            return cell
    raise ValidationError(UNKNOWN_CELL)


def _locked_consensus(consensus: Consensus, expected_version: int | None) -> Consensus:
    locked = Consensus.objects.select_for_update(of=("self",)).select_related("study__review", "form_version").get(
        pk=consensus.pk)
    if locked.is_locked:
        raise ValidationError(LOCKED, code="locked")
    check_version(locked.version, expected_version)
    return locked


@transaction.atomic
def discrepancy_resolve(*, discrepancy: Discrepancy, choice: str, actor, reason: str,
                        value=None, expected_version: int | None) -> Discrepancy:
    """Settle one discrepancy with A, B or a new value, and a reason (a settled one may be
    settled again while the consensus is open)."""
    consensus = _locked_consensus(discrepancy.consensus, expected_version)
    require_resolver(consensus.study.review, actor)
    if choice not in (Discrepancy.A, Discrepancy.B, Discrepancy.NEW):
        raise ValidationError(BAD_CHOICE)
    if not (reason or "").strip():
        raise ValidationError(NEEDS_REASON)
    item = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk, consensus=consensus)
    cell = _cell(consensus, item.key)
    if choice == Discrepancy.NEW:
        try:
            chosen = coerce(cell, value)
        except ValueError_ as exc:
            raise ValidationError(str(exc)) from None
        if chosen is None and cell.type != "long_text" and cell.type != "short_text":
            raise ValidationError(NEEDS_VALUE)
    else:
        chosen = item.value_a if choice == Discrepancy.A else item.value_b
    old = {"choice": item.choice or None, "value": consensus.data.get(item.key)}
    item.choice, item.value, item.reason = choice, chosen, reason.strip()
    item.resolved_by, item.resolved_at = actor, _now()
    item.save()
    _set(consensus, item.key, chosen)
    audit_record(action=f"{consensus.kind}.discrepancy_resolved", actor=actor, review=consensus.study.review,
                 obj=item, old=old, new={"key": item.key, "choice": choice, "value": chosen}, reason=item.reason)
    return item


def _set(consensus: Consensus, key: str, value) -> None:
    if value in (None, "", []):
        consensus.data.pop(key, None)
    else:
        consensus.data[key] = value
    consensus.version += 1
    consensus.save(update_fields=["data", "version"])


@transaction.atomic
def consensus_value_set(*, consensus: Consensus, key: str, raw, actor, reason: str,
                        expected_version: int | None) -> Consensus:
    """Correct one consensus value (also one both extractors agreed on) while it is open."""
    consensus = _locked_consensus(consensus, expected_version)
    require_resolver(consensus.study.review, actor)
    if not (reason or "").strip():
        raise ValidationError(NEEDS_REASON)
    cell = _cell(consensus, key)
    try:
        value = coerce(cell, raw)
    except ValueError_ as exc:
        raise ValidationError(str(exc)) from None
    old = consensus.data.get(key)
    _set(consensus, key, value)
    audit_record(action=f"{consensus.kind}.consensus_value_set", actor=actor, review=consensus.study.review,
                 obj=consensus, old={"key": key, "value": old}, new={"key": key, "value": value},
                 reason=reason.strip())
    return consensus
