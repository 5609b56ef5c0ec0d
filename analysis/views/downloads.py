"""Downloads of a run: plots (SVG, PNG, PDF), pooled tables (CSV, XLSX), the data set (CSV).

Every download comes from the latest stored run, never from a recomputation, so a file
matches the results page it was taken from.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from analysis import exports, figures
from analysis.presentation import shown_results
from analysis.r_code import csv_name, r_code
from analysis.selectors import latest_run, review_statuses
from analysis.views.common import member_review, review_analysis
from concord import spreadsheets

NOT_RUN = "This analysis has not been run yet."
NO_FIGURE = "This run has no studies to plot."
UNKNOWN = "Unknown format."


def _file(body: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    if not inline:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _run(request, slug, pk):
    review, _ = member_review(request, slug)
    analysis = review_analysis(review, pk)
    run = latest_run(analysis)
    if run is None:
        raise Http404(NOT_RUN)
    return review, analysis, run


@require_safe
@login_required
def plot(request, slug, pk, kind, fmt):
    review, analysis, run = _run(request, slug, pk)
    if kind not in figures.KINDS or fmt not in figures.FORMATS:
        raise Http404(UNKNOWN)
    if not figures.has_figures(run.results):
        raise Http404(NO_FIGURE)
    if fmt == "svg":
        body = figures.cached_svg(run, kind).encode()
    else:
        body = figures.render(run.results, kind, fmt)
    name = f"{slugify(analysis.name)}-{kind}.{fmt}"
    inline = fmt == "svg" and not request.GET.get("download")
    # An SVG is a document that may carry script: concord.csp gives it a policy that runs none.
    return _file(body, figures.CONTENT_TYPES[fmt], name, inline=inline)


@require_safe
@login_required
def table(request, slug, pk, fmt):
    review, analysis, run = _run(request, slug, pk)
    name = slugify(analysis.name)
    # As the results page shows the run (analysis.presentation), so the file matches it.
    results = shown_results(run.results)
    if fmt == "csv":
        frame = exports.analysis_pooled_frame(analysis.name, results)
        return _file(spreadsheets.frame_csv(frame), exports.CONTENT_TYPES["csv"], f"{name}-pooled.csv")
    if fmt == "xlsx":
        body = spreadsheets.frames_xlsx(exports.analysis_tables(analysis.name, results))
        return _file(body, exports.CONTENT_TYPES["xlsx"], f"{name}.xlsx")
    raise Http404(UNKNOWN)


@require_safe
@login_required
def dataset(request, slug, pk):
    review, analysis, run = _run(request, slug, pk)
    frame = exports.dataset_frame(run.results)
    return _file(spreadsheets.frame_csv(frame), exports.CONTENT_TYPES["csv"], csv_name(analysis.name))


@require_safe
@login_required
def reproduce(request, slug, pk):
    """The R code that reproduces the latest run from the data-set CSV above."""
    review, analysis, run = _run(request, slug, pk)
    code = r_code(name=analysis.name, results=run.results, csv_name=csv_name(analysis.name))
    return _file(code.encode(), "text/plain; charset=utf-8", f"{slugify(analysis.name)}.R")


@require_safe
@login_required
def review_table(request, slug, fmt):
    review, _ = member_review(request, slug)
    items = [(s.analysis.name, shown_results(s.run.results)) for s in review_statuses(review) if s.run]
    frame = exports.review_pooled_frame(items)
    if fmt == "csv":
        return _file(
            spreadsheets.frame_csv(frame), exports.CONTENT_TYPES["csv"], f"{review.slug}-pooled.csv"
        )
    if fmt == "xlsx":
        body = spreadsheets.frames_xlsx({"pooled": frame})
        return _file(body, exports.CONTENT_TYPES["xlsx"], f"{review.slug}-pooled.xlsx")
    raise Http404(UNKNOWN)
