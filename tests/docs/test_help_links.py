"""Every main page links to its section of the user guide, in the reader's language;
every section a page points at exists in the guide, in every language, and the built
guide has the anchor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import get_resolver, reverse

from coordination.help import LANGUAGES, PAGE_HELP
from tests.docs.test_help import built_site  # noqa: F401 (module-scoped fixture)

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _view_names(patterns, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            inner = pattern.namespace or ""
            prefix = (
                f"{namespace}:{inner}" if namespace and inner else namespace or inner
            )
            names |= _view_names(pattern.url_patterns, prefix)
        elif pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_mapped_page_exists():
    assert set(PAGE_HELP) <= _view_names(get_resolver().url_patterns)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_section_a_page_points_at_is_written_in_every_language(language):
    for page, section in set(PAGE_HELP.values()):
        source = DOCS / f"{page}.{language}.md"
        assert re.search(
            rf"^## .*\{{#{re.escape(section)}\}}$", source.read_text(), re.M
        ), f"{source.name} has no section {{#{section}}}"


def test_the_built_guide_has_each_anchor(built_site):  # noqa: F811
    for language in LANGUAGES:
        root = built_site if language == "fr" else built_site / language
        for page, section in set(PAGE_HELP.values()):
            html = (root / page / "index.html").read_text()
            assert f'id="{section}"' in html, (language, page, section)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "prefix"),
    [("fr", "/help/fr/"), ("ar", "/help/ar/"), ("en", "/help/en/")],
)
def test_a_page_links_to_its_section_in_the_readers_language(
    client_as, worker_a, language, prefix
):
    worker_a.language = language
    worker_a.save(update_fields=["language"])

    page = client_as(worker_a).get(reverse("interventions:list")).content.decode()

    assert f'href="{prefix}roles/caseworker/#log-an-intervention"' in page


@pytest.mark.django_db
def test_public_pages_link_to_the_public_guide(client):
    page = client.get(reverse("public:services"), HTTP_ACCEPT_LANGUAGE="ar")

    assert 'href="/help/ar/roles/public/#find-a-service"' in page.content.decode()


@pytest.mark.django_db
def test_a_page_without_a_section_has_no_help_link(client):
    page = client.get(reverse("account_login")).content.decode()

    assert 'class="help-link"' not in page
