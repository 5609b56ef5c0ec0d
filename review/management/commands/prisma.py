import sys

from django.core.management.base import BaseCommand

from review.management.commands._helpers import review_by_slug
from review.prisma import prisma_counts
from review.prisma_export import FORMATS, render


class Command(BaseCommand):
    help = "PRISMA 2020 counts or flow diagram of a review, computed from its records and decisions."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("-o", "--output", help="File to write; standard output when absent.")

    def handle(self, *args, slug, format, output=None, **options):
        data = render(prisma_counts(review_by_slug(slug)), format)
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
            self.stdout.write(f"Wrote {output} ({len(data):,} bytes).")
        elif format in ("json", "csv", "svg"):
            self.stdout.write(data.decode(), ending="" if data.endswith(b"\n") else "\n")
        else:
            sys.stdout.buffer.write(data)
