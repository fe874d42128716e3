"""Emergencies and preparedness: every state change of emergencies, their needs,
declared capacities and alerts. Authority rules live here, once, for pages and API
alike:

- emergencies.py: emergencies (with the one date rule) and their needs;
- capacities.py: what organisations declare they can mobilise;
- alerts.py: alerts, their recipients (and the providers that find them), answers;
- checks.py: where things lie, checked once for all of the above.
"""

from __future__ import annotations

from .alerts import (
    RECIPIENT_PROVIDERS,
    AlertScope,
    RecipientProvider,
    alert_recipient_status,
    alert_recipients,
    answer_alert,
    organisations_by_profile,
    preview_alert,
    register_recipient_provider,
    require_alert_answerer,
    send_alert,
)
from .capacities import (
    can_declare_capacity,
    declare_capacity,
    require_can_change_capacity,
    require_can_declare_capacity,
    update_capacity,
    withdraw_capacity,
)
from .checks import place_errors, provinces_outside, service_type_errors
from .emergencies import (
    GLIDE_TAKEN,
    add_need,
    close_emergency,
    create_emergency,
    emergency_date_errors,
    remove_need,
    update_emergency,
    update_need,
)

__all__ = [
    "GLIDE_TAKEN",
    "RECIPIENT_PROVIDERS",
    "AlertScope",
    "RecipientProvider",
    "add_need",
    "alert_recipient_status",
    "alert_recipients",
    "answer_alert",
    "can_declare_capacity",
    "close_emergency",
    "create_emergency",
    "declare_capacity",
    "emergency_date_errors",
    "organisations_by_profile",
    "place_errors",
    "preview_alert",
    "provinces_outside",
    "register_recipient_provider",
    "remove_need",
    "require_alert_answerer",
    "require_can_change_capacity",
    "require_can_declare_capacity",
    "send_alert",
    "service_type_errors",
    "update_capacity",
    "update_emergency",
    "update_need",
    "withdraw_capacity",
]
