import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from review.services.reviews import user_create


class Command(BaseCommand):
    help = "Create a user account. The password is read from an environment variable, never the command line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-from-env", metavar="VAR", help="name of the variable holding the password")

    def handle(self, *args, username, email, password_from_env, **options):
        password = None
        if password_from_env:
            password = os.environ.get(password_from_env)
            if not password:
                raise CommandError(f"The environment variable {password_from_env} is not set or empty.")
        try:
            user = user_create(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        note = "" if password else " (no password yet: it cannot log in until one is set)"
        self.stdout.write(self.style.SUCCESS(f"Created user {user.username}{note}."))
