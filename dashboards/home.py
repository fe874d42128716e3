"""The home page: the public welcome, or the organisation's dashboard once signed in."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from emergencies.models import AlertRecipient
from interventions.models import Intervention
from organisations.models import JoinRequest, Organisation
from referrals.models import Referral

# Rows in each list of the organisation dashboard (the home page of members).
HOME_LIST_SIZE = 6


def _safe_reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _status_counts(queryset, now) -> dict[str, int]:
    """Referrals by status, plus the overdue and due-within-a-day pending ones (one
    query)."""
    status = Referral.Status
    pending = Q(status=status.PENDING)
    counts = {value: Count("id", filter=Q(status=value)) for value in status.values} | {
        "overdue": Count("id", filter=pending & Q(due_at__lt=now)),
        "due_soon": Count(
            "id",
            filter=pending & Q(due_at__gte=now, due_at__lt=now + timedelta(days=1)),
        ),
        "total": Count("id"),
    }
    return queryset.aggregate(**counts)


def organisation_summary(organisation, *, now=None) -> dict:
    """What an organisation has on its plate: incoming referrals by status and
    deadline (overdue first), its outgoing referrals, its interventions and the alerts
    waiting for its answer. A constant number of queries (referral metadata only:
    no beneficiary is read)."""
    now = now or timezone.now()
    incoming = Referral.objects.incoming(organisation)
    outgoing = Referral.objects.outgoing(organisation)
    incoming_open = list(
        incoming.open()
        .inbox_order(now)
        .select_related("from_organisation", "sector", "service_type")[:HOME_LIST_SIZE]
    )
    outgoing_open = list(
        outgoing.open()
        .select_related("to_organisation", "sector", "service_type")
        .order_by("due_at", "-id")[:HOME_LIST_SIZE]
    )
    for referral in incoming_open + outgoing_open:
        referral.url = _safe_reverse("referrals:referral_detail", referral.code)
        referral.overdue = (
            referral.status == Referral.Status.PENDING and referral.due_at < now
        )
        # The largest unit only ("2 weeks"), short enough for a table cell.
        referral.due_in = (
            timeuntil(referral.due_at, now, depth=1)
            if referral.status == Referral.Status.PENDING
            else None
        )
        referral.late_by = timesince(referral.due_at, now, depth=1)
    interventions = Intervention.objects.filter(organisation=organisation)
    status = Intervention.Status
    intervention_counts = interventions.aggregate(
        total=Count("id"),
        ongoing=Count("id", filter=Q(status=status.ONGOING)),
        planned=Count("id", filter=Q(status=status.PLANNED)),
        reached=Sum("reached_total"),
    )
    recent_interventions = list(
        interventions.select_related("activity", "sector", "region").order_by(
            "-start_date", "-pk"
        )[:HOME_LIST_SIZE]
    )
    waiting = AlertRecipient.objects.filter(organisation=organisation, response="")
    alerts_waiting = list(
        waiting.select_related("alert__emergency").order_by("-alert__created_at")[
            :HOME_LIST_SIZE
        ]
    )
    return {
        "now": now,
        "incoming": _status_counts(incoming, now),
        "incoming_open": incoming_open,
        "outgoing": _status_counts(outgoing, now),
        "outgoing_open": outgoing_open,
        "interventions": intervention_counts,
        "recent_interventions": recent_interventions,
        "alerts_waiting_count": waiting.count(),
        "alerts_waiting": alerts_waiting,
        "urls": {
            "inbox": _safe_reverse("referrals:referral_inbox"),
            "outgoing": _safe_reverse("referrals:referral_outgoing"),
        },
    }


def home(request):
    """A role-aware landing page; anonymous visitors get the public welcome."""
    context = {}
    user = request.user
    if user.is_authenticated and user.is_coordinator:
        context["pending_join_requests"] = JoinRequest.objects.filter(
            status=JoinRequest.Status.PENDING
        ).count()
        context["unverified_organisations"] = Organisation.objects.filter(
            is_active=True, verified=False
        ).count()
    if (
        user.is_authenticated
        and user.acting_organisation is not None
        and user.acting_membership is not None
    ):
        # The organisation dashboard: what is on the acting organisation's plate.
        context["org_dashboard"] = organisation_summary(user.acting_organisation)
    return render(request, "home.html", context)
