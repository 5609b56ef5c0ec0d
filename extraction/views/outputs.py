"""Downloads and the outputs page: everything here reads locked consensus only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concord import spreadsheets
from concord.frames import frame_rows
from extraction.instruments import INSTRUMENTS
from extraction.outputs import agreement, plots, tables
from extraction.selectors import locked_consensus
from extraction.views.common import review_for

TABLES = {
    "characteristics.csv": (tables.characteristics_frame, "csv"),
    "characteristics.xlsx": (tables.characteristics_frame, "xlsx"),
    "long.csv": (tables.long_frame, "csv"),
    "appraisal.csv": (tables.appraisal_frame, "csv"),
}


@require_GET
@login_required
def outputs(request, slug):
    review, membership = review_for(request, slug)
    locked = locked_consensus(review)
    instruments = sorted({s.instrument for s in locked.for_kind("appraisal")})
    return render(request, "extraction/outputs.html", {
        "review": review, "membership": membership, "locked": locked,
        "extraction_count": len(locked.for_kind("extraction")), "appraisal_count": len(locked.for_kind("appraisal")),
        "instruments": [(code, INSTRUMENTS[code].name) for code in instruments],
        "appraisal": frame_rows(tables.appraisal_frame(review)), "pairs": agreement.pair_agreement(review),
        "kappas": agreement.domain_kappas(review), "formats": list(plots.FORMATS),
        "weight_fields": plots.weight_fields(review),
    })


@require_GET
@login_required
def download(request, slug, name):
    review, _ = review_for(request, slug)
    if name not in TABLES:
        raise Http404("No such download.")
    build, fmt = TABLES[name]
    frame = build(review)
    if fmt == "xlsx":
        body, content_type = spreadsheets.frames_xlsx({"Characteristics": frame}), spreadsheets.XLSX_CONTENT_TYPE
    else:
        body, content_type = spreadsheets.frame_csv(frame), spreadsheets.CSV_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-{name}"'
    return response


@require_GET
@login_required
def plot(request, slug):
    review, _ = review_for(request, slug)
    code, style, fmt = request.GET.get("instrument"), request.GET.get("style"), request.GET.get("format", "svg")
    if code not in INSTRUMENTS or style not in ("traffic_light", "summary") or fmt not in plots.FORMATS:
        raise Http404("No such plot.")
    rows = plots.assessments(review, code)
    if style == "traffic_light":
        body = plots.traffic_light(rows, code, fmt)
    else:
        weight = request.GET.get("weight", "")
        body = plots.summary(rows, code, fmt, weights=plots.weights_from(review, weight) if weight else None)
    response = HttpResponse(body, content_type=plots.FORMATS[fmt])
    if fmt != "svg":
        response["Content-Disposition"] = f'attachment; filename="{review.slug}-{style}-{code}.{fmt}"'
    return response
