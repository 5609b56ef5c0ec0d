import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review.importers import FORMATS
from review.management.commands._helpers import review_by_slug, user_by_username
from review.models import SearchSource
from review.models.imports import ImportStatus
from review.services.imports import TOO_LARGE, import_records
from review.services.sources import source_create


class ProgressBar:
    def __init__(self, stream, width: int = 40):
        self.stream, self.width, self.last = stream, width, -1

    def __call__(self, done: int, total: int) -> None:
        if not total:
            return
        percent = int(100 * done / total)
        if percent == self.last:
            return
        self.last = percent
        filled = self.width * percent // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%")
        self.stream.flush()
        if done >= total:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import a search-export file into a review (the whole file, or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help='search source name, e.g. "PubMed" (created if new)')
        parser.add_argument("--format", choices=sorted(FORMATS), help="override the format read from the content")
        parser.add_argument("--skip-bad", action="store_true", help="skip bad records and report them")
        parser.add_argument("--user", help="username recorded as the importer (default: the review's first lead)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, slug, file, source, format, skip_bad, user, no_progress, **options):
        review = review_by_slug(slug)
        actor = user_by_username(user) if user else (
            review.memberships.filter(is_lead=True, removed_at__isnull=True).select_related("user").first().user
        )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        # Measured before reading, so an oversized file is never loaded into memory.
        size, limit = path.stat().st_size, settings.CONCORD_MAX_IMPORT_BYTES
        if size > limit:
            raise CommandError(TOO_LARGE.format(filename=path.name, size=size, limit=limit))
        search_source = SearchSource.objects.filter(review=review, name=source).first()
        try:
            if search_source is None:
                search_source = source_create(review=review, actor=actor, name=source)
            record_import = import_records(
                review=review, source=search_source, filename=path.name, data=path.read_bytes(), actor=actor,
                format=format, skip_bad=skip_bad,
                progress=None if no_progress else ProgressBar(sys.stderr),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if record_import.status != ImportStatus.DONE:
            raise CommandError(record_import.error)
        for problem in record_import.skipped:
            self.stderr.write(f"skipped record {problem['record']} (line {problem['line']}): {problem['reason']}")
        self.stdout.write(self.style.SUCCESS(
            f"Imported {record_import.record_count} records from {path.name} ({record_import.format}) "
            f"into {slug} as {search_source.name}; {len(record_import.skipped)} skipped."
        ))
