"""Organisation pages: directory, profile, members and invitations, requests to join,
API tokens, audit trail, personal profile, the service catalogue and the public
directory. Views handle HTTP; services decide.

A package cut by responsibility; every view is re-exported here, so organisations/urls.py
and `from organisations.views import set_user_language` keep working."""

from __future__ import annotations

from .audit import OrganisationAuditView
from .catalogue import (
    PublicServiceDetailView,
    PublicServiceListView,
    ServiceCreateView,
    ServiceDetailView,
    ServiceListView,
    ServiceUpdateView,
    service_status,
)
from .join_requests import (
    JoinRequestCreateView,
    JoinRequestDetailView,
    JoinRequestListView,
    JoinRequestThanksView,
    join_request_approve,
    join_request_reject,
)
from .members import (
    CoordinatorInviteView,
    OrganisationMembersView,
    invitation_accept,
    invitation_revoke,
    member_remove,
    member_role,
)
from .organisations import (
    OrganisationCreateView,
    OrganisationDetailView,
    OrganisationListView,
    OrganisationUpdateView,
    UnconnectedOrganisationCreateView,
    deactivate,
    reactivate,
    unverify,
    verify,
)
from .profile import ProfileView, set_acting_organisation, set_user_language
from .tokens import ApiTokenListView, token_renew, token_revoke

__all__ = [
    "ApiTokenListView",
    "CoordinatorInviteView",
    "JoinRequestCreateView",
    "JoinRequestDetailView",
    "JoinRequestListView",
    "JoinRequestThanksView",
    "OrganisationAuditView",
    "OrganisationCreateView",
    "OrganisationDetailView",
    "OrganisationListView",
    "OrganisationMembersView",
    "OrganisationUpdateView",
    "ProfileView",
    "PublicServiceDetailView",
    "PublicServiceListView",
    "ServiceCreateView",
    "ServiceDetailView",
    "ServiceListView",
    "ServiceUpdateView",
    "UnconnectedOrganisationCreateView",
    "deactivate",
    "invitation_accept",
    "invitation_revoke",
    "join_request_approve",
    "join_request_reject",
    "member_remove",
    "member_role",
    "reactivate",
    "service_status",
    "set_acting_organisation",
    "set_user_language",
    "token_renew",
    "token_revoke",
    "unverify",
    "verify",
]
