"""Members and invitations: an organisation's members page, roles and removal, the
coordinators' invitations, and accepting an invitation (which may create the account)."""

from __future__ import annotations

# No public allauth API records a sign-in made outside its own views (65.x keeps
# record_authentication internal); see invitation_accept.
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView
from django.views.generic.edit import FormMixin

from coordination.exceptions import Conflict, ValidationError
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator
from organisations import services
from organisations.forms import (
    CoordinatorInviteForm,
    InvitationAcceptForm,
    InviteMemberForm,
    MemberRoleForm,
)
from organisations.models import Invitation, Membership, Organisation, User, hash_secret

from .organisations import is_focal_point_of, require_manager_page

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


class OrganisationMembersView(
    LoginRequiredMixin, VisibleToUserMixin, FormMixin, DetailView
):
    """Members, pending invitations and the invite form of one organisation."""

    queryset = Organisation.objects.all()
    form_class = InviteMemberForm
    template_name = "organisations/organisation_members.html"

    def get_object(self, queryset=None):
        organisation = super().get_object(queryset)
        require_manager_page(self.request.user, organisation)
        return organisation

    def invite_roles(self) -> list[str]:
        if is_focal_point_of(self.request.user, self.object):
            return list(Membership.Role.values)
        return [Membership.Role.FOCAL_POINT]  # a coordinator invites focal points

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "roles": self.invite_roles()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        context["can_manage_members"] = is_focal_point_of(user, org)
        context["memberships"] = (
            Membership.objects.visible_to(user)
            .filter(organisation=org)
            .select_related("user")
            .order_by("-role", "user__email")
        )
        context["invitations"] = (
            Invitation.objects.visible_to(user)
            .filter(organisation=org, accepted_at__isnull=True)
            .select_related("invited_by")
        )
        context["roles"] = Membership.Role.choices
        context["invitation_ttl_days"] = settings.INVITATION_TTL_DAYS
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        with service_errors(form):
            invitation, _key = services.invite_user(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=self.object,
            )
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.")
                % {"email": invitation.email},
            )
            return redirect("organisations:members", pk=self.object.pk)
        return self.form_invalid(form)


def _back_to_members(membership_or_invitation):
    return redirect(
        "organisations:members", pk=membership_or_invitation.organisation_id
    )


@require_POST
@login_required
def member_role(request, pk: int):
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related(
            "organisation", "user"
        ),
        pk=pk,
    )
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return _back_to_members(membership)
    try:
        membership = services.change_member_role(
            membership, actor=request.user, role=form.cleaned_data["role"]
        )
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {
                "person": membership.user.display_name,
                "role": membership.get_role_display(),
            },
        )
    return _back_to_members(membership)


@require_POST
@login_required
def member_remove(request, pk: int):
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related(
            "organisation", "user"
        ),
        pk=pk,
    )
    try:
        services.remove_member(membership, actor=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return _back_to_members(membership)
    messages.success(
        request,
        _("%(person)s has been removed from %(organisation)s.")
        % {
            "person": membership.user.display_name,
            "organisation": membership.organisation.name,
        },
    )
    if membership.user_id == request.user.pk:  # they left: the page is no longer theirs
        return redirect("home")
    return _back_to_members(membership)


@require_POST
@login_required
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=pk)
    try:
        services.revoke_invitation(invitation, actor=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(
            request,
            _("The invitation to %(email)s has been withdrawn.")
            % {"email": invitation.email},
        )
    if invitation.organisation_id and invitation.role in Membership.Role.values:
        return _back_to_members(invitation)
    return redirect("organisations:invite")


class CoordinatorInviteView(LoginRequiredMixin, FormView):
    """Coordinators invite focal points, observers and coordinators."""

    form_class = CoordinatorInviteForm
    template_name = "organisations/invite.html"
    success_url = reverse_lazy("organisations:invite")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = {"role": Invitation.Role.FOCAL_POINT}
        if (org := self.request.GET.get("organisation", "")).isdigit():
            initial["organisation"] = org
            # Off the platform, its contact address is the likely focal point's.
            organisation = Organisation.objects.filter(pk=org).first()
            if organisation is not None and not services.has_members(organisation):
                initial["email"] = organisation.email
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        with service_errors(form):
            invitation, _key = services.invite_user(
                actor=self.request.user,
                email=data["email"],
                role=data["role"],
                organisation=data["organisation"],
            )
            messages.success(
                self.request,
                _("An invitation has been sent to %(email)s.")
                % {"email": invitation.email},
            )
            return super().form_valid(form)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = (
            Invitation.objects.visible_to(self.request.user)
            .filter(role__in=[Invitation.Role.OBSERVER, Invitation.Role.COORDINATOR])
            .select_related("organisation", "invited_by")[:50]
        )
        return context


@never_cache
def invitation_accept(request, key: str):
    """Accept an invitation: create the account (anonymous), or join with the signed-in
    account it was sent to. A bad, used, withdrawn or expired link changes nothing."""
    try:
        invitation = services.find_invitation(key)
    except ValidationError as error:
        known = Invitation.objects.filter(key_hash=hash_secret(key)).exists()
        return render(
            request,
            "organisations/invitation_invalid.html",
            {"reason": error.messages[0]},
            status=410 if known else 400,
        )
    context = {"invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            return render(
                request,
                "organisations/invitation_accept.html",
                {**context, "wrong_account": True},
                status=403,
            )
        if request.method == "POST":
            try:
                services.accept_invitation(key, user=user)
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect("home")
            messages.success(request, _("Welcome! The invitation has been accepted."))
            return redirect("home")
        return render(request, "organisations/invitation_accept.html", context)

    context["account_exists"] = User.objects.filter(
        email__iexact=invitation.email
    ).exists()
    form = InvitationAcceptForm(
        request.POST if request.method == "POST" else None, email=invitation.email
    )
    if request.method == "POST" and not context["account_exists"] and form.is_valid():
        with service_errors(form):
            new_user = services.accept_invitation(
                key,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                language=translation.get_language(),
            )
            login(request, new_user, backend=LOGIN_BACKEND)
            # Tell allauth a password sign-in just happened, so setting up MFA right
            # away does not ask for the password that was just chosen.
            record_authentication(request, new_user, "password", email=new_user.email)
            messages.success(request, _("Welcome to Tansiq! Your account is ready."))
            return redirect("home")
    context["form"] = form
    return render(request, "organisations/invitation_accept.html", context)
