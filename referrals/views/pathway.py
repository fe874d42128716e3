"""The coordinators' referral pathway (metadata only): the referrals under the shared
ReferralFilter, each receiving organisation's response and completion figures, the map
of who refers to whom (a graph, and the same figures as a table) and the gaps. The
figures come from referrals.services.pathway; this view handles HTTP."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_filters.views import FilterView

from referrals.filters import ReferralFilter
from referrals.models import Consent, Referral
from referrals.services import pathway

from .referrals import _name_filter_fields, _status_totals


def _add_titles(graph: dict) -> None:
    """The map's tooltips, written here in the user's language."""
    names = {}
    for node in graph["nodes"]:
        names[node["id"]] = node["name"]
        node["title"] = (
            node["name"]
            if node["connected"]
            else _("%(name)s (off the platform)") % {"name": node["name"]}
        )
    for edge in graph["edges"]:
        parts = [
            ngettext(
                "%(source)s → %(target)s: %(count)s referral",
                "%(source)s → %(target)s: %(count)s referrals",
                edge["referrals"],
            )
            % {
                "source": names[edge["source"]],
                "target": names[edge["target"]],
                "count": edge["referrals"],
            }
        ]
        if edge["median_hours"] is not None:
            parts.append(
                _("median response time %(hours)s h")
                % {"hours": number_format(edge["median_hours"], 1)}
            )
        if edge["completion_rate"] is not None:
            parts.append(_("%(rate)s %% completed") % {"rate": edge["completion_rate"]})
        if edge["stale"]:
            parts.append(
                ngettext(
                    "%(count)s accepted long ago, not completed",
                    "%(count)s accepted long ago, not completed",
                    edge["stale"],
                )
                % {"count": edge["stale"]}
            )
        edge["title"] = "; ".join(parts)


# Filters relative to the acting organisation or user, meaningless on the pathway.
HIDDEN_FILTERS = ("direction", "assigned_to_me", "updated_since")


class PathwayView(LoginRequiredMixin, FilterView):
    """Coordinators' view of the referral pathway: metadata of every referral, counts
    by status, each receiving organisation's figures, the map of who refers to whom
    and the gaps, computed in SQL. Never a beneficiary's code, identity or the reason
    (it may name the person)."""

    queryset = (
        Referral.objects.select_related(
            "from_organisation", "to_organisation", "sector", "service_type"
        )
        .defer("reason", "outcome", "decline_reason", "cancel_reason", "feedback")
        # Sent without consent, under vital interest: flagged to coordinators.
        .annotate(
            vital_interest=ExpressionWrapper(
                Q(consent__legal_basis=Consent.LegalBasis.VITAL_INTEREST),
                output_field=BooleanField(),
            )
        )
        .order_by("-sent_at", "-pk")
    )
    filterset_class = ReferralFilter
    template_name = "referrals/pathway.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_coordinator:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["queryset"] = kwargs["queryset"].pathway_visible_to(self.request.user)
        return kwargs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        for name in HIDDEN_FILTERS:
            filterset.form.fields.pop(name, None)
        _name_filter_fields(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.object_list  # the filtered referrals (none if the filters are bad)
        now = timezone.now()
        pairs = pathway.edges(rows, now=now)
        graph = pathway.graph(pairs)
        _add_titles(graph)
        context.update(
            totals=_status_totals(rows),
            closed_query="&".join(
                f"status={value}" for value in Referral.CLOSED_STATUSES
            ),
            per_organisation=pathway.per_receiver(rows, now=now),
            pairs=pairs,
            graph=graph,
            gaps=pathway.gaps(rows),
            stale_days=pathway.stale_days(),
            now=now,
            is_filtered=any(
                self.request.GET.get(name) for name in self.filterset_class.Meta.fields
            ),
        )
        return context
