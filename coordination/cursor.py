"""The sync cursor: a keyset walk on `(updated_at, id)` for the lists partners sync
(README "Incremental sync with a cursor"). Imports no viewset (DRF imports pagination
classes while importing its own views).

The guarantee: a walk delivers every row's latest version at least once; a row comes
again only in a newer version (it changed after it was delivered, and so moved to the
end). No row is skipped, even when transactions commit out of the order of their rows'
`updated_at`: a page only holds rows older than the *horizon*, the start of the oldest
transaction that has written and not yet committed (minus `SYNC_CURSOR_MARGIN_SECONDS`
for clock skew between the web machines and the database), so a row that is still
uncommitted can never be overtaken by the cursor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .drf import Pagination

CURSOR_PARAM = "cursor"
SYNC_PARAM = "sync"
_SALT = "tansiq.api.cursor"

# The horizon: now, or the start of the oldest other transaction that has written and
# not committed, whichever is earlier, minus the margin. A session of another database
# role shows no times here (pg_stat_activity): the margin alone covers those.
_HORIZON_SQL = """
SELECT LEAST(
    clock_timestamp(),
    (
        SELECT min(xact_start) FROM pg_stat_activity
        WHERE datname = current_database()
          AND pid <> pg_backend_pid()
          AND backend_xid IS NOT NULL
    )
) - make_interval(secs => %s)
"""


def sync_horizon() -> datetime:
    """The newest `updated_at` a cursor page may hold (exclusive)."""
    margin = float(getattr(settings, "SYNC_CURSOR_MARGIN_SECONDS", 2.0))
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # pg_stat_activity is read once per transaction; read it afresh.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(_HORIZON_SQL, [margin])
        return cursor.fetchone()[0]


def encode_cursor(list_name: str, position: tuple[datetime, int] | None) -> str:
    payload: dict[str, Any] = {"l": list_name}
    if position is not None:
        payload["u"] = position[0].isoformat()
        payload["i"] = position[1]
    return signing.dumps(payload, salt=_SALT, compress=True)


def decode_cursor(list_name: str, token: str) -> tuple[datetime, int] | None:
    """The position a cursor carries (None: the start); 400 on `cursor` otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise exceptions.ValidationError(
            {
                CURSOR_PARAM: [
                    _(
                        "This cursor is not valid: use the `next` or `resume` link "
                        "of a previous page as it is, or start again with sync=1."
                    )
                ]
            }
        ) from None
    if not isinstance(payload, dict) or payload.get("l") != list_name:
        raise exceptions.ValidationError(
            {CURSOR_PARAM: [_("This cursor belongs to another list.")]}
        )
    if "u" not in payload:
        return None
    moment = parse_datetime(str(payload["u"]))
    row_id = payload.get("i")
    if moment is None or not isinstance(row_id, int):
        raise exceptions.ValidationError(
            {CURSOR_PARAM: [_("This cursor is not valid.")]}
        )
    return moment, row_id


class SyncPagination(Pagination):
    """Page numbers as before; with `?sync=1` or `?cursor=…`, a keyset walk on
    `(updated_at, id)`: `{next, previous, resume, results}`, no count, each page in
    time proportional to its rows. `next` is null once the walk has caught up;
    `resume` is where the next sync starts."""

    cursor_mode = False

    @staticmethod
    def cursor_requested(request) -> bool:
        params = request.query_params
        return CURSOR_PARAM in params or params.get(SYNC_PARAM, "") in (
            "1",
            "true",
            "yes",
        )

    @staticmethod
    def list_name(view) -> str:
        return getattr(view, "basename", None) or type(view).__name__

    def paginate_queryset(self, queryset, request, view=None):
        if not self.cursor_requested(request):
            return super().paginate_queryset(queryset, request, view)
        self.cursor_mode = True
        self.request = request
        self.name = self.list_name(view)
        token = request.query_params.get(CURSOR_PARAM, "")
        position = decode_cursor(self.name, token) if token else None
        size = self.get_page_size(request)
        rows = queryset.order_by("updated_at", "id").filter(
            updated_at__lt=sync_horizon()
        )
        if position is not None:
            moment, row_id = position
            # The index range starts at `moment`; ties on it are ordered by id.
            rows = rows.filter(updated_at__gte=moment).filter(
                Q(updated_at__gt=moment) | Q(id__gt=row_id)
            )
        page = list(rows[: size + 1])
        self.has_more = len(page) > size
        page = page[:size]
        self.position = (page[-1].updated_at, page[-1].pk) if page else position
        return page

    def _link(self) -> str:
        url = self.request.build_absolute_uri()
        for name in (self.page_query_param, SYNC_PARAM):
            url = remove_query_param(url, name)
        return replace_query_param(
            url, CURSOR_PARAM, encode_cursor(self.name, self.position)
        )

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        resume = self._link()
        return Response(
            {
                "next": resume if self.has_more else None,
                "previous": None,
                "resume": resume,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        properties = response["properties"]
        properties["count"]["description"] = (
            "Rows matching the filters; page-number pages only."
        )
        properties["next"]["description"] = (
            "The next page; in a cursor walk, null once it has caught up."
        )
        properties["previous"]["description"] = (
            "The previous page; always null in a cursor walk."
        )
        properties["resume"] = {
            "type": "string",
            "format": "uri",
            "description": "Cursor walks only: the link that continues the walk "
            "later, with the rows changed since (store it between syncs).",
            "example": "http://api.example.org/accounts/?cursor=eyJsIjoi...",
        }
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": SYNC_PARAM,
                "required": False,
                "in": "query",
                "description": "1 starts a cursor walk (keyset on `updated_at, id`) "
                "from the beginning, or from `updated_since`: no count, `next` and "
                "`resume` links carry the cursor.",
                "schema": {"type": "boolean"},
            },
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "The opaque cursor of a `next` or `resume` link. "
                "Every row's latest version comes at least once; a row comes again "
                "only when it changed after it was delivered. 400 for a cursor that "
                "was not issued for this list.",
                "schema": {"type": "string"},
            },
        ]
