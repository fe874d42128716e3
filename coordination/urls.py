"""Root URLs: pages (per app), accounts, the API, admin, language switch."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from coordination import health, metrics
from coordination import help as user_guide
from dashboards.urls import public_urlpatterns as public_stats_urlpatterns
from notifications.services.backlog import outbox_gauges
from organisations.urls import public_urlpatterns, service_urlpatterns
from referrals.urls import feedback_urlpatterns, link_urlpatterns

# The admin signs in through allauth (rate limits, MFA).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # Operations: health checks (no sign-in, plain HTTP) and metrics (bearer token).
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, {"providers": [outbox_gauges]}, name="metrics"),
    path("", include("coordination.app_urls")),
    path("help/", user_guide.help_home, name="help_home"),  # the user guide (docs/)
    path("help/<path:path>", user_guide.help_page, name="help_page"),
    path("organisations/", include("organisations.urls")),
    path("services/", include((service_urlpatterns, "services"))),
    path("public/", include((public_urlpatterns, "public"))),
    path(
        "public/referral-feedback/",
        include((feedback_urlpatterns, "referral_feedback")),
    ),
    path("public/stats/", include((public_stats_urlpatterns, "public_stats"))),
    path("dashboard/", include("dashboards.urls")),
    path("interventions/", include("interventions.urls")),
    path("referrals/", include("referrals.urls")),
    path("l/", include((link_urlpatterns, "links"))),  # slip confirmation links
    path("emergencies/", include("emergencies.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("dialogue.urls")),  # meetings/, recommendations/
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("coordination.api")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = "coordination.views.permission_denied"
handler404 = "coordination.views.page_not_found"
handler500 = "coordination.views.server_error"
