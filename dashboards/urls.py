"""Dashboard pages: the shared dashboard under /dashboard/ (namespace "dashboards") and
the public statistics under /public/stats/ (namespace "public_stats"), both included
from coordination/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]

public_urlpatterns = [
    path("", views.public_stats, name="stats"),
]
