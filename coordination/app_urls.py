"""Coordination's pages: the shell (home, about) and the signed-in language switch."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    # Under /i18n/ like Django's own switch, which mandatory-MFA redirects leave alone.
    path("i18n/language/", views.set_user_language, name="set_user_language"),
]
