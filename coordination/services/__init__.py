"""The platform core's services: loading the reference data."""

from __future__ import annotations

from .reference_data import load_reference_data

__all__ = ["load_reference_data"]
