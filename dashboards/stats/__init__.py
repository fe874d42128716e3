"""Every dashboard figure, as plain JSON-able data, for the pages and the API alike.

Each function takes the cleaned data of `StatsFilterForm` (model instances or None;
ids and codes are accepted too) and reads the maintained aggregates of
dashboards/models.py (kept by the triggers of dashboards/migrations/0002_triggers),
never a scan of the base tables:

- interventions count in the month they start (`start_date`), referrals in the month
  they are sent (`sent_at`, local time); the period selects the whole months from
  period_start's to period_end's;
- "reached" is an intervention's `reached_*` figures (its progress reports add to them);
- "organisations" counts the leading organisations (not partners), each once;
- for referrals, the organisation filter keeps the referrals it sent or received, and
  `by_receiver` then shows that organisation as a receiver;
- a referral is answered once it has `responded_at` (accepted or declined); its time to
  answer is in whole hours, rounded down, and the median is the lower median (the
  smallest value at or above half of the answers: `percentile_disc(0.5)`);
- "overdue" depends on the clock: it is counted from the referrals table itself, through
  the partial index on pending referrals' `due_at` (few rows: only late pending ones).
  So is "accepted, not completed after 30 days" (`stale_accepted`), through the
  partial index on accepted referrals' `responded_at`; accepted (answered minus
  declined) and completed come from the aggregates' `status` dimension.

`public_stats` suppresses small counts: every count from 1 to 4 reads "<5", and a total
adding up a suppressed figure reads None (shown as "hidden"), recursively, so no
combination of public figures reveals a count under 5.

Modules: selection (filters to aggregate rows), four_w_figures, referral_figures,
emergency_figures (gaps and overlaps), recommendation_figures, public_figures (small
counts suppressed), csv_rows (each figure's table for its CSV).
"""

from __future__ import annotations

from .csv_rows import to_csv_rows
from .emergency_figures import crowded_places, emergencies, find_gaps
from .four_w_figures import four_w, reached
from .public_figures import SMALL, SUPPRESSED, public_stats
from .recommendation_figures import recommendations
from .referral_figures import referrals
from .selection import (
    PARTS,
    TIME_ZONE,
    answer_stats,
    intervention_stats,
    local_month_start,
    month_after,
    month_bounds,
    normalise,
    referral_base_filter,
    referral_counts,
)

# The figures of the shared dashboard and of the stats API, by name.
FIGURES = {
    "4w": four_w,
    "reached": reached,
    "referrals": referrals,
    "emergencies": emergencies,
    "recommendations": recommendations,
}

__all__ = [
    "FIGURES",
    "PARTS",
    "SMALL",
    "SUPPRESSED",
    "TIME_ZONE",
    "answer_stats",
    "crowded_places",
    "emergencies",
    "find_gaps",
    "four_w",
    "intervention_stats",
    "local_month_start",
    "month_after",
    "month_bounds",
    "normalise",
    "public_stats",
    "reached",
    "recommendations",
    "referral_base_filter",
    "referral_counts",
    "referrals",
    "to_csv_rows",
]
