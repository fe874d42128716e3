"""Users, organisations and how people belong to them, invitations, join requests, API
tokens and the services organisations offer. Every change to these rows is recorded by
pghistory triggers (the audit trail).

A package cut by sub-domain; everything is re-exported here, so
`from organisations.models import X` works for every model and shared list."""

from __future__ import annotations

from .choices import LANGUAGE_CHOICES, VULNERABILITY_CHOICES
from .invitations import (
    Invitation,
    InvitationQuerySet,
    JoinRequest,
    JoinRequestQuerySet,
)
from .organisations import (
    Membership,
    MembershipQuerySet,
    Organisation,
    OrganisationQuerySet,
    has_members_expression,
)
from .services import Service, ServiceQuerySet
from .tokens import ApiToken, ApiTokenQuerySet, hash_secret
from .users import User, UserManager

__all__ = [
    "LANGUAGE_CHOICES",
    "VULNERABILITY_CHOICES",
    "ApiToken",
    "ApiTokenQuerySet",
    "Invitation",
    "InvitationQuerySet",
    "JoinRequest",
    "JoinRequestQuerySet",
    "Membership",
    "MembershipQuerySet",
    "Organisation",
    "OrganisationQuerySet",
    "Service",
    "ServiceQuerySet",
    "User",
    "UserManager",
    "has_members_expression",
    "hash_secret",
]
