"""Coordination services, one module per sub-domain, re-exported here."""

from __future__ import annotations

from .reference import load_reference_data

__all__ = ["load_reference_data"]
