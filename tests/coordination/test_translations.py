"""Every page works in French, Arabic and English: the catalogues are complete."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "coordination" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


@pytest.fixture(params=["fr", "ar"])
def catalogue(request):
    return request.param, polib.pofile(
        str(LOCALE / request.param / "LC_MESSAGES" / "django.po")
    )


def test_catalogue_is_complete(catalogue):
    language, po = catalogue

    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert missing == [], f"{language}: untranslated {missing[:10]}"
    assert fuzzy == [], f"{language}: fuzzy {fuzzy[:10]}"


def test_translations_keep_their_placeholders(catalogue):
    language, po = catalogue

    for entry in po.translated_entries():
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                # A plural form may leave the count out ("one organisation").
                assert set(PLACEHOLDER.findall(form)) <= expected, (
                    language,
                    entry.msgid,
                )
        else:
            assert set(PLACEHOLDER.findall(entry.msgstr)) == expected, (
                language,
                entry.msgid,
            )


def test_arabic_plurals_have_all_six_forms():
    po = polib.pofile(str(LOCALE / "ar" / "LC_MESSAGES" / "django.po"))

    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(6)), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize(
    ("language", "direction", "word"),
    [
        ("fr", "ltr", "Organisations"),
        ("ar", "rtl", "المنظمات"),
        ("en", "ltr", "Organisations"),
    ],
)
def test_pages_render_in_each_language(client_as, worker_a, language, direction, word):
    worker_a.language = language
    worker_a.save(update_fields=["language"])

    response = client_as(worker_a).get(reverse("organisations:list"))

    html = response.content.decode()
    assert f'lang="{language}" dir="{direction}"' in html
    assert word in html
