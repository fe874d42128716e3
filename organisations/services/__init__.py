"""Every state change to users, organisations, memberships, invitations, join requests,
API tokens and services. Authority rules live here, once, for pages and API alike.

A package cut by responsibility; everything is re-exported here, so
`from organisations.services import X` and `services.X` keep working."""

from __future__ import annotations

from .catalogue import (
    SERVICE_FIELDS,
    SERVICE_M2M,
    ServicePreconditionFailed,
    can_manage_services,
    create_service,
    require_service_manager,
    service_rule_errors,
    set_service_status,
    update_service,
)
from .finder import ServiceMatch, rank_services
from .join_requests import (
    approve_join_request,
    reject_join_request,
    submit_join_request,
)
from .members import (
    accept_invitation,
    change_member_role,
    find_invitation,
    invite_user,
    remove_member,
    revoke_invitation,
    set_acting_organisation,
    update_profile,
)
from .organisations import (
    PROFILE_FIELDS,
    PROFILE_M2M,
    can_edit_profile,
    can_list_organisations,
    create_organisation,
    has_members,
    may_keep_unconnected,
    require_organisation_lister,
    require_profile_editor,
    set_organisation_active,
    unique_organisation_code,
    update_organisation,
    verify_organisation,
)
from .tokens import create_api_token, renew_api_token, revoke_api_token

__all__ = [
    "PROFILE_FIELDS",
    "PROFILE_M2M",
    "SERVICE_FIELDS",
    "SERVICE_M2M",
    "ServiceMatch",
    "ServicePreconditionFailed",
    "accept_invitation",
    "approve_join_request",
    "can_edit_profile",
    "can_list_organisations",
    "can_manage_services",
    "change_member_role",
    "create_api_token",
    "create_organisation",
    "create_service",
    "find_invitation",
    "has_members",
    "invite_user",
    "may_keep_unconnected",
    "rank_services",
    "reject_join_request",
    "remove_member",
    "renew_api_token",
    "require_organisation_lister",
    "require_profile_editor",
    "require_service_manager",
    "revoke_api_token",
    "revoke_invitation",
    "service_rule_errors",
    "set_acting_organisation",
    "set_organisation_active",
    "set_service_status",
    "submit_join_request",
    "unique_organisation_code",
    "update_organisation",
    "update_profile",
    "update_service",
    "verify_organisation",
]
