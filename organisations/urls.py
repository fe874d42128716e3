"""Organisation pages, under /organisations/; service pages under /services/ and the
public directory under /public/services/ (included from coordination/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path(
        "off-platform/new/",
        views.UnconnectedOrganisationCreateView.as_view(),
        name="create_unconnected",
    ),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="edit"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/unverify/", views.unverify, name="unverify"),
    path("<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.reactivate, name="reactivate"),
    path("<int:pk>/members/", views.OrganisationMembersView.as_view(), name="members"),
    path("<int:pk>/audit/", views.OrganisationAuditView.as_view(), name="audit"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invite/", views.CoordinatorInviteView.as_view(), name="invite"),
    path(
        "invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
    path("join/", views.JoinRequestCreateView.as_view(), name="join"),
    path("join/thanks/", views.JoinRequestThanksView.as_view(), name="join_thanks"),
    path("join-requests/", views.JoinRequestListView.as_view(), name="join_requests"),
    path(
        "join-requests/<int:pk>/",
        views.JoinRequestDetailView.as_view(),
        name="join_request",
    ),
    path(
        "join-requests/<int:pk>/approve/",
        views.join_request_approve,
        name="join_request_approve",
    ),
    path(
        "join-requests/<int:pk>/reject/",
        views.join_request_reject,
        name="join_request_reject",
    ),
    path("tokens/", views.ApiTokenListView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("tokens/<int:pk>/renew/", views.token_renew, name="token_renew"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("acting/", views.set_acting_organisation, name="set_acting_organisation"),
]

# The catalogue of services (members), namespace "services", under /services/.
service_urlpatterns = [
    path("", views.ServiceListView.as_view(), name="list"),
    path("new/", views.ServiceCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ServiceDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ServiceUpdateView.as_view(), name="edit"),
    path("<int:pk>/status/", views.service_status, name="status"),
]

# The public directory (no login), namespace "public", under /public/.
public_urlpatterns = [
    path("services/", views.PublicServiceListView.as_view(), name="services"),
    path(
        "services/<int:pk>/",
        views.PublicServiceDetailView.as_view(),
        name="service_detail",
    ),
]
