from django.core.management.base import BaseCommand, CommandError

from review.audit_chain import audit_chain_verify
from review.management.commands._helpers import review_by_slug
from review.models import AuditChainHead, Review

NOTHING_CHOSEN = "Name a review's slug, or pass --all (every review and the global chain) or --global."
GLOBAL_LABEL = "(events without a review)"
DELETED_LABEL = "(deleted review {id})"


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain of a review and name the first event where it breaks."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?")
        parser.add_argument("--all", action="store_true", help="Every review, then the global chain.")
        parser.add_argument("--global", dest="global_chain", action="store_true",
                            help="The chain of events without a review (accounts, users).")

    def handle(self, *args, slug=None, all=False, global_chain=False, **options):
        if all:
            reviews = list(Review.objects.order_by("slug"))
            # A deleted review's events stay (the log is append-only), and so does its chain.
            gone = (AuditChainHead.objects.exclude(chain__in=[r.pk for r in reviews])
                    .exclude(chain=AuditChainHead.GLOBAL).order_by("chain").values_list("chain", flat=True))
            targets = [(review.slug, review) for review in reviews]
            targets += [(DELETED_LABEL.format(id=chain), Review(pk=chain)) for chain in gone]
            targets.append((GLOBAL_LABEL, None))
        elif slug:
            targets = [(slug, review_by_slug(slug))]
        elif global_chain:
            targets = [(GLOBAL_LABEL, None)]
        else:
            raise CommandError(NOTHING_CHOSEN)
        broken = []
        for label, review in targets:
            verdict = audit_chain_verify(review)
            line = f"{label}: {verdict.message}" if len(targets) > 1 else verdict.message
            if verdict.intact:
                self.stdout.write(line)
            else:
                broken.append(line)
                if len(targets) > 1:
                    self.stderr.write(line)
        if broken:
            raise CommandError(broken[0] if len(broken) == 1 else f"{len(broken)} audit chains are broken.")
