"""`UNSET`: the default of a service's optional keyword argument that the caller did not
give, so an update changes only the fields it names (a PATCH) while every argument stays
named and typed (STYLE.md §5: no opaque `data: dict`)::

    def update_need(need, *, actor, people_in_need: int | Unset = UNSET, ...) -> Need:
        changed = given(people_in_need=people_in_need, ...)
"""

from __future__ import annotations

from typing import Any, Final


class Unset:
    """The type of UNSET (falsy, one instance)."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments the caller gave (those not UNSET), in their order."""
    return {name: value for name, value in values.items() if value is not UNSET}
