"""The 4W pages, under /interventions/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "interventions"

urlpatterns = [
    path("", views.InterventionListView.as_view(), name="list"),
    path("new/", views.InterventionCreateView.as_view(), name="create"),
    path("export/", views.export, name="export"),
    path("gaps/", views.AnalysisView.as_view(), name="gaps"),
    path(
        "template-<str:language>.<str:file_format>",
        views.template,
        name="template",
    ),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/", views.InterventionDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.InterventionUpdateView.as_view(), name="edit"),
    path("<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
]
