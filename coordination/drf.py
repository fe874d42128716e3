"""DRF plumbing: pagination, the error format of API.md and its schema. Imports no
viewset (DRF imports the pagination class while importing its own views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import Conflict, PreconditionFailed

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY  # "non_field_errors"


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 1000); `{count, next, previous, results}`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "This action conflicts with the current state of the object."
    )
    default_code = "conflict"


class UnprocessableError(exceptions.APIException):
    """Well-formed but unusable, e.g. an Idempotency-Key reused with another body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("The request cannot be processed.")
    default_code = "unprocessable"


class PreconditionRequiredError(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        'Send the version you edited in an If-Match header, e.g. If-Match: "3".'
    )
    default_code = "precondition_required"


class PreconditionFailedError(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = PreconditionFailed.default_message
    default_code = "precondition_failed"


def if_match_version(request) -> int:
    """The version in `If-Match: "3"` for objects several people edit (API.md):
    428 when the header is missing, 412 when it is not a version."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequiredError
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailedError(
            _('If-Match must be the version you edited, in quotes, e.g. If-Match: "3".')
        )
    return int(value)


IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The version edited, in quotes: `"3"`.',
)
PRECONDITION_RESPONSES = {
    412: OpenApiResponse(description="Someone saved a newer version first."),
    428: OpenApiResponse(description="If-Match is missing."),
}


class AuthorityFirstMixin:
    """Who may write is decided before the body is read: a role that may not do an
    action gets its 403 whatever it sends (an invisible object stays a 404, as
    `get_object()` runs first), never a 400 about a body it could not send anyway.

    `authority` maps an action to the service's own rule (raising PermissionDenied):
    `rule(user)` for an action on the collection, `rule(user, obj)` for one on an
    object. Reads are never checked here; the services still check every write."""

    authority: dict[str, Callable[..., Any]] = {}

    def _authority_rule(self, request) -> Callable[..., Any] | None:
        if request.method in SAFE_METHODS:
            return None
        return self.authority.get(getattr(self, "action", None) or "")

    def check_permissions(self, request) -> None:
        super().check_permissions(request)
        rule = self._authority_rule(request)
        if rule is not None and not getattr(self, "detail", False):
            rule(request.user)

    def check_object_permissions(self, request, obj) -> None:
        super().check_object_permissions(request, obj)
        rule = self._authority_rule(request)
        if rule is not None and getattr(self, "detail", False):
            rule(request.user, obj)


def _as_api_exception(exc: Exception) -> Exception:
    """Domain and Django exceptions as DRF's, so one handler shapes them all."""
    if isinstance(exc, PreconditionFailed):
        return PreconditionFailedError(str(exc.message))
    if isinstance(exc, Conflict):
        return ConflictError(str(exc.message))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    NON_FIELD if field == NON_FIELD_ERRORS else field: [
                        str(m) for e in errors for m in e.messages
                    ]
                    for field, errors in exc.error_dict.items()
                }
            )
        return exceptions.ValidationError({NON_FIELD: [str(m) for m in exc.messages]})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _flatten(detail: Any, prefix: str, into: dict[str, list[str]]) -> None:
    """Nested serializer errors as flat `field.sub` keys, each a list of messages;
    a list field's per-item errors stay under the field's own name."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # ListField / many=True: {index: errors}
                _flatten(value, prefix, into)
            else:
                _flatten(value, f"{prefix}.{key}" if prefix else key, into)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict):  # a list of nested objects
                if item:
                    _flatten(item, f"{prefix}.{index}" if prefix else str(index), into)
            else:
                _flatten(item, prefix, into)
    else:
        into.setdefault(prefix or NON_FIELD, []).append(str(detail))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Shape every error as {"errors": {field: [messages], "non_field_errors": [...]}}."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500, reported as such
    data = response.data
    if isinstance(data, dict) and list(data) == ["detail"]:
        data = data["detail"]  # DRF's {"detail": …} for one message
    errors: dict[str, list[str]] = {}
    _flatten(data, "", errors)
    response.data = {"errors": errors or {NON_FIELD: [_("Error.")]}}
    return response


class ErrorSerializer(serializers.Serializer):
    """API.md's error body (for the schema only)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages per field, and under "non_field_errors" for the request as a whole.',
    )


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an operation may answer."""
    descriptions = {
        400: "Invalid input: a translated message per field.",
        401: "No or invalid credentials.",
        403: "The user may see the object but may not do this.",
        404: "No such object, or not visible to the user.",
        409: "The object's state does not allow this.",
        422: "Idempotency-Key reused with another request body.",
        429: "Throttled: retry after the number of seconds in Retry-After.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in codes
    }


# Query parameters whose bad values DRF answers with 404: a page past the end (or not
# a page number), an unknown `?format=`.
NOT_FOUND_PARAMETERS = {"page", "format"}


def document_not_found(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation taking `page` or `format`
    documents the 404 DRF answers for a bad one."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            names = {p.get("name") for p in operation.get("parameters", [])}
            if names & NOT_FOUND_PARAMETERS and "404" not in operation["responses"]:
                operation["responses"]["404"] = {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Error"}
                        }
                    },
                    "description": "No such page, or an unknown format.",
                }
    return result


__all__ = [
    "AuthorityFirstMixin",
    "ConflictError",
    "ErrorSerializer",
    "Pagination",
    "UnprocessableError",
    "document_not_found",
    "error_responses",
    "exception_handler",
]
