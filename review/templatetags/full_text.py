"""The full text beside the work: the record's (or the study's reports') stored PDF in an
<iframe> next to the form, shown by the browser's own PDF viewer, with a link to open it alone.

The PDF comes from Concord's own view (review:fulltext_pdf), so membership scoping applies;
nothing is loaded from anywhere else.
"""

from django import template
from django.urls import reverse

from review.models import FullText

register = template.Library()


def _full_texts(record, study):
    if record is not None:
        return FullText.objects.filter(record=record)
    if study is not None:
        return FullText.objects.filter(record__study=study, record__duplicate_of__isnull=True).order_by(
            "record__year", "record_id")
    return FullText.objects.none()


@register.inclusion_tag("review/_full_text_pane.html")
def full_text_pane(review, record=None, study=None):
    rows = list(_full_texts(record, study).select_related("record"))
    reports = [{"record": ft.record, "url": reverse("review:fulltext_pdf", args=[review.slug, ft.record_id])}
               for ft in rows if ft.pdf]
    # Without a stored PDF, a link to the full text elsewhere is still worth a click.
    links = [] if reports else [ft.url for ft in rows if ft.url]
    return {"reports": reports, "first": reports[0] if reports else None, "links": links}
