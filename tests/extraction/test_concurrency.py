"""Two people acting at the same moment: both submissions land and the consensus opens once;
two resolvers settling the same discrepancy from the same page: one lands, one is refused.

Real threads, real transactions: on PostgreSQL the row locks do the work; SQLite needs a
database file (SQLITE_TEST_PATH) for threads to wait on each other.
"""

import pytest
from django.core.exceptions import ValidationError

from extraction.models import Consensus, Discrepancy, Extraction
from extraction.services.assignments import assignment_set
from extraction.services.common import STALE_EDIT
from extraction.services.extractions import extraction_submit
from extraction.services.reconciliation import discrepancy_resolve
from review.models import AuditEvent, Study
from tests.concurrency import race, skip_on_memory_sqlite

from .conftest import VALUES

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 5


def test_simultaneous_submissions_both_land_and_open_one_consensus(team, form, fill):
    skip_on_memory_sqlite()
    for i in range(ROUNDS):
        study = Study.objects.create(review=team.review, label=f"Study {i}")
        assignment_set(
            study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None
        )
        a = fill(study, team.rev1, VALUES, submit=False)
        b = fill(study, team.rev2, VALUES | {"dose@IVIg": "3"}, submit=False)
        errors = race(
            [
                lambda a=a: extraction_submit(
                    extraction=a, actor=team.rev1, expected_version=a.version
                ),
                lambda b=b: extraction_submit(
                    extraction=b, actor=team.rev2, expected_version=b.version
                ),
            ]
        )
        assert errors == []
    assert Extraction.objects.filter(status="submitted").count() == 2 * ROUNDS
    assert Consensus.objects.count() == ROUNDS
    assert Discrepancy.objects.count() == ROUNDS
    assert AuditEvent.objects.filter(action="extraction.reconciliation_opened").count() == ROUNDS


def test_two_resolvers_on_one_stale_page_one_lands_one_is_refused(team, reconciled):
    skip_on_memory_sqlite()
    item = reconciled.discrepancies.get()
    version = reconciled.version
    errors = race(
        [
            lambda: discrepancy_resolve(
                discrepancy=item,
                choice="a",
                actor=team.lead,
                reason="lead",
                expected_version=version,
            ),
            lambda: discrepancy_resolve(
                discrepancy=item,
                choice="b",
                actor=team.arbiter,
                reason="arbiter",
                expected_version=version,
            ),
        ]
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert errors[0].messages == [STALE_EDIT]
    assert AuditEvent.objects.filter(action="extraction.discrepancy_resolved").count() == 1
