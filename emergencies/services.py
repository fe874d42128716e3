"""Emergencies and preparedness: emergencies, their needs, declared capacities and alerts.
Authority rules live here, once, for pages and API alike.

Organisations are looked up through the app registry: coordination imports no app
(STYLE.md §2), and the organisations app imports coordination's models."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
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
from emergencies.models import Alert, AlertRecipient, Capacity, Emergency, Need
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from notifications.services import queue_notification, queue_webhook_event

if TYPE_CHECKING:
    from organisations.models import Organisation, User

EMERGENCY_FIELDS = (
    "title",
    "kind",
    "started_on",
    "ended_on",
    "severity",
    "status",
    "people_affected",
    "description",
    "glide_number",
)
EMERGENCY_M2M = ("regions", "provinces")
NEED_FIELDS = (
    "sector",
    "service_type",
    "region",
    "province",
    "people_in_need",
    "priority",
    "note",
)
CAPACITY_FIELDS = (
    "emergency",
    "sector",
    "service_type",
    "description",
    "quantity",
    "region",
    "province",
    "as_of",
)


def _organisation_model():
    return apps.get_model("organisations", "Organisation")


# ---------------------------------------------------------------------------
# Validation shared by emergencies, needs and capacities
# ---------------------------------------------------------------------------
def _check_places(regions: Iterable[Region], provinces: Iterable[Province]) -> None:
    """Provinces lie in the regions chosen."""
    region_ids = {region.pk for region in regions}
    outside = sorted(p.name for p in provinces if p.region_id not in region_ids)
    if outside:
        raise ValidationError(
            {
                "provinces": _(
                    "These provinces are not in the regions chosen: %(names)s. "
                    "Add their region or remove them."
                )
                % {"names": ", ".join(outside)}
            }
        )


def _check_place(region: Region | None, province: Province | None) -> None:
    if region is not None and province is not None and province.region_id != region.pk:
        raise ValidationError(
            {
                "province": _("%(province)s is not in the region %(region)s.")
                % {"province": province.name, "region": region.name}
            }
        )


def _check_service_type(sector: Sector | None, service_type) -> None:
    if (
        sector is not None
        and service_type is not None
        and service_type.sector_id != sector.pk
    ):
        raise ValidationError(
            {
                "service_type": _(
                    "“%(type)s” is not a service type of the sector %(sector)s."
                )
                % {"type": service_type.name, "sector": sector.name}
            }
        )


def _check_dates(started_on, ended_on) -> None:
    if started_on is not None and ended_on is not None and ended_on < started_on:
        raise ValidationError(
            {"ended_on": _("The end date cannot be before the start date.")}
        )


# ---------------------------------------------------------------------------
# Emergencies
# ---------------------------------------------------------------------------
def _apply_emergency(emergency: Emergency, data: dict) -> list[str]:
    """Set the plain fields present in `data`; returns their names."""
    changed = [f for f in EMERGENCY_FIELDS if f in data]
    for name in changed:
        value = data[name]
        setattr(
            emergency, name, "" if value is None and name == "glide_number" else value
        )
    if emergency.status == Emergency.Status.CLOSED and emergency.ended_on is None:
        # A closed emergency has ended: today, unless it has not started yet.
        emergency.ended_on = max(timezone.localdate(), emergency.started_on)
        changed.append("ended_on")
    return changed


def _validate_emergency(emergency: Emergency, regions, provinces) -> None:
    if not emergency.title.strip():
        raise ValidationError({"title": _("Give the emergency a title.")})
    if not regions:
        raise ValidationError({"regions": _("Choose at least one affected region.")})
    _check_places(regions, provinces)
    _check_dates(emergency.started_on, emergency.ended_on)


def _emergency_event_context(emergency: Emergency) -> dict:
    """What partner systems learn of an emergency in its webhook events."""
    return {
        "title": emergency.title,
        "kind": emergency.kind,
        "status": emergency.status,
        "severity": emergency.severity,
        "started_on": str(emergency.started_on),
        "ended_on": str(emergency.ended_on) if emergency.ended_on else None,
        "regions": sorted(emergency.regions.values_list("code", flat=True)),
    }


@transaction.atomic
def create_emergency(*, actor: User, data: dict) -> Emergency:
    """Declare an emergency (coordinators), with its affected regions and provinces."""
    require_coordinator(actor)
    emergency = Emergency(created_by=actor)
    _apply_emergency(emergency, data)
    regions = list(data.get("regions") or [])
    provinces = list(data.get("provinces") or [])
    _validate_emergency(emergency, regions, provinces)
    emergency.save()
    emergency.regions.set(regions)
    emergency.provinces.set(provinces)
    queue_webhook_event(
        emergency,
        event="emergency.created",
        context=_emergency_event_context(emergency),
    )
    return emergency


@transaction.atomic
def update_emergency(emergency: Emergency, *, actor: User, data: dict) -> Emergency:
    """Edit an emergency (coordinators); provinces stay inside the regions."""
    require_coordinator(actor)
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    changed = _apply_emergency(emergency, data)
    regions = (
        list(data["regions"]) if "regions" in data else list(emergency.regions.all())
    )
    provinces = (
        list(data["provinces"])
        if "provinces" in data
        else list(emergency.provinces.all())
    )
    try:
        _validate_emergency(emergency, regions, provinces)
    except ValidationError as error:
        # Report a place error on the field the request changed.
        if "provinces" in error.message_dict and "provinces" not in data:
            raise ValidationError(
                {"regions": error.message_dict["provinces"]}
            ) from None
        raise
    if Need.objects.filter(emergency=emergency).exclude(region__in=regions).exists():
        raise ValidationError(
            {
                "regions": _(
                    "Some needs are recorded in a region you removed: move or remove "
                    "those needs first."
                )
            }
        )
    emergency.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if "regions" in data:
        emergency.regions.set(regions)
    if "provinces" in data:
        emergency.provinces.set(provinces)
    queue_webhook_event(
        emergency,
        event="emergency.updated",
        context=_emergency_event_context(emergency),
    )
    return emergency


@transaction.atomic
def close_emergency(emergency: Emergency, *, actor: User, ended_on=None) -> Emergency:
    """Close an emergency (coordinators): it ends on `ended_on`, today by default."""
    require_coordinator(actor)
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    if emergency.status == Emergency.Status.CLOSED:
        raise Conflict(_("This emergency is already closed."))
    emergency.status = Emergency.Status.CLOSED
    emergency.ended_on = (
        ended_on
        or emergency.ended_on
        or max(timezone.localdate(), emergency.started_on)
    )
    _check_dates(emergency.started_on, emergency.ended_on)
    emergency.save(update_fields=["status", "ended_on", "updated_at"])
    queue_webhook_event(
        emergency,
        event="emergency.updated",
        context=_emergency_event_context(emergency),
    )
    return emergency


# ---------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------
def _validate_need(need: Need) -> None:
    emergency = need.emergency
    if (
        need.region_id is not None
        and not emergency.regions.filter(pk=need.region_id).exists()
    ):
        raise ValidationError(
            {"region": _("This region is not one of the emergency's affected regions.")}
        )
    _check_place(need.region, need.province)
    _check_service_type(need.sector, need.service_type)


def _apply(obj, fields: Iterable[str], data: dict) -> list[str]:
    changed = [f for f in fields if f in data]
    for name in changed:
        value = data[name]
        if value is None and name in ("note", "description"):
            value = ""
        setattr(obj, name, value)
    return changed


@transaction.atomic
def add_need(emergency: Emergency, *, actor: User, data: dict) -> Need:
    """Record what an emergency needs in a sector and place (coordinators)."""
    require_coordinator(actor)
    need = Need(emergency=emergency)
    _apply(need, NEED_FIELDS, data)
    _validate_need(need)
    need.save()
    return need


@transaction.atomic
def update_need(need: Need, *, actor: User, data: dict) -> Need:
    """Change a need (coordinators)."""
    require_coordinator(actor)
    need = Need.objects.select_for_update().select_related("emergency").get(pk=need.pk)
    changed = _apply(need, NEED_FIELDS, data)
    if (
        "sector" in data
        and "service_type" not in data
        and need.service_type_id
        and need.service_type.sector_id != need.sector_id
    ):
        # A new sector drops a service type of the old one rather than refusing.
        need.service_type = None
        changed.append("service_type")
    _validate_need(need)
    need.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return need


@transaction.atomic
def remove_need(need: Need, *, actor: User) -> None:
    """Delete a need recorded by mistake or no longer relevant (coordinators)."""
    require_coordinator(actor)
    need.delete()


# ---------------------------------------------------------------------------
# Capacities
# ---------------------------------------------------------------------------
def _require_member_of(actor: User, organisation_id: int | None) -> Organisation:
    """The actor's acting organisation, which must be `organisation_id` when given."""
    acting = actor.acting_organisation
    if acting is None:
        raise PermissionDenied(
            _("Only members of an organisation may declare its capacities.")
        )
    if organisation_id is not None and acting.pk != organisation_id:
        raise PermissionDenied(
            _("Only members of this organisation may change its capacities.")
        )
    return acting


def _validate_capacity(capacity: Capacity) -> None:
    _check_place(capacity.region, capacity.province)
    _check_service_type(capacity.sector, capacity.service_type)


@transaction.atomic
def declare_capacity(*, actor: User, data: dict) -> Capacity:
    """Declare what the actor's organisation can mobilise, where, as of a date."""
    organisation = _require_member_of(actor, None)
    capacity = Capacity(organisation=organisation, created_by=actor)
    _apply(capacity, CAPACITY_FIELDS, data)
    if capacity.as_of is None:
        capacity.as_of = timezone.localdate()
    _validate_capacity(capacity)
    capacity.save()
    return capacity


@transaction.atomic
def update_capacity(capacity: Capacity, *, actor: User, data: dict) -> Capacity:
    """Update a declared capacity (members of its organisation)."""
    _require_member_of(actor, capacity.organisation_id)
    capacity = Capacity.objects.select_for_update().get(pk=capacity.pk)
    changed = _apply(capacity, CAPACITY_FIELDS, data)
    _validate_capacity(capacity)
    capacity.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return capacity


@transaction.atomic
def withdraw_capacity(capacity: Capacity, *, actor: User) -> None:
    """Withdraw a capacity the organisation can no longer mobilise (its members)."""
    _require_member_of(actor, capacity.organisation_id)
    capacity.delete()


# ---------------------------------------------------------------------------
# Alert recipients
# ---------------------------------------------------------------------------
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
# `register_recipient_provider()` from its AppConfig.ready(), so coordination never
# imports it.
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
    organisation = _organisation_model()
    org_regions = organisation.regions.through.objects.filter(
        organisation=OuterRef("pk")
    )
    org_provinces = organisation.provinces.through.objects.filter(
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
    queryset = organisation.objects.filter(places)
    if scope.sectors:
        queryset = queryset.filter(
            Exists(
                organisation.sectors.through.objects.filter(
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
    organisation = _organisation_model()
    if not scope.regions:
        return organisation.objects.none()
    matches = Q(pk__in=[])
    for provider in RECIPIENT_PROVIDERS:
        matches |= Q(pk__in=provider(scope))
    return organisation.objects.filter(matches, is_active=True, verified=True).order_by(
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


@transaction.atomic
def answer_alert(
    alert: Alert, *, actor: User, response: str, note: str = ""
) -> AlertRecipient:
    """Answer an alert for the actor's organisation (respond / cannot respond, with a
    note); answering again changes the answer. The coordinator who sent it is told."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(
            _("Only members of an organisation that received the alert may answer it.")
        )
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


__all__ = [
    "RECIPIENT_PROVIDERS",
    "AlertScope",
    "add_need",
    "alert_recipient_status",
    "alert_recipients",
    "answer_alert",
    "close_emergency",
    "create_emergency",
    "declare_capacity",
    "organisations_by_profile",
    "preview_alert",
    "register_recipient_provider",
    "remove_need",
    "send_alert",
    "update_capacity",
    "update_emergency",
    "update_need",
    "withdraw_capacity",
]
