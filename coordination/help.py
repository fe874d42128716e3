"""The user guide at /help/: the static site `make docs` builds from docs/ with MkDocs
(mkdocs.yml), served from `HELP_SITE_DIR` (default `.data/help/`, built into the Docker
image) by this small view, with DEBUG on or off, signed in or not.

The site's layout is mkdocs-static-i18n's: French, the default language, at the site's
root; Arabic under `ar/`, English under `en/`. `/help/` sends a reader to their language
(`/help/fr/`, `/help/ar/` or `/help/en/`); `/help/fr/<path>` is the root's `<path>`, so
every language has the same shape of address. A page that does not exist goes to the
index of its language (a help link never ends on a 404); a missing asset is a 404.
When the site is not built, every /help/ address shows how to build it (never a 500).

Material's pages carry a few inline scripts: the response's Content-Security-Policy
allows exactly those (their sha256 hashes), nothing else."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils._os import safe_join
from django.views.decorators.http import require_safe
from django.views.static import serve

DEFAULT_LANGUAGE = "fr"  # mkdocs.yml: the language built at the site's root
LANGUAGES = ("fr", "ar", "en")  # the languages mkdocs.yml builds
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
PAGE_SUFFIXES = ("", ".html")  # what a reader's link points at (not an asset)


def site_dir() -> Path:
    """Where `make docs` writes the site (the `HELP_SITE_DIR` setting)."""
    configured = getattr(settings, "HELP_SITE_DIR", None)
    return Path(configured) if configured else settings.DATA_DIR / "help"


def is_built(root: Path | None = None) -> bool:
    return ((root or site_dir()) / "index.html").is_file()


def reader_language() -> str:
    """The reader's interface language if the guide has it, French otherwise."""
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _not_built(request: HttpRequest) -> HttpResponse:
    return render(request, "help/not_built.html", status=503)


@require_safe
def help_home(request: HttpRequest) -> HttpResponse:
    """/help/: the guide's index in the reader's language."""
    if not is_built():
        return _not_built(request)
    return redirect("help_page", path=f"{reader_language()}/")


def _split_language(path: str) -> tuple[str, str]:
    """`ar/roles/x/` -> ("ar", "ar/roles/x/"); `fr/roles/x/` -> ("fr", "roles/x/")."""
    first, _sep, rest = path.partition("/")
    if first == DEFAULT_LANGUAGE:
        return DEFAULT_LANGUAGE, rest
    if first in LANGUAGES:
        return first, path
    return DEFAULT_LANGUAGE, path


@lru_cache(maxsize=256)
def _script_hashes(path: str, mtime_ns: int) -> tuple[str, ...]:
    """The CSP sources of a page's inline scripts (cached per file version)."""
    content = Path(path).read_bytes()
    return tuple(
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(content)
    )


@require_safe
def help_page(request: HttpRequest, path: str) -> HttpResponse:
    """One file of the built site."""
    root = site_dir()
    if not is_built(root):
        return _not_built(request)
    language, relative = _split_language(path)
    try:
        target = Path(safe_join(root, relative))
    except (SuspiciousFileOperation, ValueError):  # a path out of the site
        raise Http404 from None
    if target.is_dir():
        if path and not path.endswith("/"):  # relative links need the slash
            return redirect("help_page", path=f"{path}/")
        target = target / "index.html"
        relative = f"{relative}index.html"
    if not target.is_file() and target.name == "sitemap.xml":
        # Material's language switch asks for sitemap.xml beside every page; the
        # site has one, at its root, for every language.
        relative, target = "sitemap.xml", root / "sitemap.xml"
    if not target.is_file():
        if Path(relative).suffix in PAGE_SUFFIXES:
            return redirect("help_page", path=f"{language}/")
        raise Http404
    response = serve(request, relative, document_root=str(root))
    if target.suffix == ".html":
        hashes = _script_hashes(str(target), target.stat().st_mtime_ns)
        if hashes:
            response._csp_update = {"script-src": list(hashes)}
        response["Cache-Control"] = "no-cache"
    else:
        response["Cache-Control"] = "public, max-age=3600"
    return response
