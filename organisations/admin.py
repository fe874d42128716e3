"""Django admin for support staff: codes only in lists, never personal case data."""

from __future__ import annotations

from django.contrib import admin

from .models import ApiToken, Invitation, JoinRequest, Membership, Organisation, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "platform_role", "is_active", "date_joined"]
    list_filter = ["platform_role", "is_active"]
    search_fields = ["email", "name"]
    exclude = ["password", "user_permissions", "groups"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "verified", "is_active"]
    list_filter = ["kind", "verified", "is_active"]
    search_fields = ["code", "name", "acronym"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organisation", "user", "role"]
    list_filter = ["role"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "role",
        "organisation",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["organisation_name", "kind", "status", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "organisation",
        "name",
        "scope",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
