"""`Idempotency-Key` on API writes (API.md): a repeat with the same key and body returns
the first response without running the write again; the same key with another body is
refused with 422. Keys belong to a user and are kept in PostgreSQL for
`IDEMPOTENCY_KEY_TTL` (24 hours by default), so every web process sees them.

A viewset opts in by listing `IdempotentWritesMixin` first among its bases. A viewset
whose responses carry personal data (a beneficiary's identity) sets
`idempotency_reference_fields`: only those fields of a successful response are kept, and
a replay re-renders the object as it is now through `replay_response()`, so nothing
personal is stored in clear, an erased identity replays as erased, an object no longer
visible is a 404 and a replayed identity display is logged like any other."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.status import is_success

from .drf import ConflictError, UnprocessableError
from .models import IdempotencyKey

if TYPE_CHECKING:
    from rest_framework.request import Request

HEADER = "Idempotency-Key"
METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_KEY_LENGTH = 255
FIELD = "idempotency_key"  # where errors about the header are reported

PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique string (at most 255 characters, e.g. a UUID) that makes the write safe "
        "to retry: a repeat with the same key and the same body, by the same user, within "
        "24 hours, returns the first response (status and body, with the header "
        "`Idempotent-Replayed: true`) without running the write again. The same key with "
        "another method, path or body is refused with 422; a repeat while the first request "
        "is still running gets 409. Responses with a 5xx or 429 status are not kept, so "
        "such a request may be retried with the same key."
    ),
)


def _ttl() -> timedelta:
    return getattr(settings, "IDEMPOTENCY_KEY_TTL", timedelta(hours=24))


def request_fingerprint(request: Request) -> str:
    """SHA-256 of what makes two requests the same: method, path, query and body (parsed,
    so key order and multipart boundaries do not matter; files by content)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict: form or multipart fields
        data = sorted(data.lists())
    digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def reserve_idempotency_key(
    *, user, key: str, fingerprint: str
) -> tuple[IdempotencyKey, bool]:
    """Claim a key for a request; returns the row and whether it holds a response to
    replay. The claim is committed at once, so a concurrent repeat sees it."""
    IdempotencyKey.objects.expired().filter(user=user, key=key).delete()
    with transaction.atomic():
        record, created = IdempotencyKey.objects.get_or_create(
            user=user,
            key=key,
            defaults={
                "fingerprint": fingerprint,
                "expires_at": timezone.now() + _ttl(),
            },
        )
    if created:
        return record, False
    if record.fingerprint != fingerprint:
        raise UnprocessableError(
            {
                FIELD: [
                    _(
                        "This Idempotency-Key was already used for another request: "
                        "use a new key for a new request."
                    )
                ]
            }
        )
    if record.response_status is None:
        raise ConflictError(
            {
                FIELD: [
                    _(
                        "A request with this Idempotency-Key is still being processed: "
                        "retry in a moment."
                    )
                ]
            }
        )
    return record, True


def save_idempotent_response(
    record: IdempotencyKey,
    *,
    response: Response,
    reference_fields: tuple[str, ...] = (),
) -> None:
    """Keep the first response to a key, as JSON, for replays: only `reference_fields`
    of a successful response when given (the view re-renders the object on replay)."""
    data = response.data
    if reference_fields and is_success(response.status_code):
        data = {name: data.get(name) for name in reference_fields} if data else {}
    body = None if data is None else json.loads(JSONRenderer().render(data))
    headers = {h: response[h] for h in ("Location",) if response.has_header(h)}
    IdempotencyKey.objects.filter(pk=record.pk).update(
        response_status=response.status_code,
        response_body=body,
        response_headers=headers,
        updated_at=timezone.now(),
    )


def release_idempotency_key(record: IdempotencyKey) -> None:
    """Forget a claim whose request failed on our side, so a retry runs again."""
    IdempotencyKey.objects.filter(pk=record.pk).delete()


def purge_expired_idempotency_keys() -> int:
    """Delete expired keys (for a periodic task); returns how many."""
    deleted, _by_model = IdempotencyKey.objects.expired().delete()
    return deleted


class _Replay(Exception):
    """Carries a stored response past the handler (control flow, not an error)."""

    def __init__(self, response: Response):
        self.response = response


class IdempotentSchema(AutoSchema):
    """Documents the Idempotency-Key header on every write of the view."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in METHODS:
            parameters = [*parameters, PARAMETER]
        return parameters


class IdempotentWritesMixin:
    """For APIView/viewset subclasses (first among the bases): honours the
    Idempotency-Key header on POST, PUT and PATCH by signed-in users."""

    schema = IdempotentSchema()
    idempotency_record: IdempotencyKey | None = None
    # Fields of a successful response that identify its object (e.g. ("code",)); when
    # set, only they are stored and `replay_response()` renders the object again.
    idempotency_reference_fields: tuple[str, ...] = ()

    def replay_response(self, reference: dict) -> Response:
        """The response to replay for a stored reference, rendered from the current
        object with the view's own visibility check and logging."""
        raise NotImplementedError

    def _replayed(self, record: IdempotencyKey) -> Response:
        if self.idempotency_reference_fields and is_success(record.response_status):
            response = self.replay_response(record.response_body or {})
            response.status_code = record.response_status
        else:
            response = Response(record.response_body, status=record.response_status)
        for name, value in record.response_headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response

    def initial(self, request, *args, **kwargs):
        self.idempotency_record = None
        super().initial(
            request, *args, **kwargs
        )  # authentication, permissions, throttles
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method not in METHODS
            or not request.user.is_authenticated
        ):
            return
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {
                    FIELD: [
                        _(
                            "An Idempotency-Key must have between 1 and %(max)d characters."
                        )
                        % {"max": MAX_KEY_LENGTH}
                    ]
                }
            )
        record, replay = reserve_idempotency_key(
            user=request.user, key=key, fingerprint=request_fingerprint(request)
        )
        if replay:
            raise _Replay(self._replayed(record))
        self.idempotency_record = record

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def raise_uncaught_exception(self, exc):
        if self.idempotency_record is not None:
            release_idempotency_key(self.idempotency_record)
            self.idempotency_record = None
        super().raise_uncaught_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self.idempotency_record = self.idempotency_record, None
        if record is not None:
            # Failures on our side, throttling and non-DRF responses are not kept.
            if (
                response.status_code >= 500
                or response.status_code == 429
                or not hasattr(response, "data")
            ):
                release_idempotency_key(record)
            else:
                save_idempotent_response(
                    record,
                    response=response,
                    reference_fields=self.idempotency_reference_fields,
                )
        return response
