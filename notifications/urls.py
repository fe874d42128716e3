"""Pages of notifications and webhooks, under /notifications/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="inbox"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("settings/", views.NotificationPreferencesView.as_view(), name="preferences"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path(
        "webhooks/<int:pk>/",
        views.WebhookDetailView.as_view(),
        name="webhook_detail",
    ),
    path(
        "webhooks/<int:pk>/activate/", views.webhook_activate, name="webhook_activate"
    ),
    path(
        "webhooks/<int:pk>/deactivate/",
        views.webhook_deactivate,
        name="webhook_deactivate",
    ),
    path(
        "deliveries/failed/",
        views.FailedDeliveryListView.as_view(),
        name="failed_deliveries",
    ),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
