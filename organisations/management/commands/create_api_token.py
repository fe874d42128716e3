"""Print a new API token for a user and one of their organisations (ops and tests)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organisations.models import ApiToken, Organisation, User
from organisations.services import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token acting for one of the user's organisations and print it "
        "(shown once: only its hash is stored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The token owner's e-mail.")
        parser.add_argument(
            "--organisation",
            help="Code of the organisation the token acts for "
            "(default: the one the user acts for).",
        )
        parser.add_argument(
            "--name", default="command line", help="A label, e.g. the system using it."
        )
        parser.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.READ_WRITE,
            help="read: safe methods only; read_write (default): reads and writes.",
        )

    def handle(
        self,
        *args,
        email: str,
        organisation: str | None,
        name: str,
        scope: str,
        **options,
    ):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        if organisation:
            org = Organisation.objects.filter(code=organisation).first()
            if org is None:
                raise CommandError(f"No organisation with the code {organisation}.")
            if not org.is_active:
                raise CommandError(f"The organisation {org.code} is deactivated.")
        else:
            org = user.acting_organisation
            if org is None:
                raise CommandError(
                    f"{user.email} is not a member of any active organisation: "
                    "pass --organisation."
                )
        try:
            token, key = create_api_token(
                actor=user,
                organisation=org,
                name=name,
                scope=scope,
                check_authority=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(key)
        # The key alone on stdout (scripts read it); what it may do and until when, apart.
        self.stderr.write(
            f"Scope: {token.scope}; expires {token.expires_at.isoformat()} "
            f"(renew it on the API tokens page)."
        )
