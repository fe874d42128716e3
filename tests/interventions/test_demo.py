"""The demo's 4W: a few hundred interventions, linked to the demo emergencies, once."""

from __future__ import annotations

from demo.scenario import seed
from interventions.models import Intervention


def test_the_demo_has_a_few_hundred_interventions_and_reseeding_adds_none(db):
    first = seed()
    second = seed()

    assert first.created["interventions"] == Intervention.objects.count() == 320
    assert "interventions" not in second.created
    assert Intervention.objects.filter(emergency__isnull=False).exists()
    assert Intervention.objects.values("status").distinct().count() == 4
    assert Intervention.objects.values("region").distinct().count() >= 6
