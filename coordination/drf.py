"""DRF plumbing: pagination and the error format of API.md. Imports no viewset."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import Conflict


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _as_api_exception(exc):
    if isinstance(exc, Conflict):
        return ConflictError(str(exc.message))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    k: [str(m) for e in v for m in e.messages]
                    for k, v in exc.error_dict.items()
                }
            )
        return exceptions.ValidationError(
            {"non_field_errors": [str(m) for m in exc.messages]}
        )
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def exception_handler(exc, context):
    """Shape every error as {"errors": {field: [messages], "non_field_errors": [...]}}."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, list):
            errors = {"non_field_errors": data}
        else:
            errors = dict(data)
            if "detail" in errors and len(errors) == 1:
                errors = {"non_field_errors": [errors["detail"]]}
    else:
        detail = data.get("detail", _("Error.")) if isinstance(data, dict) else data
        errors = {"non_field_errors": [detail]}
    response.data = {"errors": errors}
    return response


__all__ = ["ConflictError", "Pagination", "Response", "exception_handler"]
