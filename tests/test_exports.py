"""Every spreadsheet download (CSV and XLSX, pages and API) goes through the one writer,
coordination/spreadsheets.py: a text cell starting with =, +, -, @, a tab or a carriage
return is neutralised, and numbers (negative ones too) stay numbers.

Exports with no text a user can write are not listed: the "reached" and
"recommendations" figures (months, statuses and counts) and the CSV template (fixed
column names)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination import spreadsheets
from coordination.models import Sector, ServiceType
from dialogue.models import Meeting, Recommendation, RecommendationUpdate
from emergencies.models import Emergency
from interventions.models import Intervention
from tests.dashboards import conftest as dashboards
from tests.dashboards.conftest import intervention, refer
from tests.factories import OrganisationFactory

# The dashboards' small world (regions, sectors, organisations A-C, a person of A's).
world = dashboards.world

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# One planted value per formula start: it would compute 1 + i if run.
PLANTED = [f"{prefix}1+{i}" for i, prefix in enumerate(PREFIXES)]
LONGITUDE = Decimal("-1.908000")  # Oujda: west of Greenwich, a negative number


@pytest.fixture
def planted(world, worker_a, coordinator):
    """Each planted value as: a sector's name (with an intervention of that sector), an
    active emergency's title, an intervention's description, commune, funding source
    and only partner, an organisation receiving a referral, a recommendation's text,
    owner, addressee and latest progress, all in one meeting's follow-up report."""
    oriental = world["regions"][0]
    activities = {}
    for activity in ServiceType.objects.select_related("sector").order_by("code"):
        activities.setdefault(activity.sector_id, activity)
    meeting = Meeting.objects.create(
        title="Atelier de Rabat",
        starts_at=timezone.now(),
        created_by=coordinator,
    )
    for value, activity in zip(PLANTED, list(activities.values()), strict=False):
        Sector.objects.filter(pk=activity.sector_id).update(
            name_fr=value, name_ar=value, name_en=value
        )
        emergency = Emergency.objects.create(
            title=value,
            kind=Emergency.Kind.COLD_WAVE,
            started_on=date(2026, 1, 5),
            status=Emergency.Status.ACTIVE,
            created_by=coordinator,
        )
        emergency.regions.add(oriental)
        receiver = OrganisationFactory(
            code=f"plant-{PLANTED.index(value)}", name=value, acronym=""
        )
        row = intervention(
            worker_a,
            activity=activity,
            region=oriental,
            start=date(2026, 1, 10),
            emergency=emergency,
            women=7,
        )
        Intervention.objects.filter(pk=row.pk).update(
            description=value,
            commune=value,
            funding_source=value,
            latitude=Decimal("34.681000"),
            longitude=LONGITUDE,
        )
        row.partners.add(receiver)
        refer(world, receiver)
        recommendation = Recommendation.objects.create(
            text=value, meeting=meeting, owner=receiver, created_by=coordinator
        )
        recommendation.addressed_to.add(receiver)
        RecommendationUpdate.objects.create(
            recommendation=recommendation, text=value, author=coordinator
        )
    assert Sector.objects.filter(name_fr__in=PLANTED).count() == len(PLANTED)
    return {"meeting": meeting}


# (who downloads, how, the URL, its query) for every export with user-written text.
EXPORTS = [
    ("coordinator", "api", "api:intervention-export", {"format": "csv", "hxl": "1"}),
    ("coordinator", "api", "api:intervention-export", {"format": "xlsx"}),
    ("observer", "page", "interventions:export", {"format": "csv"}),
    ("observer", "page", "interventions:export", {"format": "xlsx", "hxl": "1"}),
    ("worker_a", "page", "interventions:template", ("fr", "xlsx")),
    ("coordinator", "page", "dashboards:dashboard", {"format": "csv", "block": "4w"}),
    (
        "worker_a",
        "page",
        "dashboards:dashboard",
        {"format": "csv", "block": "referrals"},
    ),
    (
        "observer",
        "page",
        "dashboards:dashboard",
        {"format": "csv", "block": "emergencies"},
    ),
    ("anonymous", "page", "public_stats:stats", {"format": "csv"}),
    ("coordinator", "api", "/api/v1/stats/4w/", {"format": "csv"}),
    ("observer", "api", "/api/v1/stats/referrals/", {"format": "csv"}),
    ("worker_a", "api", "/api/v1/stats/emergencies/", {"format": "csv"}),
    ("anonymous", "api", "/api/v1/public/stats/", {"format": "csv"}),
    ("observer", "page", "dialogue:meeting_report_csv", "meeting"),
]


def _download(request, client_as, api_as, planted, who, how, name, query):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    if query == "meeting":
        url, query = reverse(name, args=[planted["meeting"].pk]), {}
    elif isinstance(query, tuple):
        url, query = reverse(name, args=query), {}
    else:
        url = name if name.startswith("/") else reverse(name)
    if how == "api":
        return api_as(user).get(url, query, secure=True)
    return client_as(user).get(url, query)


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _csv_cells(response) -> list[str]:
    text = response.getvalue().decode("utf-8")
    assert text.startswith(spreadsheets.BOM)  # spreadsheets open it as UTF-8
    return [cell for row in csv.reader(io.StringIO(text[1:])) for cell in row]


def _xlsx_cells(response) -> list:
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    return [cell for sheet in workbook.worksheets for row in sheet for cell in row]


@pytest.mark.parametrize(("who", "how", "name", "query"), EXPORTS)
def test_every_export_neutralises_formula_like_text(
    request, client_as, api_as, planted, who, how, name, query
):
    response = _download(request, client_as, api_as, planted, who, how, name, query)

    assert response.status_code == 200
    if response["Content-Type"].startswith("text/csv"):
        cells = _csv_cells(response)
        for value in PLANTED:
            assert "'" + value in cells, repr(value)
        # Only a number may start like a formula (the 4W's negative longitudes).
        assert not [
            cell for cell in cells if cell.startswith(PREFIXES) and not _number(cell)
        ]
    else:
        cells = _xlsx_cells(response)
        texts = {cell.value for cell in cells if isinstance(cell.value, str)}
        for value in PLANTED:
            # XML reads a carriage return back as a line feed.
            assert value.replace("\r", "\n") in texts, repr(value)
        risky = [
            cell
            for cell in cells
            if isinstance(cell.value, str) and cell.value.startswith((*PREFIXES, "\n"))
        ]
        assert len(risky) >= len(PLANTED)
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)


@pytest.mark.parametrize(
    ("how", "name", "file_format"),
    [
        ("api", "api:intervention-export", "csv"),
        ("api", "api:intervention-export", "xlsx"),
        ("page", "interventions:export", "csv"),
        ("page", "interventions:export", "xlsx"),
    ],
)
def test_a_negative_number_stays_a_number(
    request, client_as, api_as, planted, how, name, file_format
):
    response = _download(
        request,
        client_as,
        api_as,
        planted,
        "observer",
        how,
        name,
        {"format": file_format},
    )

    assert response.status_code == 200
    if file_format == "csv":
        cells = _csv_cells(response)
        assert cells.count("-1.908000") == len(PLANTED)
        assert "'-1.908000" not in cells
    else:
        values = [cell.value for cell in _xlsx_cells(response)]
        assert values.count(float(LONGITUDE)) == len(PLANTED)


# --- the writer itself ------------------------------------------------------------


@pytest.mark.parametrize("value", PLANTED)
def test_the_writer_quotes_formula_like_text(value):
    assert spreadsheets.neutralise(value) == "'" + value
    assert spreadsheets.neutralise("a" + value) == "a" + value


@pytest.mark.parametrize(
    "value", [-3, -1.5, Decimal("-1.908"), 0, None, date(2026, 1, 1)]
)
def test_the_writer_leaves_numbers_and_other_values_alone(value):
    assert spreadsheets.neutralise(value) == value


def test_a_negative_number_written_as_text_is_text():
    assert spreadsheets.neutralise("-3") == "'-3"


def test_the_csv_lines_start_with_a_bom_and_guard_every_row():
    lines = list(spreadsheets.csv_lines([["=name", "x"], ["@a", -2, "+1"]]))

    assert lines == ["\ufeff", "'=name,x\r\n", "'@a,-2,'+1\r\n"]
