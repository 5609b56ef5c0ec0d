"""The demo review that `make run` serves: the worked example of DESIGN.md."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from review.models import Review
from review.screening import demo as demo_screening
from review.services.imports import import_records
from review.services.reviews import member_add, review_create, user_create
from review.services.sources import source_create

DEMO_SLUG = "ivig-myositis"
DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
# Demo accounts for a local demo only; `make run` prints them. Never use them on a server.
DEMO_USERS = [
    ("lead", "concord-lead-demo", ["lead"]),
    ("reviewer1", "concord-reviewer1-demo", ["reviewer"]),
    ("reviewer2", "concord-reviewer2-demo", ["reviewer"]),
    ("arbiter", "concord-arbiter-demo", ["arbiter"]),
]


def demo_users() -> dict:
    """The demo accounts by username, created on first use; both demo reviews share them."""
    User = get_user_model()
    return {
        username: User.objects.filter(username=username).first()
        or user_create(username=username, password=password)
        for username, password, _ in DEMO_USERS
    }


def demo_review_create(users: dict, **fields):
    """A demo review led by the demo lead, with the other demo users as members."""
    review = review_create(lead=users["lead"], **fields)
    for username, _, roles in DEMO_USERS[1:]:
        member_add(review=review, user=users[username], roles=roles, actor=users["lead"])
    return review


class Command(BaseCommand):
    help = "Load the demo review and demo users (once; does nothing if they exist)."

    def handle(self, *args, **options):
        if Review.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write(f"The demo review {DEMO_SLUG!r} is already loaded.")
        else:
            self._load()
        self.stdout.write("\nDemo users (local demo only):")
        for username, password, roles in DEMO_USERS:
            self.stdout.write(f"  {username:<10} password: {password:<24} roles: {', '.join(roles)}")

    @transaction.atomic
    def _load(self):
        users = demo_users()
        lead = users["lead"]
        review = demo_review_create(
            users,
            title="IVIg and SCIg in idiopathic inflammatory myopathy (demo)",
            slug=DEMO_SLUG,
            population="Adults and children with idiopathic inflammatory myopathy (DM, JDM, PM, IMNM, ASS, overlap)",
            intervention="Intravenous or subcutaneous immunoglobulin",
            comparator="Standard care or placebo, where reported",
            outcomes="Complete and partial response of muscle power; MMT-8, MRC, CPK; steroid sparing; adverse events",
            study_designs="Randomised trials, prospective and retrospective cohorts, case series, conference abstracts",
            protocol_registration="CRD42021242839",
        )
        source = source_create(
            review=review,
            actor=lead,
            name="Reference list of Goswami et al. 2022",
            kind="citation_searching",
            search_string="The 60 references cited by the published review (Autoimmun Rev 2022;21:102997).",
            date_run=dt.date(2022, 2, 1),
        )
        path = DEMO_DIR / "goswami2022_references.ris"
        import_records(review=review, source=source, filename=path.name, data=path.read_bytes(), actor=lead)
        summary = demo_screening.screen(
            review=review, included_csv=DEMO_DIR / "goswami2022_included.csv",
            reviewers=[users["reviewer1"], users["reviewer2"]], arbiter=users["arbiter"], lead=lead,
        )
        self.stdout.write(
            f"Screened {summary['screened']} records; {summary['conflicts']} conflicts, "
            f"{summary['open_conflicts']} left for the arbiter."
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo review {DEMO_SLUG!r}."))
