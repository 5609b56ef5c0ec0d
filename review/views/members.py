from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from review import selectors
from review.forms import AccountCreateForm, MemberAddForm, MemberRolesForm
from review.models import Membership
from review.permissions import get_review_for_user
from review.services.reviews import member_add, member_remove, member_set_roles, user_create
from review.views.versions import posted_version


@require_http_methods(["GET", "POST"])
@login_required
def member_list(request, slug):
    review, membership = get_review_for_user(request.user, slug)
    add_form = MemberAddForm(prefix="add")
    account_form = AccountCreateForm(prefix="account")
    if request.method == "POST":
        review, membership = get_review_for_user(request.user, slug, role="lead")
        if "add-username" in request.POST:
            add_form = MemberAddForm(request.POST, prefix="add")
            if add_form.is_valid():
                try:
                    member_add(review=review, user=add_form.cleaned_data["user"],
                               roles=add_form.cleaned_data["roles"], actor=request.user)
                except ValidationError as exc:
                    add_form.add_error(None, exc)
                else:
                    messages.success(request, f"{add_form.cleaned_data['username']} added.")
                    return redirect("review:members", slug=slug)
        else:
            account_form = AccountCreateForm(request.POST, prefix="account")
            if account_form.is_valid():
                data = account_form.cleaned_data
                try:
                    with transaction.atomic():
                        user = user_create(username=data["username"], email=data["email"],
                                           password=data["password"], actor=request.user, review=review)
                        member_add(review=review, user=user, roles=data["roles"], actor=request.user)
                except ValidationError as exc:
                    account_form.add_error(None, exc)
                else:
                    messages.success(request, f"Account {data['username']} created and added.")
                    return redirect("review:members", slug=slug)
    return _members_page(request, review, membership, add_form=add_form, account_form=account_form)


def _members_page(request, review, membership, *, add_form=None, account_form=None, roles_errors=(), editing=None):
    return render(request, "review/members.html", {
        "review": review, "membership": membership, "members": selectors.members_of(review),
        "add_form": add_form or MemberAddForm(prefix="add"),
        "account_form": account_form or AccountCreateForm(prefix="account"),
        "roles_errors": roles_errors, "editing": editing,
    })


def _member(review, pk) -> Membership:
    return get_object_or_404(Membership.active.select_related("user"), review=review, pk=pk)


@require_POST
@login_required
def member_roles(request, slug, pk):
    review, membership = get_review_for_user(request.user, slug, role="lead")
    member = _member(review, pk)
    form = MemberRolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose at least one role; to take every role away, remove the member.")
        return redirect("review:members", slug=slug)
    try:
        member_set_roles(membership=member, roles=form.cleaned_data["roles"], actor=request.user,
                         expected_version=posted_version(request))
    except ValidationError as exc:
        # The page comes back with the error on top and this member's boxes as they were ticked.
        editing = {"pk": member.pk, "roles": form.cleaned_data["roles"], "version": request.POST.get("version", "")}
        return _members_page(request, review, membership, roles_errors=exc.messages, editing=editing)
    messages.success(request, f"Roles of {member.user.username} saved.")
    return redirect("review:members", slug=slug)


@require_POST
@login_required
def member_remove_view(request, slug, pk):
    review, _ = get_review_for_user(request.user, slug, role="lead")
    member = _member(review, pk)
    try:
        member_remove(membership=member, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{member.user.username} removed; their past judgements stay on record.")
    return redirect("review:members", slug=slug)
