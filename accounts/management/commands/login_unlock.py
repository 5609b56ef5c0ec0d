"""End a log-in lockout before its cool-off, on the audit log (axes' own reset commands
clear the same records but write no audit event)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import login_unlock


class Command(BaseCommand):
    help = "Forget the failed log-ins counted against a username and/or an address."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="")
        parser.add_argument("--address", default="", help="client IP address as the lockout recorded it")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, username, address, reason, **options):
        try:
            cleared = login_unlock(username=username, address=address, reason=reason)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        target = " and ".join(filter(None, [username, address]))
        self.stdout.write(f"Unlocked {target}: {cleared} failure records cleared.")
