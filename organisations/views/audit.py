"""An organisation's audit trail: who changed what and when in the registry's rows."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.views.generic import DetailView

from coordination.history import HistoryRenderer
from coordination.permissions import VisibleToUserMixin
from organisations.models import ApiToken, Invitation, Membership, Organisation, Service

from .organisations import require_manager_page

# Only the registry's own rows: beneficiaries, consents and referrals also reference
# the organisation, and their history is not for this page's readers (coordinators
# among them). The organisation itself is the page's subject: not repeated per row.
HISTORY = HistoryRenderer(
    (Organisation, Membership, Invitation, ApiToken, Service),
    hidden={"key_hash", "organisation"},
)


class OrganisationAuditView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """Who changed what and when: the organisation and the rows that reference it."""

    queryset = Organisation.objects.all()
    template_name = "organisations/organisation_audit.html"
    paginate_by = 30

    def get_object(self, queryset=None):
        organisation = super().get_object(queryset)
        require_manager_page(self.request.user, organisation)
        return organisation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(HISTORY.events(self.object), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        context["page_obj"] = page
        context["entries"] = HISTORY.render(page.object_list)
        return context
