from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review.management.commands._helpers import user_by_username
from review.services.reviews import review_create


class Command(BaseCommand):
    help = "Create a review with its lead."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--title", required=True)
        parser.add_argument("--lead", required=True, help="username of the lead")
        parser.add_argument("--protocol", default="", help="protocol registration, e.g. a PROSPERO id")

    def handle(self, *args, slug, title, lead, protocol, **options):
        user = user_by_username(lead)
        try:
            review = review_create(title=title, slug=slug, lead=user, protocol_registration=protocol)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created review {review.slug!r} led by {user.username}."))
