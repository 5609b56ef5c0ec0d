from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review.management.commands._helpers import review_by_slug, user_by_username
from review.models import Membership
from review.services.reviews import member_add, member_set_roles


class Command(BaseCommand):
    help = "Add a user to a review with a role (repeat --role for several); adds roles to an existing member."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", action="append", required=True, choices=["lead", "reviewer", "arbiter"])

    def handle(self, *args, slug, username, role, **options):
        review = review_by_slug(slug)
        user = user_by_username(username)
        existing = Membership.active.filter(review=review, user=user).first()
        try:
            if existing is None:
                membership = member_add(review=review, user=user, roles=role, actor=None)
            else:
                membership = member_set_roles(membership=existing, roles=set(existing.roles) | set(role), actor=None,
                                              expected_version=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{username} in {slug}: {', '.join(membership.roles)}."))
