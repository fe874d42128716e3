"""The user guide at /help/ (coordination/help.py, mkdocs.yml): it builds with
`mkdocs build --strict`; /help/ sends each reader to their language; the built pages
are served with DEBUG off, their inline scripts allowed by hash and nothing else; a
missing page goes to the language's index, a path outside the site is a 404; without a
build, a translated page says how to build it; no built page loads anything from
another host."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from coordination.help import INLINE_SCRIPT
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _build(project: Path, site: Path) -> None:
    """`mkdocs build --strict` of a project folder (mkdocs.yml and docs/) into site."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        message = "mkdocs is not installed (requirements-dev.txt)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": the guide must build in CI")
        pytest.skip(message)
    result = subprocess.run(
        [mkdocs, "build", "--strict", "-q", "-f", "mkdocs.yml", "-d", str(site)],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The guide built once for this module, as `make docs` builds it."""
    site = tmp_path_factory.mktemp("help") / "site"
    _build(ROOT, site)
    return site


@pytest.fixture
def site(built_site, settings) -> Path:
    settings.HELP_SITE_DIR = built_site
    settings.DEBUG = False
    return built_site


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_help_sends_a_signed_in_reader_to_their_language(site, client_as, language):
    user = UserFactory(language=language)

    response = client_as(user).get("/help/")

    assert response.status_code == 302
    assert response["Location"] == f"/help/{language}/"


def test_help_follows_the_browser_language_without_an_account(site, client):
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="ar")

    assert response["Location"] == "/help/ar/"


def test_a_language_the_guide_lacks_falls_back_to_french(site, client):
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="de")

    assert response["Location"] == "/help/fr/"


@pytest.mark.parametrize(
    ("path", "lang", "text"),
    [
        ("/help/fr/", "fr", "Choisissez votre rôle"),
        ("/help/ar/", "ar", "اختر دورك"),
        ("/help/en/", "en", "Choose your role"),
        ("/help/fr/data-responsibility/", "fr", "Qui voit quoi"),
        ("/help/ar/data-responsibility/", "ar", "من يرى ماذا"),
        ("/help/en/data-responsibility/", "en", "Who sees what"),
        ("/help/en/roles/caseworker/", "en", "Send a referral"),
        ("/help/ar/roles/caseworker/", "ar", "إرسال إحالة"),
        ("/help/en/api/webhooks/", "en", "X-Tansiq-Signature"),
    ],
)
def test_built_pages_are_served_with_debug_off(site, client, path, lang, text):
    response = client.get(path)

    assert response.status_code == 200, path
    body = b"".join(response.streaming_content).decode()
    assert f'<html lang="{lang}"' in body
    assert text in body
    if lang == "ar":
        assert 'dir="rtl"' in body


def test_assets_are_served(site, client):
    page = b"".join(client.get("/help/en/").streaming_content).decode()
    stylesheet = re.search(r'href="\.\./(assets/stylesheets/main\.[^"]+\.css)"', page)
    assert stylesheet, "Material's stylesheet is linked"

    response = client.get(f"/help/{stylesheet.group(1)}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_only_the_pages_own_inline_scripts_are_allowed(site, client):
    response = client.get("/help/fr/")
    body = b"".join(response.streaming_content)
    scripts = INLINE_SCRIPT.findall(body)
    assert scripts, "Material's pages have inline scripts"

    policy = response["Content-Security-Policy"]
    script_src = next(
        part for part in policy.split(";") if part.strip().startswith("script-src")
    )
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
    assert "unsafe-inline" not in script_src


def test_the_sitemap_material_asks_for_beside_each_page_is_served(site, client):
    # Material's language switch fetches sitemap.xml relative to every alternate page.
    for path in ("/help/ar/roles/caseworker/sitemap.xml", "/help/fr/sitemap.xml"):
        response = client.get(path)

        assert response.status_code == 200, path
        assert b"<urlset" in b"".join(response.streaming_content)


def test_a_missing_page_goes_to_the_index_of_its_language(site, client):
    assert client.get("/help/ar/no-such-page/")["Location"] == "/help/ar/"
    assert client.get("/help/fr/roles/nobody/")["Location"] == "/help/fr/"


def test_a_missing_asset_or_a_path_out_of_the_site_is_a_404(site, client):
    assert client.get("/help/assets/nothing.js").status_code == 404
    assert client.get("/help/../../mkdocs.yml").status_code in (301, 302, 404)
    assert client.get("/help/%2e%2e/%2e%2e/mkdocs.yml").status_code == 404


def test_without_a_build_help_says_how_to_build_it(settings, client, tmp_path):
    settings.HELP_SITE_DIR = tmp_path / "not-built"
    settings.DEBUG = False

    for path in ("/help/", "/help/fr/", "/help/ar/roles/caseworker/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 503, path
        with translation.override("en"):
            assert (
                gettext("The user guide has not been built on this server yet.")
                in response.content.decode()
            )
        assert "make docs" in response.content.decode()


class _ExternalLoads(HTMLParser):
    """Every resource a page loads (scripts, stylesheets, images, frames, fonts):
    `<a href>` is a plain link the reader may follow, not a load."""

    LOADING = {"script": "src", "img": "src", "iframe": "src", "link": "href"}

    def __init__(self):
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        wanted = self.LOADING.get(tag)
        for name, value in attrs:
            if name in (wanted, "srcset", "data") and re.match(
                r"^\s*(https?:)?//", value or ""
            ):
                self.external.append(f"<{tag} {name}={value}>")


def test_no_built_page_loads_anything_from_another_host(built_site):
    pages = list(built_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parser = _ExternalLoads()
        parser.feed(html)
        assert parser.external == [], f"{page}: {parser.external}"
        assert "fonts.googleapis" not in html
        assert "fonts.gstatic" not in html
        assert "googletagmanager" not in html


def test_the_api_guide_says_it_is_in_english_and_reads_left_to_right(built_site):
    arabic = (built_site / "ar" / "api" / "index.html").read_text(encoding="utf-8")
    english = (built_site / "en" / "api" / "index.html").read_text(encoding="utf-8")

    assert "دليل واجهة البرمجة مكتوب باللغة الإنجليزية." in arabic
    assert '<div lang="en" dir="ltr">' in arabic
    assert "The API guide is written in English." not in english


def test_a_page_missing_in_arabic_falls_back_to_french_with_a_notice(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "docs" / "roles" / "public.ar.md").unlink()

    _build(project, tmp_path / "site")

    page = (tmp_path / "site" / "ar" / "roles" / "public" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "لم تُترجَم هذه الصفحة إلى العربية بعد" in page
    assert '<div lang="fr" dir="ltr">' in page
    assert "Trouver un service" in page
