"""What an import found: rows read, created, updated and unchanged, and the errors by
row and column (the first MAX_ERRORS listed, the rest counted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_ERRORS = 1000  # errors listed in a report; the rest are counted


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    file_error: str = ""
    header_style: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.error_count and not self.file_error

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "valid": self.valid,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count + (1 if self.file_error else 0),
            "file_error": self.file_error,
            "errors": self.errors,
            "header_style": self.header_style,
            "ignored_columns": self.ignored_columns,
        }
