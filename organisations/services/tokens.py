"""API tokens: a partner system's key, created for an organisation with a scope and an
expiry (API_TOKEN_TTL_DAYS), renewed by a focal point, and revoked at once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import ValidationError
from coordination.permissions import require_focal_point_of
from organisations.models import ApiToken, Organisation, User, hash_secret


@transaction.atomic
def create_api_token(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    scope: str = ApiToken.Scope.READ_WRITE,
    check_authority: bool = True,
) -> tuple[ApiToken, str]:
    """Create a token for the organisation; the raw key is returned once, never stored."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Choose read only or read and write.")})
    if check_authority:
        require_focal_point_of(actor, organisation)
    if not actor.memberships.filter(organisation=organisation).exists():
        raise ValidationError(
            {
                "organisation": _(
                    "The token's owner must be a member of the organisation."
                )
            }
        )
    if not name.strip():
        raise ValidationError(
            {"name": _("Give the token a name, e.g. the system that uses it.")}
        )
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        organisation=organisation,
        user=actor,
        name=name.strip(),
        prefix=key[: len(ApiToken.PREFIX) + 6],
        key_hash=hash_secret(key),
        scope=scope,
        expires_at=ApiToken.new_expiry(),
    )
    return token, key


@transaction.atomic
def renew_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """Push a token's expiry to API_TOKEN_TTL_DAYS from now (expired ones too: the key
    does not change); a revoked token stays revoked."""
    require_focal_point_of(actor, token.organisation)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError({"token": _("A revoked token cannot be renewed.")})
    token.expires_at = ApiToken.new_expiry()
    token.save(update_fields=["expires_at", "updated_at"])
    return token


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """Revoke a token at once; calls with it get 401 from then on."""
    require_focal_point_of(actor, token.organisation)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return token
