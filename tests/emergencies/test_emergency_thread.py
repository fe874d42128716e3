"""The discussion thread on an emergency page (comments are shared with every member)."""

from __future__ import annotations

from django.urls import reverse

from dialogue.models import Comment
from emergencies.services import create_emergency


def _emergency(coordinator, oriental):
    return create_emergency(
        actor=coordinator,
        title="Vague de froid",
        kind="cold_wave",
        regions=[oriental],
        started_on="2026-01-05",
    )


def test_emergency_page_shows_its_thread_and_members_can_comment(
    client_as, coordinator, worker_a, oriental
):
    emergency = _emergency(coordinator, oriental)
    client = client_as(worker_a)

    page = client.get(reverse("emergencies:detail", args=[emergency.pk]))
    response = client.post(
        reverse("api:comment-list"),
        {
            "emergency": emergency.pk,
            "body": "Nous avons 20 couvertures <b>en stock</b>.",
        },
        content_type="application/json",
    )
    again = client.get(reverse("emergencies:detail", args=[emergency.pk]))

    assert page.status_code == 200
    assert response.status_code == 201, response.content
    assert Comment.objects.filter(emergency=emergency).count() == 1
    assert "20 couvertures &lt;b&gt;en stock&lt;/b&gt;" in again.content.decode()
