from django.core.management.base import BaseCommand, CommandError

from extraction.selectors import (
    fingerprint_mismatches,
    included_studies,
    locked_consensus,
    progress,
)
from review.blinding import shown_fingerprint
from review.management.commands._helpers import review_by_slug


class Command(BaseCommand):
    help = "Show, per included study, how far extraction and appraisal are, and the locked fingerprint."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, slug, **options):
        review = review_by_slug(slug)
        rows = progress(review, included_studies(review))
        self.stdout.write(f"{'study':30} {'extraction':22} {'appraisal':22}")
        for row in rows:
            self.stdout.write(f"{row['study'].label[:30]:30} {row['extraction']:22} {row['appraisal']:22}")
        locked = locked_consensus(review)
        self.stdout.write(f"locked: {len(locked.studies)} consensus record(s); fingerprint {shown_fingerprint(locked.fingerprint)}")
        mismatches = fingerprint_mismatches(review)
        if mismatches:
            raise CommandError("locked data changed since it was locked: " + ", ".join(mismatches))
        self.stdout.write("every locked record still matches the fingerprint taken when it was locked")
