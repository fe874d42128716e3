"""Pages of the notification backbone: the inbox, notification settings, an
organisation's webhooks and their delivery log, and failed deliveries for coordinators.
Views handle HTTP; services decide."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.edit import FormMixin
from django_filters.views import FilterView

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import services
from .filters import NotificationFilter, OutboxMessageFilter
from .forms import NotificationPreferencesForm, WebhookSubscriptionForm
from .models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)
from .services.backlog import stale_pending_deliveries

STALE_SHOWN = 50  # pending deliveries listed on the failed-deliveries page


# ---------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------
class NotificationListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The user's inbox, newest first, unread highlighted."""

    queryset = Notification.objects.select_related("actor").order_by(
        "-created_at", "-id"
    )
    filterset_class = NotificationFilter
    template_name = "notifications/inbox.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        filterset.form.fields["unread"].widget.choices = [
            ("unknown", _("All")),
            ("true", _("Unread only")),
            ("false", _("Read only")),
        ]
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            self.request.GET.get(name) not in (None, "", "unknown")
            for name in ("unread", "kind")
        )
        return context


def _own_notification(request, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)


@require_POST
@login_required
def notification_open(request, pk: int):
    """Mark a notification read and go to what it is about."""
    notification = services.mark_notification_read(
        _own_notification(request, pk), actor=request.user
    )
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("notifications:inbox")


@require_POST
@login_required
def notification_read(request, pk: int):
    services.mark_notification_read(_own_notification(request, pk), actor=request.user)
    messages.success(request, _("Marked as read."))
    return redirect("notifications:inbox")


@require_POST
@login_required
def notification_read_all(request):
    count = services.mark_all_notifications_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")


class NotificationPreferencesView(LoginRequiredMixin, FormView):
    """Per kind of notification: e-mail immediately, in a daily digest, or not at all."""

    form_class = NotificationPreferencesForm
    template_name = "notifications/preferences.html"
    success_url = reverse_lazy("notifications:preferences")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["modes"] = services.notification_modes(self.request.user)
        return kwargs

    def form_valid(self, form):
        with service_errors(form):
            services.set_notification_preferences(
                self.request.user, actor=self.request.user, modes=form.modes
            )
            messages.success(self.request, _("Your notification settings are saved."))
            return super().form_valid(form)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["digest_hour"] = services.digest_hour()
        context["modes"] = NotificationPreference.Mode.choices
        return context


# ---------------------------------------------------------------------------
# Webhooks (focal points of the acting organisation)
# ---------------------------------------------------------------------------
class FocalPointRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.require_webhook_manager(request.user)
        return super().dispatch(request, *args, **kwargs)


class WebhookListView(
    LoginRequiredMixin, FocalPointRequiredMixin, VisibleToUserMixin, FormMixin, ListView
):
    """The acting organisation's webhooks and a form to add one; the secret of a new
    one is shown once, in the response to its creation."""

    queryset = WebhookSubscription.objects.order_by("-created_at", "-id")
    form_class = WebhookSubscriptionForm
    template_name = "webhooks/webhook_list.html"

    def post(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        with service_errors(form):
            subscription, secret = services.create_webhook_subscription(
                actor=request.user,
                organisation=request.user.acting_organisation,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
            response = render(
                request,
                "webhooks/webhook_created.html",
                {"subscription": subscription, "secret": secret},
            )
            response["Cache-Control"] = "no-store"
            return response
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event_labels"] = dict(WebhookSubscription.Event.choices)
        return context


class WebhookDetailView(
    LoginRequiredMixin,
    FocalPointRequiredMixin,
    VisibleToUserMixin,
    FormMixin,
    DetailView,
):
    """One webhook: change its address and events, (re)activate it, read its log."""

    queryset = WebhookSubscription.objects.all()
    form_class = WebhookSubscriptionForm
    template_name = "webhooks/webhook_detail.html"
    context_object_name = "subscription"

    def get_initial(self):
        return {"url": self.object.url, "events": self.object.events}

    def get_success_url(self):
        return reverse("notifications:webhook_detail", args=[self.object.pk])

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        with service_errors(form):
            services.update_webhook_subscription(
                self.object,
                actor=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
            messages.success(request, _("The webhook is saved."))
            return redirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deliveries = OutboxMessage.objects.filter(subscription=self.object).order_by(
            "-created_at", "-id"
        )
        page = Paginator(deliveries, 25).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            deliveries=page.object_list,
            event_labels=dict(WebhookSubscription.Event.choices),
        )
        return context


def _webhook_action(request, pk: int, *, active: bool):
    subscription = get_object_or_404(
        WebhookSubscription.objects.visible_to(request.user), pk=pk
    )
    services.update_webhook_subscription(
        subscription, actor=request.user, is_active=active
    )
    messages.success(
        request,
        _("The webhook is active again.")
        if active
        else _("The webhook is deactivated."),
    )
    return redirect("notifications:webhook_detail", pk=subscription.pk)


@require_POST
@login_required
def webhook_activate(request, pk: int):
    return _webhook_action(request, pk, active=True)


@require_POST
@login_required
def webhook_deactivate(request, pk: int):
    return _webhook_action(request, pk, active=False)


# ---------------------------------------------------------------------------
# Failed deliveries (coordinators)
# ---------------------------------------------------------------------------
class FailedDeliveryListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Deliveries that failed or were given up, without their content."""

    queryset = (
        OutboxMessage.objects.troubled()
        .select_related("organisation", "subscription")
        .order_by("-updated_at", "-id")
    )
    filterset_class = OutboxMessageFilter
    template_name = "notifications/failed_deliveries.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        filterset.form.fields["status"].choices = [
            ("", _("All")),
            (OutboxMessage.Status.FAILED, OutboxMessage.Status.FAILED.label),
            (OutboxMessage.Status.DEAD, OutboxMessage.Status.DEAD.label),
            (OutboxMessage.Status.UNCERTAIN, OutboxMessage.Status.UNCERTAIN.label),
        ]
        del filterset.form.fields["updated_since"]
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = {
            **dict(Notification.Kind.choices),
            **dict(WebhookSubscription.Event.choices),
            OutboxMessage.DIGEST: _("Daily digest"),
        }
        # Deliveries nobody is taking (the worker or its scheduler is down), with age.
        stale = stale_pending_deliveries().select_related("organisation")
        context["stale_pending"] = list(stale[:STALE_SHOWN])
        context["stale_pending_count"] = (
            stale.count()
            if len(context["stale_pending"]) == STALE_SHOWN
            else len(context["stale_pending"])
        )
        context["pending_alert_minutes"] = settings.NOTIFICATION_PENDING_ALERT_MINUTES
        for message in [*context["object_list"], *context["stale_pending"]]:
            message.event_label = labels.get(message.event, message.event)
        return context


@require_POST
@login_required
def delivery_retry(request, pk: int):
    message = get_object_or_404(OutboxMessage.objects.visible_to(request.user), pk=pk)
    try:
        services.retry_outbox_message(message, actor=request.user)
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The delivery will be tried again in a moment."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("notifications:failed_deliveries")
