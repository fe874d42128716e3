"""GET /api/v1/stats/… and /api/v1/public/stats/: thin views over dashboards/stats/."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coordination.drf import error_responses
from coordination.exceptions import ValidationError
from coordination.throttling import AnonRateThrottle

from . import stats
from .filters import PublicStatsFilterForm, StatsFilterForm
from .permissions import CanReadDashboards
from .serializers import FILTER_PARAMETERS, csv_response


class CSVRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` choose the export; errors stay JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json.dumps(data).encode()


def cleaned_filters(
    request, form_class: type[StatsFilterForm] = StatsFilterForm
) -> dict:
    """The query string through the filter form; 400 with its messages when invalid."""
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [str(m) for m in messages]
                for field, messages in form.errors.items()
            }
        )
    return form.cleaned_data


class _StatsView(APIView):
    name = ""
    renderer_classes = [
        renderers.JSONRenderer,
        renderers.BrowsableAPIRenderer,
        CSVRenderer,
    ]
    permission_classes = [CanReadDashboards]
    filter_form = StatsFilterForm

    def figures(self, filters: dict) -> dict:
        return stats.FIGURES[self.name](filters)

    def get(self, request, *args, **kwargs):
        data = self.figures(cleaned_filters(request, self.filter_form))
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return csv_response(self.name, data)
        return Response(data)

    def handle_exception(self, exc):
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            # Errors are JSON like every other error.
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)


def _schema(summary: str, parameters=FILTER_PARAMETERS):
    return extend_schema(
        summary=summary,
        parameters=parameters,
        responses={
            200: OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.BINARY,
            **error_responses(400, 401, 403),
        },
    )


class FourWStatsView(_StatsView):
    name = "4w"

    @_schema("4W: organisations, interventions and people reached per region x sector")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReachedStatsView(_StatsView):
    name = "reached"

    @_schema("People reached by sex, age and disability per month")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReferralStatsView(_StatsView):
    name = "referrals"

    @_schema(
        "Referral pathway: by status, priority, overdue; per receiving organisation"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EmergencyStatsView(_StatsView):
    name = "emergencies"

    @_schema("Active emergencies with needs, gaps and overlaps")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RecommendationStatsView(_StatsView):
    name = "recommendations"

    @_schema("Recommendations by status")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PublicStatsView(_StatsView):
    """No login: aggregates only, small counts suppressed, no organisation's figures."""

    name = "public"
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    filter_form = PublicStatsFilterForm

    def figures(self, filters: dict) -> dict:
        return stats.public_stats({**filters, "organisation": None})

    @_schema(
        "Public dashboard figures (counts under 5 suppressed)",
        [p for p in FILTER_PARAMETERS if p.name != "organisation"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
