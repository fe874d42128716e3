"""Requests to join: a new organisation asks on the public form, a coordinator approves
(the organisation is registered and its contact invited) or rejects it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, ValidationError
from coordination.permissions import require_coordinator
from organisations.emails import send_join_request_decision_email
from organisations.models import Invitation, JoinRequest, Organisation, User

from .members import invite_user
from .organisations import unique_organisation_code

if TYPE_CHECKING:
    from coordination.models import Region, Sector


@transaction.atomic
def submit_join_request(
    *,
    organisation_name: str,
    kind: str,
    description: str,
    contact_name: str,
    contact_email: str,
    acronym: str = "",
    website: str = "",
    contact_phone: str = "",
    regions: Iterable[Region] = (),
    sectors: Iterable[Sector] = (),
) -> JoinRequest:
    """A new organisation asks to join (public form)."""
    request = JoinRequest.objects.create(
        organisation_name=organisation_name,
        acronym=acronym,
        kind=kind,
        description=description,
        website=website,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    for field, rows in (("regions", regions), ("sectors", sectors)):
        if rows := list(rows):
            getattr(request, field).set(rows)
    return request


@transaction.atomic
def approve_join_request(
    join_request: JoinRequest, *, actor: User, note: str = ""
) -> JoinRequest:
    """Create the organisation (not yet verified) and invite its contact as focal point."""
    require_coordinator(actor)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."))
    organisation = Organisation.objects.create(
        code=unique_organisation_code(
            join_request.organisation_name, join_request.acronym
        ),
        name=join_request.organisation_name,
        acronym=join_request.acronym,
        kind=join_request.kind,
        description=join_request.description,
        website=join_request.website,
        email=join_request.contact_email,
        phone=join_request.contact_phone,
    )
    organisation.regions.set(join_request.regions.all())
    organisation.sectors.set(join_request.sectors.all())
    invite_user(
        actor=actor,
        email=join_request.contact_email,
        role=Invitation.Role.FOCAL_POINT,
        organisation=organisation,
    )
    join_request.status = JoinRequest.Status.APPROVED
    join_request.organisation = organisation
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.decision_note = note
    join_request.save(
        update_fields=[
            "status",
            "organisation",
            "decided_by",
            "decided_at",
            "decision_note",
            "updated_at",
        ]
    )
    return join_request


@transaction.atomic
def reject_join_request(
    join_request: JoinRequest, *, actor: User, note: str
) -> JoinRequest:
    """Turn a request down, telling the contact why."""
    require_coordinator(actor)
    if not note.strip():
        raise ValidationError({"note": _("Say why the request is rejected.")})
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."))
    join_request.status = JoinRequest.Status.REJECTED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.decision_note = note
    join_request.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "updated_at",
        ]
    )
    # An outbox row in this transaction: the e-mail leaves once it commits.
    send_join_request_decision_email(join_request.pk)
    return join_request
