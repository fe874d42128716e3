"""The header: which column of the file holds what (HXL hashtags, or names with an
optional row of hashtags under them), and where the data starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from .columns import COLUMN_BY_KEY, REQUIRED, column_for_name, column_for_tag
from .reading import ImportFileError, is_blank

if TYPE_CHECKING:
    from collections.abc import Iterator


@dataclass
class Header:
    """Which column holds what, and where the data starts."""

    keys: dict[int, str]  # column index -> key
    labels: dict[int, str]  # column index -> the header as written in the file
    first_data_row: int
    style: str  # "hxl" or "names"
    ignored: list[str] = field(default_factory=list)
    # The first data row when it was read to see whether it held hashtags: the
    # reader gives it back before the rest.
    pending: list[Any] | tuple[Any, ...] | None = None


def _is_hxl_row(row) -> bool:
    cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
    return bool(cells) and sum(c.startswith("#") for c in cells) >= max(
        1, len(cells) // 2
    )


def _cells(row) -> dict[int, str]:
    return {
        i: str(c).strip() for i, c in enumerate(row) if c is not None and str(c).strip()
    }


def read_header(rows: Iterator) -> Header:
    """The header row (HXL hashtags, or names with an optional HXL row under them)."""
    first = next(rows, None)
    while first is not None and is_blank(first):
        first = next(rows, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    names = _cells(list(first))
    tags: dict[int, str] = {}
    style, first_data_row = "names", 2
    if _is_hxl_row(first):
        tags, names, style = names, {}, "hxl"
    else:
        # A second row of HXL hashtags under human headers (as HDX files have)?
        second = next(rows, None)
        if second is not None and _is_hxl_row(second):
            tags = _cells(second)
            style, first_data_row = "hxl", 3
        elif second is not None:
            header = _map_header(names, tags, style, first_data_row)
            header.pending = second  # the first data row: give it back
            return header
    return _map_header(names, tags, style, first_data_row)


def _map_header(names, tags, style, first_data_row) -> Header:
    keys: dict[int, str] = {}
    labels: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index in sorted(set(names) | set(tags)):
        label = names.get(index) or tags.get(index, "")
        key = None
        if tags.get(index, "").startswith("#"):
            key = column_for_tag(tags[index])
        if key is None and index in names:
            key = column_for_name(names[index])
        if key is None:
            ignored.append(label)
            continue
        if key in seen:
            raise ImportFileError(
                _(
                    "Two columns mean the same thing: “%(first)s” and “%(second)s”. Keep one."
                )
                % {"first": seen[key], "second": label}
            )
        seen[key] = label
        keys[index] = key
        labels[index] = label
    _check_columns(set(keys.values()))
    return Header(keys, labels, first_data_row, style, ignored)


def _check_columns(present: set[str]) -> None:
    """Refuse a header without any known column, or without a required one."""
    if not present:
        raise ImportFileError(
            _(
                "No known column in the first row. Start from the template: its first "
                "row has the column names (or HXL hashtags such as #sector, #adm1+code)."
            )
        )
    missing = [k for k in REQUIRED if k not in present]
    if not present & {"region", "region_hcp", "province", "province_hcp"}:
        missing.append("region")
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s.")
            % {
                "columns": ", ".join(
                    f"{COLUMN_BY_KEY[k].fr} / {COLUMN_BY_KEY[k].en} ({COLUMN_BY_KEY[k].hxl})"
                    for k in missing
                )
            }
        )
