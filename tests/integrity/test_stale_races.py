"""Two leads saving from the same page at the same moment: one edit lands, the other is refused
as stale, even where the first save creates the row (a first plan, a first pair) and there is no
row yet to lock; never an IntegrityError, never both.

Real threads, real transactions: on PostgreSQL the row locks do the work; SQLite needs a
database file (SQLITE_TEST_PATH) for threads to wait on each other.
"""

import pytest
from django.core.exceptions import ValidationError

from extraction.models import AppraisalPlan, Assignment
from extraction.services.appraisal import appraisal_plan_set
from extraction.services.assignments import assignment_set, assignment_token
from extraction.services.common import STALE_EDIT as EXTRACTION_STALE_EDIT
from review.models import AuditEvent, Membership, Study
from review.services.reviews import member_add, member_set_roles
from review.services.versions import STALE_EDIT
from tests.concurrency import race, skip_on_memory_sqlite

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 3


@pytest.fixture
def second_lead(team, make_user):
    user = make_user("lars_lead")
    member_add(review=team.review, user=user, roles=["lead"], actor=team.lead)
    return user


def _one_refused(errors, message):
    assert len(errors) == 1, errors
    assert isinstance(errors[0], ValidationError) and errors[0].messages == [message]


def test_two_first_plans_for_one_study_one_lands(team, second_lead):
    skip_on_memory_sqlite()
    for i in range(ROUNDS):
        study = Study.objects.create(review=team.review, label=f"Study {i}")
        errors = race([
            lambda study=study: appraisal_plan_set(study=study, design="rct", actor=team.lead, expected_version=0),
            lambda study=study: appraisal_plan_set(study=study, design="cohort", actor=second_lead, expected_version=0),
        ])
        _one_refused(errors, EXTRACTION_STALE_EDIT)
        assert AppraisalPlan.objects.get(study=study).version == 1
        assert AuditEvent.objects.filter(action="appraisal.plan_set", object_id=str(study.pk)).count() == 1


def test_two_first_pairs_for_one_study_one_lands(team, second_lead, make_user):
    skip_on_memory_sqlite()
    third = make_user("remi_reviewer")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    empty = assignment_token([])
    for i in range(ROUNDS):
        study = Study.objects.create(review=team.review, label=f"Study {i}")
        errors = race([
            lambda study=study: assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead,
                                   expected_version=empty),
            lambda study=study: assignment_set(study=study, kind="extraction", users=[third, team.rev1], actor=second_lead,
                                   expected_version=empty),
        ])
        _one_refused(errors, EXTRACTION_STALE_EDIT)
        assert Assignment.objects.filter(study=study).count() == 2
        assert AuditEvent.objects.filter(action="extraction.assigned", object_id=str(study.pk)).count() == 1


def test_two_role_changes_from_one_page_one_lands(team, second_lead):
    skip_on_memory_sqlite()
    member = Membership.active.get(review=team.review, user=team.rev1)
    errors = race([
        lambda: member_set_roles(membership=member, roles=["reviewer", "arbiter"], actor=team.lead,
                                 expected_version=1),
        lambda: member_set_roles(membership=member, roles=["lead"], actor=second_lead, expected_version=1),
    ])
    _one_refused(errors, STALE_EDIT)
    member.refresh_from_db()
    assert member.version == 2
    assert AuditEvent.objects.filter(action="member.roles_changed").count() == 1
