"""Comparing names as people write them: accents, case, Arabic diacritics and letter
variants, punctuation and spacing ignored. Shared by the imports (interventions) and the
reference data (joining OCHA's P-codes to the HCP's places by name)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# NFKD already turns hamza forms of alef into a bare alef; these letters have no
# decomposition: alef wasla, alef maqsura (as yeh), teh marbuta (as heh), tatweel; and
# the Maghrebi and Persian forms of gaf, kaf and yeh (ݣلميم, ڭرسيف, ی) as kaf and yeh.
_ARABIC_VARIANTS = str.maketrans(
    {
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u0629": "\u0647",
        "\u0640": None,
        "\u0763": "\u0643",
        "\u06ad": "\u0643",
        "\u06af": "\u0643",
        "\u06a9": "\u0643",
        "\u06cc": "\u064a",
    }
)


def normalise(text: Any) -> str:
    """Accents, case, Arabic diacritics and letter variants, punctuation and spacing
    ignored: "Région de l'Oriental" and "region de l oriental" are the same."""
    text = unicodedata.normalize("NFKD", str(text or "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_ARABIC_VARIANTS)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def compact(text: Any) -> str:
    """normalise() without any space: place names are written with and without
    hyphens and spaces ("Tanger -Assilah", "Agadir Ida Ou Tanane", "TangerAssilah")."""
    return normalise(text).replace(" ", "")
