from __future__ import annotations

from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
