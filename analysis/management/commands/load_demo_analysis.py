"""A demo review with real published data: the BCG vaccine trials (Colditz et al. 1994)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from analysis import demo
from review.management.commands.load_demo import DEMO_USERS, demo_users
from review.models import Review, Study
from review.services.reviews import member_add, review_create

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
        label = Study.objects.get(review__slug=DEMO_SLUG, notes__startswith=f"Trial {OPEN_TRIAL} of").label
        self.stdout.write(
            f"One trial, {label}, waits for its extractions to be reconciled: log in as lead, open "
            "Extraction, settle the discrepancy and lock; then run the analyses again for all 13 trials."
        )

    @transaction.atomic
    def _load(self):
        users = demo_users()
        lead = users["lead"]
        review = review_create(
            title="BCG vaccine against tuberculosis (demo: Colditz et al. 1994)",
            slug=DEMO_SLUG,
            lead=lead,
            population="Participants of the 13 BCG vaccine trials collected by Colditz et al. (JAMA 1994)",
            intervention="BCG vaccination",
            comparator="No vaccination",
            outcomes="Tuberculosis",
        )
        for name, _, roles in DEMO_USERS[1:]:
            member_add(review=review, user=users[name], roles=roles, actor=lead)
        return demo.load(
            review=review, lead=lead, extractors=[users["reviewer1"], users["reviewer2"]],
            leave_open=OPEN_TRIAL,
        )
