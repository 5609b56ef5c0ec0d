from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from review import home, selectors
from review.forms import ReviewCreateForm, ReviewSettingsForm
from review.models.imports import ImportStatus
from review.permissions import get_review_for_user
from review.services.reviews import review_archive, review_create, review_update


@require_safe
@login_required
def review_list(request):
    reviews = list(selectors.reviews_for_user(request.user))
    return render(request, "review/review_list.html", {
        "reviews": [r for r in reviews if r.archived_at is None],
        "archived": [r for r in reviews if r.archived_at is not None],
    })


@require_POST
@login_required
def review_archive_view(request, slug):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    archive = request.POST.get("archive") == "1"
    try:
        review_archive(review=review, actor=request.user, reason=request.POST.get("reason", ""), archive=archive)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("review:settings", slug=slug)
    if archive:
        messages.success(request, f"“{review.title}” is archived: it is listed under Archived reviews, with all its data.")
        return redirect("review:list")
    messages.success(request, f"“{review.title}” is back among your current reviews.")
    return redirect("review:detail", slug=slug)


@require_http_methods(["GET", "POST"])
@login_required
def review_new(request):
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = review_create(lead=request.user, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Review “{review.title}” created. Add its search sources next.")
            return redirect("review:detail", slug=review.slug)
    return render(request, "review/review_new.html", {"form": form})


@require_safe
@login_required
def review_detail(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    sources = selectors.source_counts(review)
    imports = review.imports.select_related("source")[:10]
    counts = review.records.aggregate(records=Count("id"))
    return render(
        request,
        "review/review_detail.html",
        {
            "review": review,
            "membership": membership,
            "sources": sources,
            "imports": imports,
            "record_count": counts["records"],
            "members": selectors.members_of(review),
            "pending_imports": review.imports.filter(
                status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
            ).count(),
            "todos": home.todos_for(review, membership, request.user),
            "progress": home.progress_for(review) if membership.is_lead else [],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_settings(request, slug):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    form = ReviewSettingsForm(request.POST or None, instance=review, initial={"version": review.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        # The form's instance was edited in place by validation; start from the stored row.
        review.refresh_from_db()
        try:
            review_update(review=review, actor=request.user, version=version, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("review:settings", slug=slug)
    return render(request, "review/review_settings.html", {"review": review, "membership": membership, "form": form})
