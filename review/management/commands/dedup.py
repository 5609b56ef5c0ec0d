import time

from django.core.management.base import BaseCommand

from concord import spreadsheets
from review.management.commands._helpers import review_by_slug
from review.models import DuplicatePair, Record
from review.models.duplicates import PairStatus
from review.services.duplicates import dedup_run

REPORT_COLUMNS = ["record_id", "import_id", "position", "other_record_id", "decision", "score"]


def _report_rows(review, summary, dry_run: bool):
    """One row per record: what happened to it (auto, maybe, manual or none) and against which record."""
    outcome: dict[int, tuple] = {}
    if dry_run:
        for record_id, other_id, decision, score, _ in summary.pairs:
            if decision == "related":
                continue
            current = outcome.get(record_id)
            if current is None or (current[1] == "maybe" and decision == "auto") or (
                current[1] == decision and score > current[2]
            ):
                outcome[record_id] = (other_id, decision, score)
    else:
        pairs = DuplicatePair.objects.filter(review=review).exclude(status=PairStatus.LINKED)
        for pair in pairs.order_by("score"):
            if pair.status == PairStatus.MERGED:
                outcome[pair.record_id] = (pair.kept_id, "auto" if pair.automatic else "manual", pair.score)
            elif pair.status == PairStatus.PENDING and outcome.get(pair.record_id, (0, "maybe"))[1] == "maybe":
                outcome[pair.record_id] = (pair.kept_id, "maybe", pair.score)
    records = Record.objects.filter(review=review).order_by("record_import_id", "position")
    for record_id, import_id, position in records.values_list("id", "record_import_id", "position"):
        other, decision, score = outcome.get(record_id, ("", "none", ""))
        yield [record_id, import_id, position, other, decision, f"{score:.4f}" if score != "" else ""]


class Command(BaseCommand):
    help = "Find duplicate records in a review: merge certain ones, queue likely ones for a person."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
        parser.add_argument("--report", metavar="FILE.csv", help="one row per record, for scoring against truth")

    def handle(self, *args, slug, dry_run, report, **options):
        review = review_by_slug(slug)
        start = time.perf_counter()
        summary = dedup_run(review=review, dry_run=dry_run, progress=lambda m: self.stderr.write(m))
        seconds = time.perf_counter() - start
        prefix = "Would merge" if dry_run else "Merged"
        self.stdout.write(self.style.SUCCESS(
            f"{prefix} {summary.merged} duplicate records automatically; {summary.queued} pairs "
            f"{'would wait' if dry_run else 'wait'} for a person; {summary.related} related reports linked; "
            f"{summary.compared} records compared in {seconds:.1f} s."
        ))
        if report:
            with open(report, "w", newline="", encoding="utf-8") as handle:
                handle.write(spreadsheets.csv_text(REPORT_COLUMNS, _report_rows(review, summary, dry_run)))
            self.stdout.write(f"Report written to {report}.")
