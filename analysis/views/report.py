"""The review report: PRISMA diagram, characteristics, risk of bias, every analysis."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from analysis.figures import FORMATS, KINDS
from analysis.presentation import shown_results
from analysis.r_code import csv_name, r_code
from analysis.report import characteristics, risk_of_bias
from analysis.selectors import report_statuses
from analysis.views.common import member_review
from extraction.selectors import locked_consensus


@require_safe
@login_required
def review_report(request, slug):
    review, membership = member_review(request, slug)
    locked = locked_consensus(review)
    statuses, left_out = report_statuses(review)
    return render(
        request,
        "analysis/report.html",
        {
            "review": review,
            "membership": membership,
            "characteristics": characteristics(review, locked),
            "risk_of_bias": risk_of_bias(locked),
            "statuses": statuses,
            "sections": [(s, shown_results(s.run.results) if s.run else None) for s in statuses],
            "left_out": left_out,
            "appendix": [
                (s, r_code(name=s.analysis.name, results=s.run.results, csv_name=csv_name(s.analysis.name)))
                for s in statuses
                if s.run is not None and "pooled" in s.run.results
            ],
            "kinds": KINDS,
            "formats": FORMATS,
        },
    )
