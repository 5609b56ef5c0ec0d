"""Recompute every analysis of a review from locked consensus and write all exports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from analysis import exports, figures
from analysis.services import analyses_run_all
from concord import spreadsheets
from review.models import Review


class Command(BaseCommand):
    help = "Recompute every analysis of a review and write tables, data sets and plots to a folder."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The review's slug.")
        parser.add_argument(
            "-o", "--output", required=True, help="Folder to write into (created if absent)."
        )

    def handle(self, *args, slug, output, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with slug {slug!r}.")
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        runs = analyses_run_all(review=review)
        items = [(run.analysis.name, run.results) for run in runs]
        pooled = exports.review_pooled_frame(items)
        (out / "pooled.csv").write_bytes(spreadsheets.frame_csv(pooled))
        (out / "pooled.xlsx").write_bytes(spreadsheets.frames_xlsx({"pooled": pooled}))
        for run in runs:
            folder = out / f"{run.analysis.position:02d}-{slugify(run.analysis.name)}"
            folder.mkdir(exist_ok=True)
            name, results = run.analysis.name, run.results
            (folder / "pooled.csv").write_bytes(
                spreadsheets.frame_csv(exports.analysis_pooled_frame(name, results))
            )
            (folder / "tables.xlsx").write_bytes(
                spreadsheets.frames_xlsx(exports.analysis_tables(name, results))
            )
            (folder / "data.csv").write_bytes(spreadsheets.frame_csv(exports.dataset_frame(results)))
            if figures.has_figures(results):
                for kind in figures.KINDS:
                    svg = figures.cached_svg(run, kind)
                    (folder / f"{kind}.svg").write_text(svg, encoding="utf-8")
                    for fmt in ("png", "pdf"):
                        (folder / f"{kind}.{fmt}").write_bytes(figures.render(results, kind, fmt))
            state = f"k = {results['k']}" if "pooled" in results else results.get("error", "")
            self.stdout.write(f"{name}: {state}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(runs)} analyses to {out}."))
