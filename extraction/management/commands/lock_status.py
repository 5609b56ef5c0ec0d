from django.core.management.base import BaseCommand, CommandError

from extraction.selectors import included_studies, locked_consensus, progress
from review.blinding import shown_fingerprint
from review.management.commands._helpers import review_by_slug

TAMPERED = "locked data disagree with the lock ledger: {studies}"
INTACT = "every locked record matches the fingerprint its lock ledger event holds"


class Command(BaseCommand):
    help = ("Show, per included study, how far extraction and appraisal are; check every locked record "
            "against the lock ledger (the lock events of the audit log) and fail on any disagreement.")

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, slug, **options):
        review = review_by_slug(slug)
        rows = progress(review, included_studies(review))
        self.stdout.write(f"{'study':30} {'extraction':22} {'appraisal':22}")
        for row in rows:
            self.stdout.write(f"{row['study'].label[:30]:30} {row['extraction']:22} {row['appraisal']:22}")
        locked = locked_consensus(review)
        self.stdout.write(f"locked: {len(locked.studies)} consensus record(s)")
        self.stdout.write(f"locked data fingerprint: {shown_fingerprint(locked.fingerprint)}")
        for tampered in locked.tampered:
            self.stdout.write(f"tampered: {tampered}")
        if locked.tampered:
            raise CommandError(TAMPERED.format(studies="; ".join(str(t) for t in locked.tampered)))
        self.stdout.write(INTACT)
