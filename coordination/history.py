"""The one audit-history renderer (STYLE.md §2, "one home per rule"): pghistory events
become rows of who changed what and when, with field labels and the display names of
related rows, loaded in one query per related model whatever the number of events.

Each page configures one renderer with the models whose history it shows::

    HISTORY = HistoryRenderer((Intervention, InterventionUpdate), hidden={"version"})
    entries = HISTORY.render(HISTORY.events(intervention)[:200])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import Events, MiddlewareEvents

# A row's bookkeeping: its id, and times its events carry themselves.
BOOKKEEPING = frozenset({"id", "created_at", "updated_at"})
EMPTY = (None, "", [])
LABELS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}

# (related model, name of the field a foreign key points at) → {value: row}
Related = Mapping[tuple[type[models.Model], str], Mapping[Any, models.Model]]


def display_name(row: models.Model) -> str:
    """How a related row reads in a history: a person by the address they sign in with,
    anything else by its title or name, else by its code (`__str__`)."""
    if isinstance(row, get_user_model()):
        return row.get_username()
    for attribute in ("title", "name"):
        if value := getattr(row, attribute, None):
            return str(value)
    return str(row)


class HistoryRenderer:
    """Renders the audit events of the `tracked` models for one page.

    `hidden`: fields never shown (besides the id and timestamps). `actor_fields`: per
    event label ("insert", "update", "delete"), the foreign keys to a user that name who
    acted when the event's context names nobody (a change made outside a request)."""

    def __init__(
        self,
        tracked: Iterable[type[models.Model]],
        *,
        hidden: Collection[str] = (),
        actor_fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.tracked = {model._meta.label: model for model in tracked}
        self.hidden = BOOKKEEPING | frozenset(hidden)
        self.actor_fields = dict(actor_fields or {})

    @cached_property
    def _fields(self) -> dict[str, dict[str, models.Field]]:
        # Events store columns ("sector_id"): map them to the fields shown, per model.
        # (Read on first use: the models are not all loaded when a module builds one.)
        return {
            label: {
                field.attname: field
                for field in model._meta.concrete_fields
                if field.name not in self.hidden
            }
            for label, model in self.tracked.items()
        }

    def events(self, obj: models.Model) -> models.QuerySet[MiddlewareEvents]:
        """Events of the tracked models about `obj` or a row referencing it, newest
        first (other apps' rows that reference it are left out)."""
        return (
            MiddlewareEvents.objects.references(obj)
            .filter(pgh_obj_model__in=list(self.tracked))
            .order_by("-pgh_created_at", "-pgh_id")
        )

    def render(self, events: Iterable[Events]) -> list[dict[str, Any]]:
        """One row per event, newest first as given: when, actor (a user or None),
        model, label, kind, is_insert and changes ({field, old, new}). An update that
        changed no field shown is left out."""
        rows = [
            (event, self._actor_id(event), list(self._changes(event)))
            for event in events
            if event.pgh_obj_model in self.tracked
        ]
        related = self._load(rows)
        user_key = _key(get_user_model()._meta.pk)
        entries = []
        for event, actor_id, changes in rows:
            if event.pgh_label == "update" and not changes:
                continue
            model = self.tracked[event.pgh_obj_model]
            entries.append(
                {
                    "when": event.pgh_created_at,
                    "actor": related[user_key].get(actor_id),
                    "model": model._meta.verbose_name,
                    "label": LABELS.get(event.pgh_label, event.pgh_label),
                    "kind": event.pgh_label,
                    "is_insert": event.pgh_label == "insert",
                    "changes": [
                        {
                            "field": field.verbose_name,
                            "old": _show(field, old, related),
                            "new": _show(field, new, related),
                        }
                        for field, old, new in changes
                    ],
                }
            )
        return entries

    def _changes(self, event: Events) -> Iterator[tuple[models.Field, Any, Any]]:
        data = event.pgh_data or {}
        if event.pgh_label == "update" and event.pgh_diff:
            pairs = event.pgh_diff.items()
        else:  # a creation or deletion (or a first recorded update) shows the row
            pairs = ((k, (None, v)) for k, v in data.items() if v not in EMPTY)
        fields = self._fields[event.pgh_obj_model]
        for column, (old, new) in pairs:
            if (field := fields.get(column)) is not None:
                yield field, old, new

    def _actor_id(self, event: Events) -> Any:
        actor = (event.pgh_context or {}).get("user")
        if actor in (None, ""):
            data = event.pgh_data or {}
            names = self.actor_fields.get(event.pgh_label, ())
            actor = next((data[f"{n}_id"] for n in names if data.get(f"{n}_id")), None)
        return (
            None if actor in (None, "") else get_user_model()._meta.pk.to_python(actor)
        )

    def _load(self, rows) -> Related:
        """Every user and related row the rows name, one query per related model."""
        wanted: dict[tuple[type[models.Model], str], set] = defaultdict(set)
        user_pk = get_user_model()._meta.pk
        for _event, actor_id, changes in rows:
            if actor_id is not None:
                wanted[_key(user_pk)].add(actor_id)
            for field, old, new in changes:
                if field.is_relation:
                    target = field.target_field
                    wanted[_key(target)].update(
                        target.to_python(v) for v in (old, new) if v not in EMPTY
                    )
        loaded: dict = defaultdict(dict)
        for (model, name), values in wanted.items():
            loaded[model, name] = model._base_manager.in_bulk(values, field_name=name)
        return loaded


def _key(target: models.Field) -> tuple[type[models.Model], str]:
    return target.model, target.name


def _show(field: models.Field, value: Any, related: Related) -> Any:
    """A value as people read it (numbers stay numbers: the template localises them)."""
    if value in EMPTY:
        return "—"
    if field.is_relation:
        target = field.target_field
        row = related[_key(target)].get(target.to_python(value))
        return display_name(row) if row is not None else f"#{value}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, ArrayField):
        labels = dict(field.base_field.flatchoices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if (
        isinstance(field, models.DateTimeField)
        and isinstance(value, str)
        and (moment := parse_datetime(value))
    ):
        return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")
    return value
