"""API: the shared 4W. Everyone signed in reads it; an organisation's members write its
own interventions. Edits need `If-Match: "<version>"`."""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from coordination.cursor import SyncPagination
from coordination.drf import (
    IF_MATCH_PARAMETER,
    PRECONDITION_RESPONSES,
    AuthorityFirstMixin,
    PreconditionFailedError,
    error_responses,
    if_match_version,
)
from coordination.exceptions import PermissionDenied, ValidationError
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin
from coordination.spreadsheets import CSV_ENCODINGS

from .analysis import analyse
from .exports import HEADER_LANGUAGES, export_response
from .filters import InterventionFilter
from .imports import progress_of
from .models import COUNTS, Intervention, InterventionImport
from .serializers import (
    AnalysisQuerySerializer,
    AnalysisSerializer,
    ImportReportSerializer,
    ImportRequestSerializer,
    ImportStatusSerializer,
    InterventionSerializer,
    ProgressSerializer,
)
from .services import (
    PreconditionFailed,
    create_intervention,
    import_interventions,
    queue_import,
    record_progress,
    require_writer,
    runs_in_worker,
    start_import,
    update_intervention,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _logger(user) -> None:
    """Who may log an intervention: a member acting for an organisation (its own)."""
    if user.acting_organisation is None:
        raise PermissionDenied(_("Act for an organisation to log its interventions."))
    require_writer(user, user.acting_organisation)


def _writer(user, intervention: Intervention) -> None:
    require_writer(user, intervention.organisation)


def _import_status(record: InterventionImport) -> dict:
    record.refresh_from_db()
    finished = not record.is_running and bool(record.report)
    return ImportStatusSerializer(
        {
            "id": record.pk,
            "status": record.status,
            "processed_rows": progress_of(record)
            if record.is_running
            else record.processed_rows,
            "total_rows": record.total_rows,
            "finished_at": record.finished_at,
            "report": record.report if finished else None,
        }
    ).data


class _FileRenderer(renderers.BaseRenderer):
    """Lets `?format=csv|xlsx` choose an export; errors are still JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json.dumps(data).encode()


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"


def _api_keys(error: ValidationError) -> ValidationError:
    """The service names counts `targeted_total`; the API calls them `targeted.total`."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for field, errors in error.error_dict.items():
        prefix, _sep, part = field.partition("_")
        if prefix in ("targeted", "reached") and part in COUNTS:
            field = f"{prefix}.{part}"
        renamed[field] = errors
    return ValidationError(renamed)


@extend_schema_view(
    list=extend_schema(
        summary="List interventions (the shared 4W)",
        description="Every signed-in member, observer and coordinator reads all "
        "interventions, ordered by `updated_at, id` (or `?ordering=`).",
        responses={
            200: InterventionSerializer(many=True),
            **error_responses(400, 401, 429),
        },
    ),
    retrieve=extend_schema(
        summary="One intervention",
        description="The `ETag` header carries its version.",
        responses={200: InterventionSerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Log an intervention",
        description="For the organisation the caller acts for (a token's own). "
        "Reference data by code; the activity must belong to the sector and the "
        "province to the region; the counts' parts never exceed their total.",
        responses={
            201: InterventionSerializer,
            **error_responses(400, 401, 403, 409, 422, 429),
        },
    ),
    partial_update=extend_schema(
        summary="Edit an intervention",
        description='Members of the owning organisation only. Requires `If-Match: "<version>"`: '
        "428 without it, 412 when someone saved a newer version first.",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            200: InterventionSerializer,
            **PRECONDITION_RESPONSES,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
    ),
)
class InterventionViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The shared 4W; organisations POST and PATCH their own interventions."""

    queryset = (
        Intervention.objects.select_related(
            "organisation", "emergency", "sector", "activity", "region", "province"
        )
        .prefetch_related("partners")
        .order_by("updated_at", "id")
    )
    serializer_class = InterventionSerializer
    filterset_class = InterventionFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    # 404 first (`get_object()`), then 403, then If-Match's 428, then the body.
    authority = {"create": _logger, "partial_update": _writer, "progress": _writer}
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        self.get_object()  # an invisible row is a 404, then `authority`'s 403
        self.if_match = if_match_version(request)
        response = super().update(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer):
        try:
            serializer.instance = create_intervention(
                actor=self.request.user, **serializer.validated_data
            )
        except ValidationError as error:
            raise _api_keys(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = update_intervention(
                serializer.instance,
                actor=self.request.user,
                version=self.if_match,
                **serializer.validated_data,
            )
        except PreconditionFailed as stale:
            raise PreconditionFailedError(str(stale.message)) from None
        except ValidationError as error:
            raise _api_keys(error) from None

    @extend_schema(
        summary="Report progress",
        description="People reached since the previous report, dated; added to the "
        "intervention's `reached` figures. Members of the owning organisation only.",
        request=ProgressSerializer,
        responses={
            201: ProgressSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Add a dated progress report."""
        intervention = self.get_object()
        body = ProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        update = record_progress(
            intervention,
            actor=request.user,
            reported_on=data.pop("reported_on"),
            note=data.pop("note", ""),
            counts=data,
        )
        return Response(ProgressSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Export the 4W (CSV or XLSX)",
        description="Exactly the rows the list returns for the same filters, in the "
        "import's columns (so an export can be imported back). `hxl=1` adds the HXL "
        "hashtag row under the headers (`#reached+disabled` is a custom attribute). "
        "Cells starting with = + - @ are prefixed with a quote in CSV.",
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"], default="csv"),
            OpenApiParameter("hxl", bool, default=False),
            OpenApiParameter("headers", str, enum=list(HEADER_LANGUAGES), default="fr"),
            OpenApiParameter(
                "encoding",
                str,
                enum=list(CSV_ENCODINGS),
                default="excel",
                description="CSV only: `excel` starts with a byte-order mark (Excel "
                "then reads Arabic and accents); `utf-8` is plain UTF-8 whose first "
                "bytes are the header, for HXL tools and scripts.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
            **error_responses(400, 401, 429),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[CSVRenderer, XLSXRenderer, renderers.JSONRenderer],
    )
    def export(self, request):
        """The filtered list as a spreadsheet."""
        file_format = request.query_params.get("format", "csv")
        queryset = self.filter_queryset(self.get_queryset())
        language = request.query_params.get("headers", "fr")
        return export_response(
            queryset,
            file_format="xlsx" if file_format == "xlsx" else "csv",
            hxl=request.query_params.get("hxl", "") in ("1", "true", "yes"),
            language=language if language in HEADER_LANGUAGES else "fr",
            encoding=request.query_params.get("encoding"),
        )

    def handle_exception(self, exc):
        if getattr(self, "action", None) == "export":
            # An export's errors are JSON like every other error.
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        summary="Import a spreadsheet (CSV, XLSX or ODS)",
        description="For the caller's organisation. With `dry_run=1` every row is "
        "checked and the report lists every error by row and column; nothing is "
        "saved. Without it, the file is imported whole or not at all (400 with "
        "`rows.<row>.<column>` errors); rows whose reference (`#meta+id`) is known "
        "update their intervention instead of duplicating it. A large file (over "
        "`INTERVENTION_IMPORT_SYNC_BYTES`, 1 MB by default, or more rows than "
        "`INTERVENTION_IMPORT_SYNC_ROWS`) is read by a worker: the answer is then 202 "
        "with its status, and `Location` is the status route to poll until the report "
        "is there.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            202: ImportStatusSerializer,
            **error_responses(400, 401, 403, 422, 429),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """Check or import a spreadsheet."""
        organisation = request.user.acting_organisation
        if organisation is None:
            raise PermissionDenied(
                _("Act for an organisation to import its interventions.")
            )
        require_writer(request.user, organisation)  # before reading the upload
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = body.validated_data["dry_run"]
        record = start_import(actor=request.user, upload=body.validated_data["file"])
        if runs_in_worker(record):  # the web process never reads a large file
            record = queue_import(record, actor=request.user, dry_run=dry_run)
            url = reverse(
                "api:intervention-import-status",
                kwargs={"import_pk": record.pk},
                request=request,
            )
            return Response(
                _import_status(record),
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": url},
            )
        record = import_interventions(record, actor=request.user, dry_run=dry_run)
        report = record.report
        if report["file_error"]:
            raise exceptions.ValidationError({"file": [report["file_error"]]})
        if not report["valid"] and not dry_run:
            errors: dict[str, list[str]] = {
                "file": [
                    ngettext(
                        "The file was not imported: %(count)d error. Correct it "
                        "and send it again.",
                        "The file was not imported: %(count)d errors. Correct them "
                        "and send it again.",
                        report["error_count"],
                    )
                    % {"count": report["error_count"]}
                ]
            }
            for item in report["errors"]:
                errors.setdefault(f"rows.{item['row']}.{item['column']}", []).append(
                    item["message"]
                )
            raise exceptions.ValidationError(errors)
        return Response(ImportReportSerializer(report).data)

    @extend_schema(
        summary="A large import's progress and report",
        description="The status of a file handed to a worker (the `Location` of the "
        "import's 202 answer). Only the importing organisation sees it.",
        responses={200: ImportStatusSerializer, **error_responses(401, 404, 429)},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"imports/(?P<import_pk>[0-9]+)",
        url_name="import-status",
    )
    def import_status(self, request, import_pk: str):
        """A queued import's status."""
        record = get_object_or_404(
            InterventionImport.objects.visible_to(request.user), pk=int(import_pk)
        )
        return Response(_import_status(record))

    @extend_schema(
        summary="Gaps and overlaps",
        description="For an emergency or a period: regions and sectors with declared "
        "needs and no active intervention (gaps), and provinces where three or more "
        "organisations run the same activity on the same days (overlaps).",
        parameters=[AnalysisQuerySerializer],
        responses={200: AnalysisSerializer, **error_responses(400, 401, 429)},
    )
    @action(detail=False, methods=["get"])
    def gaps(self, request):
        """Gap and overlap analysis."""
        query = AnalysisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = analyse(
            emergency=data.get("emergency"),
            start=data.get("period_start"),
            end=data.get("period_end"),
        )
        return Response(AnalysisSerializer(result).data)
