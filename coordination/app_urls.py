"""The shell's pages: home (drawn by the dashboards), about, and the signed-in language
switch (kept in the user's profile)."""

from __future__ import annotations

from django.urls import path

from dashboards.home import home
from organisations.views import set_user_language

from . import reference_pages, views

urlpatterns = [
    path("", home, name="home"),
    path("about/", views.about, name="about"),
    path("sectors/", reference_pages.sector_list, name="sector_list"),
    path(
        "sectors/<slug:code>/activities/add/",
        reference_pages.activity_add,
        name="activity_add",
    ),
    # Under /i18n/ like Django's own switch, which mandatory-MFA redirects leave alone.
    path("i18n/language/", set_user_language, name="set_user_language"),
]
