from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from review import home, selectors
from review.forms import ReviewCreateForm, ReviewSettingsForm
from review.models.imports import ImportStatus
from review.permissions import get_review_for_user
from review.services.reviews import review_create, review_update


@require_safe
@login_required
def review_list(request):
    reviews = selectors.reviews_for_user(request.user)
    return render(request, "review/review_list.html", {"reviews": reviews})


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
