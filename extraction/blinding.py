"""Extraction's side of the blinding policy (review.blinding): who still owes which work."""

from __future__ import annotations

from review.blinding import WorkSource


class ExtractionWork(WorkSource):
    object_types = ("extraction.extraction", "extraction.consensus")

    def pending(self, membership) -> set[tuple[str, int]]:
        from extraction.models import Assignment, Extraction

        assigned = set(Assignment.objects.filter(study__review_id=membership.review_id, user_id=membership.user_id)
                       .values_list("kind", "study_id"))
        submitted = set(Extraction.objects.filter(study__review_id=membership.review_id, user_id=membership.user_id,
                                                  status=Extraction.SUBMITTED).values_list("kind", "study_id"))
        return assigned - submitted

    def items(self, object_type: str, object_ids: set[str]) -> dict[str, tuple[str, int]]:
        from extraction.models import Consensus, Extraction

        model = Extraction if object_type == "extraction.extraction" else Consensus
        ids = [i for i in object_ids if i.isdigit()]
        if not ids:
            return {}
        return {str(pk): (kind, study_id)
                for pk, kind, study_id in model.objects.filter(pk__in=ids).values_list("pk", "kind", "study_id")}
