import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from extraction.services.forms import form_publish
from review.management.commands._helpers import review_by_slug, user_by_username
from review.models import Membership

DEFAULT = Path(settings.BASE_DIR) / "fixtures" / "extraction" / "ivig_iim_form.json"


class Command(BaseCommand):
    help = "Publish the starter extraction form (the worked example's) for a review."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--file", default=str(DEFAULT), help="A form template JSON file.")
        parser.add_argument("--as", dest="username", help="The lead who publishes it (default: the first lead).")

    def handle(self, slug, file, username=None, **options):
        review = review_by_slug(slug)
        if username:
            actor = user_by_username(username)
        else:
            lead = Membership.active.filter(review=review, is_lead=True).select_related("user").first()
            if lead is None:
                raise CommandError("This review has no lead.")
            actor = lead.user
        template = json.loads(Path(file).read_text(encoding="utf-8"))
        try:
            version = form_publish(review=review, schema=template.get("schema", template), actor=actor)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Extraction form version {version.number} of {slug} published from {file}.")
