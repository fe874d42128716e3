"""The dashboard pages: the shared dashboard (members, coordinators, observers) and the
public statistics (no login). Both read the same functions as the stats API
(dashboards.stats), so page, CSV and API always show the same figures.
Views handle HTTP and layout only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from coordination.models import Region

from . import stats
from .filters import FILTER_FIELDS, StatsFilterForm
from .permissions import require_dashboard_reader
from .serializers import csv_response

# Each block of the shared dashboard: its stats function (also its CSV's source).
BLOCKS = stats.FIGURES
PUBLIC_BLOCK = "public"

# The figure the 4W matrix and the map show.
FIGURES = {
    "reached": gettext_lazy("People reached"),
    "interventions": gettext_lazy("Interventions"),
    "organisations": gettext_lazy("Organisations"),
}
DEFAULT_FIGURE = "reached"

# People reached, by group, in the order of the charts' segments.
REACHED_GROUPS = (
    ("women", gettext_lazy("Women")),
    ("men", gettext_lazy("Men")),
    ("girls", gettext_lazy("Girls")),
    ("boys", gettext_lazy("Boys")),
)

# Colour classes of the map (and its legend): 0 is "nothing", then 5 steps.
MAP_CLASSES = 5


def _filter_form(data, *, public: bool = False) -> StatsFilterForm:
    form = StatsFilterForm(data)
    for name in ("period_start", "period_end"):
        widget = form.fields[name].widget
        widget.input_type = "date"
        widget.format = "%Y-%m-%d"
    for name in ("emergency", "region", "sector", "organisation"):
        if name in form.fields:
            form.fields[name].empty_label = _("All")
    if public:
        # The public figures are never split by organisation.
        del form.fields["organisation"]
    return form


def _filter_query(request, *, public: bool = False) -> str:
    """The filters of this request as a query string (for CSV links and switches)."""
    names = [n for n in FILTER_FIELDS if not (public and n == "organisation")]
    return urlencode([(n, request.GET[n]) for n in names if request.GET.get(n)])


def _bad_filters(form) -> HttpResponse:
    lines = [_("These filters are not valid:")]
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


# ---------------------------------------------------------------------------
# Layout helpers: pure functions of the stats data
# ---------------------------------------------------------------------------
def _share(value, maximum) -> float:
    """A bar's length in percent of the longest bar (0 when nothing to show)."""
    if not isinstance(value, int | float) or not maximum:
        return 0.0
    return round(100 * value / maximum, 2)


def _per_10000(value, population):
    if not isinstance(value, int | float) or not population:
        return None
    return round(value * 10000 / population, 2)


def map_classes(values: list) -> tuple[list[float], callable]:
    """Equal-interval classes over the positive values: (upper bounds, classify)."""
    positive = [v for v in values if isinstance(v, int | float) and v > 0]
    top = max(positive, default=0)
    bounds = [top * (i + 1) / MAP_CLASSES for i in range(MAP_CLASSES)]

    def classify(value) -> int:
        if not isinstance(value, int | float) or value <= 0 or not top:
            return 0
        for index, bound in enumerate(bounds):
            if value <= bound:
                return index + 1
        return MAP_CLASSES

    return bounds, classify


def four_w_layout(data: dict, figure: str, per_capita: bool) -> dict:
    """The region-by-sector matrix of one figure, the regions' map values and legend."""
    sectors = {}
    cells = {}
    for row in data.get("rows", []):
        sectors.setdefault(row["sector"], row["sector_name"])
        cells[(row["region"], row["sector"])] = row.get(figure)
    sector_list = sorted(sectors.items(), key=lambda item: str(item[1]))
    regions = []
    for region in data.get("regions", []):
        value = region.get(figure)
        shown = _per_10000(value, region.get("population")) if per_capita else value
        regions.append(
            {
                **region,
                "value": value,
                "shown": shown,
                "cells": [
                    cells.get((region["region"], code)) for code, _ in sector_list
                ],
            }
        )
    bounds, classify = map_classes([r["shown"] for r in regions])
    for region in regions:
        region["map_class"] = classify(region["shown"])
    sector_totals = []
    for code, _name in sector_list:
        values = [
            v
            for (region_code, sector_code), v in cells.items()
            if sector_code == code and isinstance(v, int)
        ]
        # Organisations can work in several regions: their total is not a sum.
        sector_totals.append(sum(values) if figure != "organisations" else None)
    lower = 0
    legend = []
    for index, bound in enumerate(bounds):
        if bound > lower:
            legend.append({"class": index + 1, "low": lower, "high": bound})
        lower = bound
    return {
        "sectors": [{"code": c, "name": n} for c, n in sector_list],
        "regions": regions,
        "sector_totals": sector_totals,
        "legend": legend,
        "map_data": {
            r["region"]: {
                "name": r.get("region_name", r["region"]),
                "value": r["shown"],
                "class": r["map_class"],
            }
            for r in regions
        },
    }


def reached_layout(data: dict) -> list[dict]:
    """Each month with its segments (women, men, girls, boys) as shares of the
    largest month, for the stacked bars beside the table."""
    months = data.get("by_month", [])
    top = max(
        (sum(m.get(g) or 0 for g, _ in REACHED_GROUPS) for m in months), default=0
    )
    rows = []
    for month in months:
        offset = 0.0
        segments = []
        for group, label in REACHED_GROUPS:
            width = _share(month.get(group) or 0, top)
            segments.append(
                {"group": group, "label": label, "x": offset, "width": width}
            )
            offset += width
        rows.append(
            {
                **month,
                "group_values": [month.get(g) for g, _ in REACHED_GROUPS],
                "segments": segments,
            }
        )
    return rows


def _group_cells(figures: dict) -> list[dict]:
    return [
        {"label": label, "value": figures.get(group)} for group, label in REACHED_GROUPS
    ]


def _percent(share):
    """A share (0 to 1) as a whole percentage; None stays None."""
    if not isinstance(share, int | float):
        return None
    return round(100 * share)


def receivers_layout(rows: list[dict]) -> list[dict]:
    """Per receiving organisation, the shares as percentages (completion beside
    acceptance), slow ones flagged (fewer than half of the answered referrals answered
    within the deadline)."""
    result = []
    for row in rows:
        within = _percent(row.get("answered_within_deadline_share"))
        result.append(
            {
                **row,
                "within_pct": within,
                "accepted_pct": _percent(row.get("acceptance_rate")),
                "completion_pct": _percent(row.get("completion_rate")),
                "slow": within is not None and within < 50,
            }
        )
    return result


def emergencies_layout(data: dict, region_names: dict[str, str]) -> list[dict]:
    """Each emergency with its regions' names and each need marked as a gap (declared,
    with no active intervention of its sector in its region) or covered."""
    rows = []
    for row in data.get("rows", []):
        gap_cells = {(g["region"], g["sector"]) for g in row.get("gap_cells", [])}
        needs = [
            {**need, "gap": (need.get("region"), need.get("sector")) in gap_cells}
            for need in row.get("needs", [])
        ]
        rows.append(
            {
                **row,
                "region_names": [
                    region_names.get(c, c) for c in row.get("regions", [])
                ],
                "needs": needs,
                "gap_count": len(gap_cells),
            }
        )
    return rows


def with_bars(rows: list[dict], key: str = "count") -> list[dict]:
    top = max((r.get(key) or 0 for r in rows if isinstance(r.get(key), int)), default=0)
    return [{**row, "bar": _share(row.get(key), top)} for row in rows]


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
@require_GET
@login_required
def dashboard(request):
    """The shared dashboard: every figure under one filter bar, each block with its
    numbers in a table and a CSV download of the same figures."""
    require_dashboard_reader(request.user)
    form = _filter_form(request.GET)
    valid = form.is_valid()
    block = request.GET.get("block", "")
    if request.GET.get("format") == "csv":
        if block not in BLOCKS:
            return HttpResponse(
                _("Unknown figure: choose one of %(blocks)s.")
                % {"blocks": ", ".join(BLOCKS)},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if not valid:
            return _bad_filters(form)
        data = BLOCKS[block](form.cleaned_data)
        return csv_response(block, data, filename=f"tansiq-{block}.csv")

    figure = request.GET.get("figure")
    figure = figure if figure in FIGURES else DEFAULT_FIGURE
    per_capita = request.GET.get("per_capita") in ("1", "true", "on")
    context = {
        "form": form,
        "figure": figure,
        "figure_label": FIGURES[figure],
        "figures": FIGURES,
        "per_capita": per_capita,
        "filter_query": _filter_query(request),
        "is_filtered": any(request.GET.get(n) for n in FILTER_FIELDS),
        "reached_groups": REACHED_GROUPS,
    }
    if valid:
        filters = form.cleaned_data
        data = {name: function(filters) for name, function in BLOCKS.items()}
        referrals = data["referrals"]
        context.update(
            data=data,
            four_w=four_w_layout(data["4w"], figure, per_capita),
            reached_rows=reached_layout(data["reached"]),
            reached_totals=[
                (data["reached"].get("totals") or {}).get(g) for g, _ in REACHED_GROUPS
            ],
            referral_total=sum(r["count"] for r in referrals.get("by_status", [])),
            referral_pending=next(
                (
                    r["count"]
                    for r in referrals.get("by_status", [])
                    if r["status"] == "pending"
                ),
                0,
            ),
            receivers=receivers_layout(referrals.get("by_receiver", [])),
            emergency_rows=emergencies_layout(
                data["emergencies"],
                {region.code: region.name for region in Region.objects.all()},
            ),
            referrals_by_status=with_bars(referrals.get("by_status", [])),
            referrals_by_priority=with_bars(referrals.get("by_priority", [])),
            recommendations_by_status=with_bars(
                data["recommendations"].get("by_status", [])
            ),
            recommendations_total=sum(
                r["count"] for r in data["recommendations"].get("by_status", [])
            ),
        )
    return render(
        request, "dashboards/dashboard.html", context, status=200 if valid else 400
    )


@require_GET
def public_stats(request):
    """The public figures (no login): aggregates only, small counts shown as "<5",
    no organisation-level referral figures."""
    form = _filter_form(request.GET, public=True)
    valid = form.is_valid()
    if request.GET.get("format") == "csv":
        if not valid:
            return _bad_filters(form)
        data = stats.public_stats({**form.cleaned_data, "organisation": None})
        return csv_response(PUBLIC_BLOCK, data, filename="tansiq-public-statistics.csv")
    context = {
        "form": form,
        "filter_query": _filter_query(request, public=True),
        "is_filtered": any(
            request.GET.get(n) for n in FILTER_FIELDS if n != "organisation"
        ),
    }
    if valid:
        data = stats.public_stats({**form.cleaned_data, "organisation": None})
        context.update(
            data=data,
            matrix=four_w_layout(data["four_w"], "reached", per_capita=False),
            reached_rows=[
                {**month, "group_cells": _group_cells(month)}
                for month in data["reached"]["by_month"]
            ],
            reached_totals=_group_cells(data["reached"]["totals"]),
            reached_groups=REACHED_GROUPS,
        )
    return render(
        request, "dashboards/public_stats.html", context, status=200 if valid else 400
    )
