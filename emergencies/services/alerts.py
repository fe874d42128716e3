"""Alerts: a coordinator's message about an emergency to the organisations active in
its places and sectors (or picked by hand), the recipients' answers, and who was told,
reached, read and answered. Every member of a recipient is notified through the
notifications outbox; subscribed partner systems through webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Province, Region, Sector
from coordination.permissions import require_coordinator
from emergencies.models import Alert, AlertRecipient, Emergency
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from notifications.services import queue_notification
from organisations.models import Organisation

if TYPE_CHECKING:
    from organisations.models import User


@dataclass(frozen=True)
class AlertScope:
    """The places and sectors an alert is about (regions always cover the provinces)."""

    regions: tuple[Region, ...]
    provinces: tuple[Province, ...] = ()
    sectors: tuple[Sector, ...] = field(default=())


RecipientProvider = Callable[[AlertScope], QuerySet]

# Where the organisations "active in" a scope come from: each provider returns a
# queryset of organisation ids (`values("pk")`-like, one column). The profile (regions,
# provinces, sectors of operation) is the first; the interventions app adds the
# organisations with ongoing interventions in the places and sectors by calling
# `register_recipient_provider()` from its AppConfig.ready(), so emergencies, a lower
# layer, never imports it.
RECIPIENT_PROVIDERS: list[RecipientProvider] = []


def register_recipient_provider(provider: RecipientProvider) -> RecipientProvider:
    """Add a source of organisations active in an alert's places and sectors."""
    if provider not in RECIPIENT_PROVIDERS:
        RECIPIENT_PROVIDERS.append(provider)
    return provider


@register_recipient_provider
def organisations_by_profile(scope: AlertScope) -> QuerySet:
    """Organisations whose profile covers one of the places and one of the sectors.

    A province-level alert reaches organisations working in one of its provinces, and
    those working in the whole region (the region listed without any of its provinces);
    a region-level alert reaches every organisation working in the region."""
    org_regions = Organisation.regions.through.objects.filter(
        organisation=OuterRef("pk")
    )
    org_provinces = Organisation.provinces.through.objects.filter(
        organisation=OuterRef("pk")
    )
    places = Q(pk__in=[])
    for region in scope.regions:
        in_region = [p for p in scope.provinces if p.region_id == region.pk]
        works_in_whole_region = Exists(org_regions.filter(region=region)) & ~Exists(
            org_provinces.filter(province__region=region)
        )
        if in_region:
            places |= Exists(org_provinces.filter(province__in=in_region))
            places |= works_in_whole_region
        else:
            places |= Exists(org_regions.filter(region=region))
            places |= Exists(org_provinces.filter(province__region=region))
    queryset = Organisation.objects.filter(places)
    if scope.sectors:
        queryset = queryset.filter(
            Exists(
                Organisation.sectors.through.objects.filter(
                    organisation=OuterRef("pk"), sector__in=scope.sectors
                )
            )
        )
    return queryset.values("pk")


def alert_recipients(
    *, regions: Iterable[Region], provinces: Iterable[Province] = (), sectors=()
) -> QuerySet[Organisation]:
    """The organisations an alert about these places and sectors goes to: active and
    verified ones that any provider says are active there (decided: an unverified
    organisation is reached only when a coordinator picks it by hand)."""
    scope = AlertScope(tuple(regions), tuple(provinces), tuple(sectors))
    if not scope.regions:
        return Organisation.objects.none()
    matches = Q(pk__in=[])
    for provider in RECIPIENT_PROVIDERS:
        matches |= Q(pk__in=provider(scope))
    return Organisation.objects.filter(matches, is_active=True, verified=True).order_by(
        "name"
    )


def _alert_scope(
    emergency: Emergency, regions, provinces
) -> tuple[list[Region], list[Province]]:
    """The alert's places: the emergency's when none are given; provinces add their
    regions; every place must be one of the emergency's regions."""
    regions = list(regions or [])
    provinces = list(provinces or [])
    emergency_regions = {r.pk: r for r in emergency.regions.all()}
    if not regions and not provinces:
        regions = list(emergency_regions.values())
        provinces = list(emergency.provinces.all())
    region_ids = {r.pk for r in regions}
    outside = sorted(r.name for r in regions if r.pk not in emergency_regions)
    if outside:
        raise ValidationError(
            {
                "regions": _(
                    "These regions are not affected by the emergency: %(names)s."
                )
                % {"names": ", ".join(outside)}
            }
        )
    for province in provinces:
        if province.region_id not in region_ids:
            if province.region_id not in emergency_regions:
                raise ValidationError(
                    {
                        "provinces": _(
                            "These provinces are not in the emergency's regions: "
                            "%(names)s."
                        )
                        % {"names": province.name}
                    }
                )
            regions.append(emergency_regions[province.region_id])
            region_ids.add(province.region_id)
    return regions, provinces


def preview_alert(
    *, actor: User, emergency: Emergency, regions=(), provinces=(), sectors=()
) -> QuerySet[Organisation]:
    """The organisations an alert would go to, without sending it (coordinators)."""
    require_coordinator(actor)
    regions, provinces = _alert_scope(emergency, regions, provinces)
    return alert_recipients(regions=regions, provinces=provinces, sectors=sectors)


def _notification_context(alert: Alert) -> dict[str, Any]:
    """Parameters of the alert's message texts: no personal data, only the alert."""
    emergency = alert.emergency
    return {
        "alert_id": alert.pk,
        "emergency_id": emergency.pk,
        "emergency_title": emergency.title,
        "emergency_kind": emergency.kind,
        "severity": emergency.severity,
        "message": Truncator(alert.message).chars(500),
    }


@transaction.atomic
def send_alert(
    *,
    actor: User,
    emergency: Emergency,
    message: str,
    regions: Iterable[Region] = (),
    provinces: Iterable[Province] = (),
    sectors: Iterable[Sector] = (),
    recipients: Iterable[Organisation] | None = None,
) -> Alert:
    """Send an alert about an emergency (coordinators) to the organisations active in
    its places and sectors, or to those picked by hand; every member is notified."""
    require_coordinator(actor)
    # Read the status afresh: someone may have closed it since the page was loaded.
    emergency = Emergency.objects.get(pk=emergency.pk)
    if emergency.status == Emergency.Status.CLOSED:
        raise Conflict(_("This emergency is closed: no alert can be sent about it."))
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Write the alert's message.")})
    sectors = list(sectors or [])
    regions, provinces = _alert_scope(emergency, regions, provinces)
    if recipients is None:
        organisations = list(
            alert_recipients(regions=regions, provinces=provinces, sectors=sectors)
        )
        if not organisations:
            raise ValidationError(
                {
                    "recipients": _(
                        "No organisation is active in these places and sectors: widen "
                        "them or pick organisations by hand."
                    )
                }
            )
    else:
        organisations = list({org.pk: org for org in recipients}.values())
        if not organisations:
            raise ValidationError(
                {"recipients": _("Choose at least one organisation to alert.")}
            )
        inactive = sorted(org.name for org in organisations if not org.is_active)
        if inactive:
            raise ValidationError(
                {
                    "recipients": _("These organisations are deactivated: %(names)s.")
                    % {"names": ", ".join(inactive)}
                }
            )

    alert = Alert.objects.create(emergency=emergency, message=message, sent_by=actor)
    alert.regions.set(regions)
    alert.provinces.set(provinces)
    alert.sectors.set(sectors)
    AlertRecipient.objects.bulk_create(
        AlertRecipient(alert=alert, organisation=org) for org in organisations
    )
    queue_notification(
        alert,
        kind=Notification.Kind.ALERT_RECEIVED,
        to=organisations,
        actor=actor,
        context=_notification_context(alert),
        event=WebhookSubscription.Event.ALERT_CREATED,
    )
    return alert


def require_alert_answerer(actor: User) -> Organisation:
    """Alerts are answered for an organisation: the one the actor acts for."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(
            _("Only members of an organisation that received the alert may answer it.")
        )
    return organisation


@transaction.atomic
def answer_alert(
    alert: Alert, *, actor: User, response: str, note: str = ""
) -> AlertRecipient:
    """Answer an alert for the actor's organisation (respond / cannot respond, with a
    note); answering again changes the answer. The coordinator who sent it is told."""
    organisation = require_alert_answerer(actor)
    recipient = (
        AlertRecipient.objects.select_for_update()
        .filter(alert=alert, organisation=organisation)
        .first()
    )
    if recipient is None:
        raise Http404  # the alert was not sent to this organisation
    if response not in AlertRecipient.Response.values:
        raise ValidationError({"response": _("Choose “respond” or “cannot respond”.")})
    recipient.response = response
    recipient.note = (note or "").strip()
    recipient.answered_at = timezone.now()
    recipient.answered_by = actor
    recipient.save(
        update_fields=["response", "note", "answered_at", "answered_by", "updated_at"]
    )
    queue_notification(
        alert,
        kind=Notification.Kind.ALERT_ANSWERED,
        to=alert.sent_by,
        actor=actor,
        context={
            **_notification_context(alert),
            "organisation_id": organisation.pk,
            "organisation": organisation.short_name,
            "response": response,
        },
        event=WebhookSubscription.Event.ALERT_ANSWERED,
    )
    return recipient


def alert_recipient_status(alert: Alert) -> QuerySet[AlertRecipient]:
    """Per organisation, for the coordinator: told (the row), delivered (an in-app
    notification reached a member), e-mailed (an e-mail to a member went out), read (a
    member read it) and answered, in one query."""
    alert_type = ContentType.objects.get_for_model(Alert)
    notifications = Notification.objects.filter(
        target_type=alert_type,
        target_id=alert.pk,
        kind=Notification.Kind.ALERT_RECEIVED,
        organisation=OuterRef("organisation"),
    )
    emails = OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.EMAIL,
        status=OutboxMessage.Status.SENT,
        notification__target_type=alert_type,
        notification__target_id=alert.pk,
        notification__kind=Notification.Kind.ALERT_RECEIVED,
        notification__organisation=OuterRef("organisation"),
    )
    return (
        AlertRecipient.objects.filter(alert=alert)
        .select_related("organisation", "answered_by")
        .annotate(
            delivered=Exists(notifications),
            emailed=Exists(emails),
            read=Exists(notifications.filter(read_at__isnull=False)),
        )
        .order_by("organisation__name")
    )
