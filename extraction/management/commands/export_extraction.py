from pathlib import Path

from django.core.management.base import BaseCommand

from extraction.outputs.export import export_all
from review.management.commands._helpers import review_by_slug


class Command(BaseCommand):
    help = "Write the locked extraction and appraisal data, tables, plots and agreement statistics."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--out", default=None, help="Folder to write to (default: ./extraction-<slug>).")

    def handle(self, slug, out=None, **options):
        review = review_by_slug(slug)
        folder = Path(out or f"extraction-{slug}")
        for path in export_all(review, folder):
            self.stdout.write(str(path))
