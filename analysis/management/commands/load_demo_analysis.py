"""A demo review with real published data: the BCG vaccine trials (Colditz et al. 1994)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from analysis import demo
from review.management.commands.load_demo import demo_review_create, demo_users
from review.models import Review

DEMO_SLUG = "bcg-vaccine"
# Left for a visitor to reconcile and lock, so the demo walks that step too.
OPEN_TRIAL = "13"


class Command(BaseCommand):
    help = "Load the BCG vaccine trials as a locked, analysed demo review (once)."

    def handle(self, *args, **options):
        if Review.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write(f"The demo review {DEMO_SLUG!r} is already loaded.")
            return
        runs = self._load()
        for run in runs:
            pooled = run.results.get("pooled")
            if pooled:
                n = pooled["natural"]
                self.stdout.write(
                    f"{run.analysis.name}: {n['estimate']:.2f} [{n['ci_lb']:.2f}, {n['ci_ub']:.2f}], k = {pooled['k']}"
                )
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo review {DEMO_SLUG!r}."))
        label = next(demo.label_of(t) for t in demo.trials() if t["trial"] == OPEN_TRIAL)
        self.stdout.write(
            f"One trial, {label}, waits for its extractions to be reconciled: log in as lead, open "
            "Extraction, settle the discrepancy and lock; then run the analyses again for all 13 trials."
        )

    @transaction.atomic
    def _load(self):
        users = demo_users()
        lead = users["lead"]
        review = demo_review_create(
            users,
            title="BCG vaccine against tuberculosis (demo: Colditz et al. 1994)",
            slug=DEMO_SLUG,
            population="Participants of the 13 BCG vaccine trials collected by Colditz et al. (JAMA 1994)",
            intervention="BCG vaccination",
            comparator="No vaccination",
            outcomes="Tuberculosis",
        )
        return demo.load(
            review=review, lead=lead, extractors=[users["reviewer1"], users["reviewer2"]],
            leave_open=OPEN_TRIAL,
        )
