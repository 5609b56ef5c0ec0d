from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from extraction.models import Assignment
from extraction.selectors import included_studies, progress
from extraction.services.forms import current_form
from extraction.views.common import review_for


@require_GET
@login_required
def overview(request, slug):
    review, membership = review_for(request, slug)
    studies = included_studies(review)
    mine = {(a.study_id, a.kind) for a in Assignment.objects.filter(study__review=review, user=request.user)}
    rows = progress(review, studies)
    for row in rows:
        row["mine_extraction"] = (row["study"].pk, "extraction") in mine
        row["mine_appraisal"] = (row["study"].pk, "appraisal") in mine
    return render(request, "extraction/overview.html", {
        "review": review, "membership": membership, "rows": rows, "form": current_form(review),
        "can_resolve": membership.is_lead or membership.is_arbiter,
        # An assignment outlives the reviewer role; the entry pages refuse such a member.
        "can_extract": membership.is_reviewer,
    })
