"""The demo scenario of PRODUCT.md "Demo": a fictional Moroccan coordination platform,
seeded step by step, one module of this package per domain.

Imported only by the `seed_demo` management command (demo/ is a top layer: it may import
every app; no app imports it). Every row is made through the apps' services where one
exists, so the demo obeys the same rules as the pages and the API.

Seeding is idempotent: every row is looked up by a stable key (an organisation's code, a
user's e-mail, an invitation's address and role) and created only when missing, and an
existing row is never written to, so a second run creates nothing and keeps whatever
users changed. A new domain adds its data as a step: write `def seed_things(demo: Demo)`
in its module, using `demo.get_or_create()` and the objects earlier steps left in
`demo`, and append it to `STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import DEMO_PASSWORD, Demo
from .beneficiaries import seed_beneficiaries
from .catalogue import seed_services
from .dialogue import seed_dialogue
from .emergencies import seed_alerts, seed_emergencies, seed_notification_settings
from .interventions import seed_interventions
from .off_platform import seed_off_platform
from .organisations import (
    seed_accounts,
    seed_coordinator,
    seed_invitations,
    seed_join_requests,
    seed_organisations,
)
from .referrals import seed_referrals

# The steps are importable from here too: tests seed a few of them.
__all__ = [
    "DEMO_PASSWORD",
    "STEPS",
    "Demo",
    "seed",
    "seed_accounts",
    "seed_alerts",
    "seed_beneficiaries",
    "seed_coordinator",
    "seed_dialogue",
    "seed_emergencies",
    "seed_interventions",
    "seed_invitations",
    "seed_join_requests",
    "seed_notification_settings",
    "seed_off_platform",
    "seed_organisations",
    "seed_referrals",
    "seed_services",
]

STEPS: list[Callable[[Demo], None]] = [
    seed_coordinator,
    seed_organisations,
    seed_accounts,
    seed_invitations,
    seed_join_requests,
    seed_emergencies,
    seed_alerts,
    seed_notification_settings,
    seed_interventions,
    seed_dialogue,
    seed_services,
    seed_beneficiaries,
    seed_referrals,
    seed_off_platform,
]


def seed(steps: list[Callable[[Demo], None]] | None = None) -> Demo:
    """Run the steps (all by default) and return what they found and created."""
    demo = Demo()
    for step in steps or STEPS:
        step(demo)
    return demo
