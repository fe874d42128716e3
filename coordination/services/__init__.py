"""The platform core's services: loading the reference data, adding activities."""

from __future__ import annotations

from .activities import add_activity
from .reference_data import load_reference_data

__all__ = ["add_activity", "load_reference_data"]
