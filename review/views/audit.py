from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_safe

from review import audit_words, selectors
from review.audit_chain import audit_chain_verify
from review.blinding import Blinding
from review.models import AuditEvent
from review.permissions import get_review_for_user


def _in_words(event) -> dict:
    return {"event": event, "action": audit_words.action_label(event.action),
            "object": audit_words.object_label(event.object_type, event.object_id),
            "lines": [] if event.hidden else audit_words.change_lines(event.old_value, event.new_value)}


def _date_or_none(value: str | None):
    try:
        return parse_date(value or "")
    except ValueError:
        return None


@require_safe
@login_required
def audit_log(request, slug):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    action = request.GET.get("action", "")[:60]
    actor = request.GET.get("actor", "")[:150]
    since = _date_or_none(request.GET.get("since"))
    until = _date_or_none(request.GET.get("until"))
    events = selectors.audit_events(review, action=action, actor=actor, since=since, until=until)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    # A lead who also screens or extracts sees no colleague's judgement of an item before
    # their own; what a row may show is the blinding policy's call, never this view's.
    shown = [_in_words(e) for e in Blinding(membership).show_all(page.object_list)]
    actions = sorted(set(AuditEvent.objects.filter(review=review).values_list("action", flat=True)))
    actors = sorted(set(AuditEvent.objects.filter(review=review).values_list("actor_username", flat=True)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "review/audit.html", {
        "review": review, "membership": membership, "page": page, "events": shown, "action": action, "actor": actor,
        "since": request.GET.get("since", ""), "until": request.GET.get("until", ""),
        "actions": actions, "actors": actors, "query": query.urlencode(),
        "chain": audit_chain_verify(review),
    })
