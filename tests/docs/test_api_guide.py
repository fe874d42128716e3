"""Every example of the API guide (docs/api/*.md) runs against a live server: each
fenced ```python or ```sh block, in the order of its page, in a fresh process (as a
partner would paste it), with TANSIQ_URL and TANSIQ_TOKEN (and the referral page's
receiver, the webhook page's secret and signed delivery) in its environment. A block
that exits with an error fails its page's test, with its output. Other blocks (```json,
```text) are sample bodies and commands, not run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordination.celery import app as celery_app
from notifications.services.webhooks import sign, webhook_body
from organisations.models import Membership
from organisations.services import create_api_token
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api"
FENCE = re.compile(r"^```(python|sh)\b[^\n]*\n(.*?)^```\s*$", re.M | re.S)
RUNNERS = {"python": [sys.executable, "-c"], "sh": ["bash", "-euo", "pipefail", "-c"]}


def snippets(page: Path) -> list[tuple[str, str]]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


def _nav_order() -> list[Path]:
    """docs/api's pages in mkdocs.yml's order (sending a referral comes before
    answering it), then any page the nav forgets."""
    listed = re.findall(r"^\s*- (api/[\w-]+\.md)\s*$", MKDOCS.read_text(), re.M)
    pages = [GUIDE.parent / name for name in listed]
    return pages + sorted(set(GUIDE.glob("*.md")) - set(pages))


MKDOCS = Path(__file__).resolve().parents[2] / "mkdocs.yml"
PAGES = _nav_order()


def test_the_guide_has_runnable_examples():
    assert PAGES, f"no page in {GUIDE}"
    without = [p.name for p in PAGES if not snippets(p)]
    assert without == [], f"pages without a runnable example: {without}"


@pytest.fixture
def guide_env(live_server, settings, tmp_path):
    """Two organisations of the Oriental with a read-write token each; a signed
    webhook delivery on disk; the live server on plain http, workers run at once."""
    from coordination.services import load_reference_data

    load_reference_data()
    settings.SECURE_SSL_REDIRECT = False
    settings.INTERVENTION_IMPORT_SYNC_BYTES = 600  # the guide's 40-row file is "large"
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True

    keys = {}
    organisations = {}
    for side in ("sender", "receiver"):
        organisation = OrganisationFactory(code=f"guide-{side}")
        focal = MembershipFactory(
            organisation=organisation,
            user=UserFactory(email=f"focal.{side}@example.org", language="en"),
            role=Membership.Role.FOCAL_POINT,
        ).user
        _, keys[side] = create_api_token(
            actor=focal, organisation=organisation, name="API guide"
        )
        organisations[side] = organisation

    secret = "whsec-guide-not-secret"
    body = webhook_body(
        {
            "id": "5c3e0a5e-7f1f-4d6e-9d41-3b2f4c1d9e10",
            "event": "referral.received",
            "created_at": "2026-12-05T09:30:00+00:00",
            "data": {"code": "REF-7K3Q9X", "priority": "urgent"},
        }
    )
    (tmp_path / "delivery.json").write_bytes(body)

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TANSIQ_")},
        "TANSIQ_URL": live_server.url,
        "TANSIQ_TOKEN": keys["sender"],
        "TANSIQ_RECEIVER_TOKEN": keys["receiver"],
        "TANSIQ_RECEIVER_ID": str(organisations["receiver"].pk),
        "WEBHOOK_SECRET": secret,
        "WEBHOOK_SIGNATURE": sign(body, secret),
        "NO_PROXY": "*",
    }
    yield env
    celery_app.conf.task_always_eager = previous_eager


# serialized_rollback: the database is put back as it was for the transactional tests
# that follow (a plain flush would leave them without their serialized rows).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_example_runs(guide_env, tmp_path):
    """One live server and one database for the whole guide (a flush per page would
    cost seconds each); the pages run in the nav's order, each example in turn."""
    failures = []
    for guide_page in PAGES:
        for number, (language, code) in enumerate(snippets(guide_page), start=1):
            result = subprocess.run(
                [*RUNNERS[language], code],
                cwd=tmp_path,
                env=guide_env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if result.returncode != 0:
                failures.append(
                    f"{guide_page.name}, example {number} ({language}) failed:\n"
                    f"{code}\n--- stdout ---\n{result.stdout}\n"
                    f"--- stderr ---\n{result.stderr}"
                )
    assert not failures, "\n\n".join(failures)


def test_the_documented_429_is_the_real_one(api_as, monkeypatch):
    """rate-limits.md shows a 429's body and header: a real throttled call has them."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "1/minute", "anon": "1/minute"}
    )
    client = api_as(None)
    client.get("/api/v1/public/services/", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/api/v1/public/services/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    [message] = response.json()["errors"]["non_field_errors"]
    assert message.startswith("Request was throttled.")
    assert "Request was throttled." in (GUIDE / "rate-limits.md").read_text()
