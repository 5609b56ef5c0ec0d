"""Shared look-ups for the management commands (thin wrappers over services)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from review.models import Review


def review_by_slug(slug: str) -> Review:
    review = Review.objects.filter(slug=slug).first()
    if review is None:
        raise CommandError(f"No review with the slug {slug!r}.")
    return review


def user_by_username(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}; create it with: manage.py create_user {username}")
    return user
