"""What the demo steps share: the `Demo` they fill, and the demo password."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone, translation

from organisations.models import (
    Organisation,
    User,
)

DEMO_PASSWORD = "tansiq-demo"
Kind = Organisation.Kind

# Province codes (HCP) and regions the demo places its people and work in.
OUJDA, NADOR, BERKANE, DRIOUCH = "02.411", "02.381", "02.113", "02.167"
TANGER, TETOUAN, RABAT, SALE = "01.511", "01.571", "04.421", "04.441"
CASABLANCA, FES, MEKNES, MARRAKECH = "06.141", "03.231", "03.061", "07.351"
AGADIR, INEZGANE, GUELMIM, TANTAN = "09.001", "09.273", "10.261", "10.521"
LAAYOUNE, DAKHLA, ERRACHIDIA = "11.321", "12.391", "08.201"
ALL_REGIONS = [f"{n:02d}" for n in range(1, 13)]


@dataclass
class Demo:
    """What the steps share: the rows they found or made, and counts of new rows."""

    now: Any = field(default_factory=timezone.now)
    created: Counter[str] = field(default_factory=Counter)
    users: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    emergencies: list[Any] = field(default_factory=list)

    def get_or_create(
        self, model: type[models.Model], *, defaults: dict | None = None, **lookup
    ) -> tuple[Any, bool]:
        """The row matching `lookup`, created with `defaults` if missing (and counted)."""
        obj, created = model._default_manager.get_or_create(
            defaults=defaults or {}, **lookup
        )
        if created:
            self.count(model)
        return obj, created

    def count(self, model: type[models.Model]) -> None:
        """Count a new row under its model's English plural name, for the summary."""
        with translation.override(None):
            self.created[str(model._meta.verbose_name_plural)] += 1

    @property
    def coordinator(self) -> User:
        return self.users["coordinator@example.org"]
