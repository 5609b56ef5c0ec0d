"""One person's own extraction (or appraisal) of one study. Only their own values are ever
read here: the other extractor's entry is not even queried (DESIGN.md invariant 1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from extraction.definitions import cells_of
from extraction.formspec import cells, diff_cells
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS
from extraction.models import Consensus, Extraction
from extraction.services.extractions import (
    extraction_save,
    extraction_start,
    extraction_submit,
    parse_values,
)
from extraction.services.forms import current_form
from extraction.views import widgets
from extraction.views.common import expected, report, review_for, study_of


def _form_changes(extraction: Extraction, review):
    """Cells added to or removed from the form since this extraction's version."""
    if extraction.kind != "extraction":
        return None
    latest = current_form(review)
    if latest is None or latest.number == extraction.form_version.number:
        return None
    added, removed = diff_cells(extraction.form_version.schema, latest.schema)
    labels = {c.key: c.label for c in cells(latest.schema) + cells(extraction.form_version.schema)}
    return {"number": latest.number, "added": [labels[k] for k in added], "removed": [labels[k] for k in removed]}


def _entry(request, slug, pk, kind):
    review, membership = review_for(request, slug)
    study = study_of(review, pk)
    try:
        extraction = extraction_start(study=study, kind=kind, user=request.user)
    except ValidationError as exc:
        report(request, exc)
        return redirect("extraction:overview", slug=slug)
    raw, errors = None, []
    if request.method == "POST":
        raw = widgets.raw_from_post(request.POST)
        values, errors = parse_values(extraction, raw)
        if not errors:
            try:
                extraction = extraction_save(extraction=extraction, actor=request.user, values=values,
                                             expected_version=expected(request))
                if "submit" in request.POST:
                    extraction = extraction_submit(extraction=extraction, actor=request.user,
                                                   expected_version=extraction.version)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, "Submitted." if "submit" in request.POST else "Saved.")
                return redirect(request.path)
    rows = widgets.rows(cells_of(extraction), extraction.data, instrument=extraction.instrument, raw=raw)
    # Each message links to its input; messages not about one cell (a stale version) stay plain.
    targets = {row["error"]: row["id"] for row in rows if row["error"]}
    errors = [(message, targets.get(message)) for message in errors]
    assessment = None
    if extraction.kind == "appraisal":
        instrument = INSTRUMENTS[extraction.instrument]
        result = instrument.score(extraction.data)
        assessment = {"instrument": instrument, "overall": JUDGEMENT_LABELS.get(result.overall or "", "incomplete"),
                      "domains": [(d.label, JUDGEMENT_LABELS.get(result.domains[d.key] or "", "incomplete"),
                                   result.scores.get(d.key)) for d in instrument.domains]}
    consensus = Consensus.objects.filter(study=study, kind=kind).first()
    return render(request, "extraction/entry.html", {
        "review": review, "membership": membership, "study": study, "extraction": extraction, "kind": kind,
        "sections": widgets.sections_with_grids(rows), "errors": errors, "assessment": assessment,
        "changes": _form_changes(extraction, review), "consensus": consensus,
        "readonly": extraction.status == Extraction.SUBMITTED,
    }, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def extract(request, slug, pk):
    return _entry(request, slug, pk, "extraction")


@require_http_methods(["GET", "POST"])
@login_required
def appraise(request, slug, pk):
    return _entry(request, slug, pk, "appraisal")
