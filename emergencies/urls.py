"""Emergency pages, under /emergencies/: emergencies, needs, capacities and alerts."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "emergencies"

urlpatterns = [
    path("", views.EmergencyListView.as_view(), name="list"),
    path("new/", views.EmergencyCreateView.as_view(), name="create"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.EmergencyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EmergencyUpdateView.as_view(), name="edit"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/needs/", views.NeedsView.as_view(), name="needs"),
    path("<int:pk>/alert/", views.AlertCreateView.as_view(), name="alert_create"),
    path("needs/<int:pk>/edit/", views.NeedUpdateView.as_view(), name="need_edit"),
    path("needs/<int:pk>/remove/", views.need_remove, name="need_remove"),
    path("capacities/", views.CapacityListView.as_view(), name="capacities"),
    path("capacities/new/", views.CapacityCreateView.as_view(), name="capacity_create"),
    path(
        "capacities/<int:pk>/edit/",
        views.CapacityUpdateView.as_view(),
        name="capacity_edit",
    ),
    path(
        "capacities/<int:pk>/withdraw/",
        views.capacity_withdraw,
        name="capacity_withdraw",
    ),
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert"),
    path("alerts/<int:pk>/answer/", views.alert_answer, name="alert_answer"),
]
