"""Organisation pages: directory, profile, members and invitations, requests to join,
API tokens, audit trail, personal profile. Views handle HTTP; services decide."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.edit import FormMixin
from django.views.i18n import set_language
from django_filters.views import FilterView
from pghistory.models import MiddlewareEvents

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.forms import add_service_errors
from coordination.models import Province
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import services
from .filters import OrganisationFilter, ServiceFilter
from .forms import (
    ApiTokenForm,
    CoordinatorInviteForm,
    InvitationAcceptForm,
    InviteMemberForm,
    JoinRequestDecisionForm,
    JoinRequestForm,
    MemberRoleForm,
    OrganisationForm,
    ProfileForm,
    ServiceForm,
)
from .models import (
    LANGUAGE_CHOICES,
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Service,
    User,
    audit_models,
    hash_secret,
)

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


def _is_focal_point_of(user: User, organisation: Organisation) -> bool:
    acting = user.acting_organisation
    return user.is_focal_point and acting is not None and acting.pk == organisation.pk


def _require_manager_page(user: User, organisation: Organisation) -> None:
    """An organisation's private pages (members, audit) open to its focal point and to
    coordinators: another organisation's are a 404, a caseworker's own a 403."""
    if user.is_coordinator:
        return
    acting = user.acting_organisation
    if acting is None or acting.pk != organisation.pk:
        raise Http404
    if not user.is_focal_point:
        raise PermissionDenied


# ---------------------------------------------------------------------------
# Directory and organisation profile
# ---------------------------------------------------------------------------
class OrganisationListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The shared registry, filtered, sorted and paginated."""

    queryset = Organisation.objects.prefetch_related("regions", "sectors")
    filterset_class = OrganisationFilter
    template_name = "organisations/organisation_list.html"
    paginate_by = 25
    SORTS = {
        "name": (gettext_lazy("Name (A to Z)"), ("name", "pk")),
        "-name": (gettext_lazy("Name (Z to A)"), ("-name", "-pk")),
        "-created_at": (gettext_lazy("Newest first"), ("-created_at", "-pk")),
    }

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in ("region", "sector"):
            fields[name].label_from_instance = lambda row: row.name
            fields[name].empty_label = _("All")
        fields["verified"].widget.choices = [
            ("unknown", _("All")),
            ("true", _("Verified only")),
            ("false", _("Not verified only")),
        ]
        return filterset

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", "name")
        return sort if sort in self.SORTS else "name"

    def get_context_data(self, **kwargs):
        sort = self.get_sort()
        self.object_list = kwargs["object_list"] = kwargs["object_list"].order_by(
            *self.SORTS[sort][1]
        )
        context = super().get_context_data(**kwargs)
        context["sort"] = sort
        context["sorts"] = [(key, label) for key, (label, _o) in self.SORTS.items()]
        context["language_names"] = LANGUAGE_NAMES
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        return context


class OrganisationDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """An organisation's profile; members only for its own members and coordinators."""

    queryset = Organisation.objects.select_related("verified_by").prefetch_related(
        "regions", "provinces__region", "sectors"
    )
    template_name = "organisations/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        acting = user.acting_organisation
        is_own = acting is not None and acting.pk == org.pk
        context["is_own"] = is_own
        context["can_edit"] = user.is_coordinator or _is_focal_point_of(user, org)
        context["can_manage"] = context["can_edit"]
        context["languages"] = [LANGUAGE_NAMES.get(c, c) for c in org.languages]
        context["services"] = (
            Service.objects.visible_to(user)
            .filter(organisation=org)
            .select_related("sector", "service_type")
        )
        context["can_manage_services"] = services.can_manage_services(user, org)
        if user.is_coordinator or is_own:
            context["members"] = (
                Membership.objects.visible_to(user)
                .filter(organisation=org)
                .select_related("user")
                .order_by("-role", "user__email")
            )
        return context


class OrganisationUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit a profile (its focal point, or a coordinator)."""

    queryset = Organisation.objects.all()
    form_class = OrganisationForm
    template_name = "organisations/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if not (
                request.user.is_coordinator
                or _is_focal_point_of(request.user, self.object)
            ):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        try:
            services.update_organisation(
                self.object, actor=self.request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The profile has been saved."))
        return redirect("organisations:detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


class OrganisationCreateView(LoginRequiredMixin, FormView):
    """Register an organisation directly (coordinators)."""

    form_class = OrganisationForm
    template_name = "organisations/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            organisation = services.create_organisation(
                actor=self.request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "The organisation has been registered. Verify it and invite its focal point."
            ),
        )
        return redirect("organisations:detail", pk=organisation.pk)


def _organisation_action(request, pk: int, change, message: str):
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=pk
    )
    change(organisation, actor=request.user)
    messages.success(request, message)
    return redirect("organisations:detail", pk=organisation.pk)


@require_POST
@login_required
def verify(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.verify_organisation(
            org, actor=actor, verified=True
        ),
        _("The organisation is now verified."),
    )


@require_POST
@login_required
def unverify(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.verify_organisation(
            org, actor=actor, verified=False
        ),
        _("The organisation is no longer marked as verified."),
    )


@require_POST
@login_required
def deactivate(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.set_organisation_active(
            org, actor=actor, active=False
        ),
        _("The organisation has been deactivated and its API tokens revoked."),
    )


@require_POST
@login_required
def reactivate(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.set_organisation_active(
            org, actor=actor, active=True
        ),
        _("The organisation has been reactivated."),
    )


# ---------------------------------------------------------------------------
# Members and invitations
# ---------------------------------------------------------------------------
class OrganisationMembersView(
    LoginRequiredMixin, VisibleToUserMixin, FormMixin, DetailView
):
    """Members, pending invitations and the invite form of one organisation."""

    queryset = Organisation.objects.all()
    form_class = InviteMemberForm
    template_name = "organisations/organisation_members.html"

    def get_object(self, queryset=None):
        organisation = super().get_object(queryset)
        _require_manager_page(self.request.user, organisation)
        return organisation

    def invite_roles(self) -> list[str]:
        if _is_focal_point_of(self.request.user, self.object):
            return list(Membership.Role.values)
        return [Membership.Role.FOCAL_POINT]  # a coordinator invites focal points

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "roles": self.invite_roles()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        context["can_manage_members"] = _is_focal_point_of(user, org)
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
        try:
            invitation, _key = services.invite_user(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=self.object,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            request,
            _("An invitation has been sent to %(email)s.")
            % {"email": invitation.email},
        )
        return redirect("organisations:members", pk=self.object.pk)


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
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invitation, _key = services.invite_user(
                actor=self.request.user,
                email=data["email"],
                role=data["role"],
                organisation=data["organisation"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation has been sent to %(email)s.")
            % {"email": invitation.email},
        )
        return super().form_valid(form)

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
        try:
            new_user = services.accept_invitation(
                key,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                language=translation.get_language(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, new_user, backend=LOGIN_BACKEND)
            # Tell allauth a password sign-in just happened, so setting up MFA right
            # away does not ask for the password that was just chosen.
            record_authentication(request, new_user, "password", email=new_user.email)
            messages.success(request, _("Welcome to Tansiq! Your account is ready."))
            return redirect("home")
    context["form"] = form
    return render(request, "organisations/invitation_accept.html", context)


# ---------------------------------------------------------------------------
# Requests to join
# ---------------------------------------------------------------------------
class JoinRequestCreateView(FormView):
    """The public form a new organisation fills in to ask to join."""

    form_class = JoinRequestForm
    template_name = "organisations/joinrequest_form.html"

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.submit_join_request(data=data)
        return redirect("organisations:join_thanks")


class JoinRequestThanksView(TemplateView):
    template_name = "organisations/joinrequest_thanks.html"


class JoinRequestListView(LoginRequiredMixin, ListView):
    """Requests to join for coordinators, pending first."""

    template_name = "organisations/joinrequest_list.html"
    paginate_by = 25
    queryset = (
        JoinRequest.objects.select_related("decided_by", "organisation")
        .prefetch_related("regions", "sectors")
        .annotate(
            pending_first=Case(
                When(status=JoinRequest.Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at")
    )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)


class JoinRequestDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """One request to join, with the approve and reject forms (coordinators)."""

    template_name = "organisations/joinrequest_detail.html"
    queryset = JoinRequest.objects.select_related(
        "decided_by", "organisation"
    ).prefetch_related("regions", "sectors")
    context_object_name = "join_request"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("approve_form", JoinRequestDecisionForm(prefix="approve"))
        context.setdefault("reject_form", JoinRequestDecisionForm(prefix="reject"))
        return context


def _decide_join_request(request, pk: int, *, approve: bool):
    join_request = get_object_or_404(
        JoinRequest.objects.visible_to(request.user), pk=pk
    )
    prefix = "approve" if approve else "reject"
    form = JoinRequestDecisionForm(request.POST, prefix=prefix)
    try:
        if form.is_valid():
            note = form.cleaned_data["note"]
            if approve:
                services.approve_join_request(
                    join_request, actor=request.user, note=note
                )
            else:
                services.reject_join_request(
                    join_request, actor=request.user, note=note
                )
    except ValidationError as error:
        add_service_errors(form, error)
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect("organisations:join_request", pk=join_request.pk)
    if form.errors:
        forms = {
            "approve_form": JoinRequestDecisionForm(prefix="approve"),
            "reject_form": JoinRequestDecisionForm(prefix="reject"),
            f"{prefix}_form": form,
        }
        return render(
            request,
            "organisations/joinrequest_detail.html",
            {"join_request": join_request, "object": join_request, **forms},
            status=400,
        )
    if approve:
        messages.success(
            request,
            _(
                "Request approved: %(name)s is registered (not yet verified) and its "
                "contact has been invited as focal point."
            )
            % {"name": join_request.organisation_name},
        )
    else:
        messages.success(
            request,
            _("Request rejected; the contact has been told why."),
        )
    return redirect("organisations:join_requests")


@require_POST
@login_required
def join_request_approve(request, pk: int):
    return _decide_join_request(request, pk, approve=True)


@require_POST
@login_required
def join_request_reject(request, pk: int):
    return _decide_join_request(request, pk, approve=False)


# ---------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------
class ApiTokenListView(LoginRequiredMixin, VisibleToUserMixin, FormMixin, ListView):
    """The acting organisation's API tokens, for its focal points; the raw key of a
    new token is shown once, in the response to its creation."""

    queryset = ApiToken.objects.select_related("user", "revoked_by")
    form_class = ApiTokenForm
    template_name = "organisations/apitoken_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_focal_point:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            token, key = services.create_api_token(
                actor=request.user,
                organisation=request.user.acting_organisation,
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        response = render(
            request, "organisations/apitoken_created.html", {"token": token, "key": key}
        )
        response["Cache-Control"] = "no-store"
        return response


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    services.revoke_api_token(token, actor=request.user)
    messages.success(
        request, _("The token “%(name)s” has been revoked.") % {"name": token.name}
    )
    return redirect("organisations:tokens")


# ---------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------
USER_FIELDS = (
    "user",
    "invited_by",
    "accepted_by",
    "verified_by",
    "revoked_by",
    "decided_by",
)
HIDDEN_FIELDS = {"id", "key_hash", "created_at", "updated_at", "organisation"}
LABELS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}


class OrganisationAuditView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """Who changed what and when: the organisation and the rows that reference it."""

    queryset = Organisation.objects.all()
    template_name = "organisations/organisation_audit.html"
    paginate_by = 30

    def get_object(self, queryset=None):
        organisation = super().get_object(queryset)
        _require_manager_page(self.request.user, organisation)
        return organisation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Only the registry's own rows: beneficiaries, consents and referrals also
        # reference the organisation, and their history is not for this page's readers
        # (coordinators among them).
        labels = [f"{m._meta.app_label}.{m.__name__}Event" for m in audit_models()]
        events = (
            MiddlewareEvents.objects.references(self.object)
            .filter(pgh_model__in=labels)
            .order_by("-pgh_created_at", "-pgh_id")
        )
        page = Paginator(events, self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        context["page_obj"] = page
        context["entries"] = _audit_entries(list(page.object_list))
        return context


def _audit_entries(events: list) -> list[dict]:
    """Readable rows for the audit page; every user it names is loaded in one query."""
    models = {f"{m._meta.app_label}.{m.__name__}Event": m for m in audit_models()}
    user_ids: set[int] = set()
    for event in events:
        if event.pgh_context and event.pgh_context.get("user"):
            user_ids.add(int(event.pgh_context["user"]))
        data = event.pgh_data or {}
        user_ids.update(
            int(data[f"{name}_id"]) for name in USER_FIELDS if data.get(f"{name}_id")
        )
    users = User.objects.in_bulk(user_ids)

    def show(model_field, field: str, value):
        if value in (None, "", []):
            return "—"
        if field.removesuffix("_id") in USER_FIELDS:
            person = users.get(int(value))
            return person.email if person else f"#{value}"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(str(LANGUAGE_NAMES.get(v, v)) for v in value)
        if model_field is not None and model_field.choices:
            return dict(model_field.flatchoices).get(value, value)
        if isinstance(model_field, DateTimeField) and (moment := parse_datetime(value)):
            return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")
        return value

    entries = []
    for event in events:
        model = models.get(event.pgh_model)
        data = event.pgh_data or {}
        if event.pgh_label == "update" and event.pgh_diff:
            changed = event.pgh_diff.items()
        else:
            changed = (
                (field, [None, value])
                for field, value in data.items()
                if value not in (None, "", [])
            )
        changes = []
        for field, (old, new) in changed:
            name = field.removesuffix("_id")
            if name in HIDDEN_FIELDS or field in HIDDEN_FIELDS:
                continue
            model_field = None
            if model is not None:
                try:
                    model_field = model._meta.get_field(name)
                except FieldDoesNotExist:  # a field since removed from the model
                    model_field = None
            changes.append(
                {
                    "field": model_field.verbose_name if model_field else name,
                    "old": show(model_field, field, old),
                    "new": show(model_field, field, new),
                }
            )
        actor_id = (event.pgh_context or {}).get("user")
        actor = users.get(int(actor_id)) if actor_id else None
        entries.append(
            {
                "when": event.pgh_created_at,
                "actor": actor,
                "model": model._meta.verbose_name if model else event.pgh_model,
                "label": LABELS.get(event.pgh_label, event.pgh_label),
                "kind": event.pgh_label,
                "changes": changes,
                "is_insert": event.pgh_label == "insert",
            }
        )
    return entries


# ---------------------------------------------------------------------------
# The user's own profile and acting organisation
# ---------------------------------------------------------------------------
class ProfileView(LoginRequiredMixin, FormView):
    """One's name and language, memberships and security settings."""

    form_class = ProfileForm
    template_name = "organisations/profile.html"
    success_url = reverse_lazy("organisations:profile")

    def get_initial(self):
        return {"name": self.request.user.name, "language": self.request.user.language}

    def form_valid(self, form):
        try:
            services.update_profile(self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_totp"] = Authenticator.objects.filter(
            user=self.request.user, type=Authenticator.Type.TOTP
        ).exists()
        return context


@require_POST
@login_required
def set_acting_organisation(request):
    """Switch the organisation the user acts for."""
    pk = request.POST.get("organisation", "")
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=pk if pk.isdigit() else 0
    )
    try:
        services.set_acting_organisation(request.user, organisation=organisation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("You now act for %(organisation)s.")
            % {"organisation": organisation.name},
        )
    return redirect(reverse("home"))


# ---------------------------------------------------------------------------
# Services: the members' catalogue and the public directory
# ---------------------------------------------------------------------------
SERVICE_LIST_RELATED = ("organisation", "sector", "service_type")


def _named_filter_fields(filterset) -> None:
    """Reference rows print their codes; people choose by name."""
    fields = filterset.form.fields
    for name in ("sector", "service_type", "region", "province", "organisation"):
        if name in fields:
            fields[name].label_from_instance = lambda row: row.name
            fields[name].empty_label = _("All")
    for name in ("accessible", "public"):
        if name in fields:  # "All / Yes / No" rather than Django's "Unknown"
            fields[name].widget = forms.Select(
                choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]
            )
    for name in ("status", "cost", "language"):
        if name in fields:
            fields[name].choices = [
                (value, capfirst(label) if value else label)
                for value, label in fields[name].choices
            ]


def _filter_context(request, filterset_class) -> dict:
    return {
        "is_filtered": any(
            request.GET.get(name) for name in filterset_class.Meta.fields
        ),
    }


class ServiceListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The shared catalogue of services, filtered and paginated."""

    queryset = (
        Service.objects.select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
        .order_by("organisation__name", "name", "pk")
    )
    filterset_class = ServiceFilter
    template_name = "services/service_list.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _named_filter_fields(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_filter_context(self.request, self.filterset_class))
        user = self.request.user
        acting = user.acting_organisation
        context["can_add"] = acting is not None and services.can_manage_services(
            user, acting
        )
        return context


class ServiceDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """A service: what, where, for whom, how to refer."""

    queryset = Service.objects.select_related(
        *SERVICE_LIST_RELATED, "created_by", "updated_by"
    ).prefetch_related("regions", "provinces")
    template_name = "services/service_detail.html"
    context_object_name = "service"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = services.can_manage_services(
            self.request.user, self.object.organisation
        )
        context["statuses"] = [
            (value, label)
            for value, label in Service.Status.choices
            if value != self.object.status
        ]
        return context


class ServiceCreateView(LoginRequiredMixin, FormView):
    """Add a service to the acting organisation's catalogue (its focal points)."""

    form_class = ServiceForm
    template_name = "services/service_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            acting = request.user.acting_organisation
            if acting is None:
                raise PermissionDenied(
                    _("Act for an organisation to add its services.")
                )
            services.require_service_manager(request.user, acting)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        acting = self.request.user.acting_organisation
        return {
            "regions": list(acting.regions.values_list("pk", flat=True)),
            "languages": list(acting.languages),
            "phone": acting.phone,
            "address": acting.address,
            "how_to_refer": [Service.Channel.TANSIQ],
        }

    def form_valid(self, form):
        try:
            service = services.create_service(
                actor=self.request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The service has been added."))
        return redirect("services:detail", pk=service.pk)


class ServiceUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit one of the organisation's services."""

    queryset = Service.objects.select_related("organisation")
    form_class = ServiceForm
    template_name = "services/service_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_service_manager(request.user, self.object.organisation)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        try:
            services.update_service(
                self.object,
                actor=self.request.user,
                data=form.service_data(),
                version=form.cleaned_data.get("version"),
            )
        except services.ServicePreconditionFailed as stale:
            form.add_error(None, stale.message)
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The service has been saved."))
        return redirect("services:detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(service=self.object, **kwargs)


@require_POST
@login_required
def service_status(request, pk: int):
    """Mark a service available, full or suspended."""
    service = get_object_or_404(Service.objects.visible_to(request.user), pk=pk)
    try:
        service = services.set_service_status(
            service, actor=request.user, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("services:detail", pk=service.pk)
    messages.success(
        request,
        _("The service is now %(status)s.") % {"status": service.get_status_display()},
    )
    return redirect("services:detail", pk=service.pk)


class PublicServiceListView(FilterView):
    """The public directory: no login, only verified organisations' public services."""

    queryset = (
        Service.objects.public()
        .select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
        .order_by("status", "name", "pk")  # available before full
    )
    filterset_class = ServiceFilter
    template_name = "public/service_list.html"
    paginate_by = 20
    FIELDS = ("q", "province", "sector", "service_type", "language", "accessible")

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in list(fields):
            if name not in self.FIELDS:
                del fields[name]
        _named_filter_fields(filterset)
        fields["q"].label = _("What are you looking for?")
        fields["province"].label = _("Where (province or prefecture)")
        fields["province"].widget.choices = [
            ("", _("Anywhere")),
            *[
                (label, [(p.code, p.name) for p in group])
                for label, group in _provinces_by_region()
            ],
        ]
        fields["accessible"].widget = forms.Select(
            choices=[
                ("", _("No preference")),
                ("true", _("Accessible to persons with disabilities")),
            ]
        )
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_filter_context(self.request, self.filterset_class))
        return context


def _provinces_by_region():
    groups: dict[int, tuple[str, list]] = {}
    for province in Province.objects.select_related("region").order_by(
        "region__code", "code"
    ):
        groups.setdefault(province.region_id, (province.region.name, []))[1].append(
            province
        )
    return list(groups.values())


class PublicServiceDetailView(DetailView):
    """One service of the public directory: how to get there and what to bring."""

    queryset = (
        Service.objects.public()
        .select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
    )
    template_name = "public/service_detail.html"
    context_object_name = "service"


@require_POST
def set_user_language(request):
    """Switch the interface language; signed-in users keep it in their profile,
    which UserLanguageMiddleware applies on every request."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        request.user.Language.choices
    ):
        services.update_profile(request.user, language=language)
    return set_language(request)
