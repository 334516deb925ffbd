from django.core.management.base import BaseCommand, CommandError

from brokerdesk.core.errors import ApplicationError
from brokerdesk.org.models import ApiToken, Staff
from brokerdesk.org.tokens import DEFAULT_SCOPES, TOKEN_SCOPES, token_create, token_revoke


class Command(BaseCommand):
    help = "API tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user and print it")
        create.add_argument("--user", required=True, help="username the token acts as")
        create.add_argument("--name", default="integration")
        create.add_argument("--scope", action="append", dest="scopes", choices=sorted(TOKEN_SCOPES),
                            help=f"repeatable; default {' '.join(DEFAULT_SCOPES)}")
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                user = Staff.objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"no user named {options['user']!r}")
                _, raw = token_create(actor=None, user=user, name=options["name"], scopes=options["scopes"])
                self.stdout.write(raw)
            elif action == "list":
                for t in ApiToken.objects.select_related("user").order_by("created_at"):
                    state = "revoked" if t.revoked_at else "active"
                    self.stdout.write(f"{t.prefix}  {t.user.username:<16} {t.name:<20} {','.join(t.scopes)}  {state}")
            else:
                token_revoke(actor=None, prefix=options["prefix"])
                self.stdout.write(f"revoked {options['prefix']}")
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.details or ''}") from exc
