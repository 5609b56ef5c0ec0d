"""One study per included report by default, labelled "First-author Year".

A report included at full text gets a study of its own at once, so extraction can start
without the lead typing a label per report; the lead then groups reports of one trial (the
Included page suggests which). A default study left without reports by such a grouping goes,
unless something else already uses it (an assignment, an extraction, a consensus).
"""

from __future__ import annotations

from review.models import Record, Review, Study
from review.services.audit import audit_record
from review.study_labels import study_label, unique_label


def study_for_report(*, record_id: int, review: Review, actor) -> Study | None:
    """The report's own default study, made if it has none (inside the caller's transaction)."""
    record = Record.objects.select_for_update().get(pk=record_id)
    if record.study_id is not None or record.duplicate_of_id is not None:
        return None
    taken = Study.objects.filter(review=review).values_list("label", flat=True)
    label = unique_label(study_label(record.first_author, record.year), taken)
    study = Study.objects.create(review=review, label=label, created_by=actor, automatic=True)
    audit_record(action="study.created", actor=actor, review=review, obj=study,
                 new={"label": label, "automatic": True, "record": record.pk})
    record.study = study
    record.save(update_fields=["study"])
    audit_record(action="study.linked", actor=actor, review=review, obj=record, old={"study": None},
                 new={"record": record.pk, "study": label})
    return study


def _in_use(study: Study) -> bool:
    # Every model that points at a study counts, whichever app it belongs to (extraction's
    # assignments and work included), without review importing them.
    for relation in Study._meta.related_objects:
        if relation.related_model is Record:
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: study}).exists():
            return True
    return False


def drop_if_left_empty(*, study_id: int | None, review: Review, actor) -> bool:
    """Remove a default study whose last report went to another study, if nothing uses it."""
    if study_id is None:
        return False
    study = Study.objects.filter(pk=study_id, automatic=True).first()
    if study is None or Record.objects.filter(study=study).exists() or _in_use(study):
        return False
    audit_record(action="study.removed", actor=actor, review=review, obj=study,
                 old={"label": study.label, "automatic": True}, reason="its last report joined another study")
    study.delete()
    return True
