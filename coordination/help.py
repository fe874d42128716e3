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


# ---------------------------------------------------------------------------
# Contextual help: the guide's section for each main page (view name → page and the
# section's id, the same in every language: `## Heading {#id}` in docs/roles/).
# ---------------------------------------------------------------------------
CASEWORKER, FOCAL, COORDINATOR = (
    "roles/caseworker",
    "roles/focal-point",
    "roles/coordinator",
)
OBSERVER, PUBLIC = "roles/observer", "roles/public"
PAGE_HELP: dict[str, tuple[str, str]] = {
    "home": (CASEWORKER, "see-what-to-do-next"),
    "interventions:list": (CASEWORKER, "log-an-intervention"),
    "interventions:create": (CASEWORKER, "log-an-intervention"),
    "interventions:detail": (CASEWORKER, "log-an-intervention"),
    "interventions:edit": (CASEWORKER, "log-an-intervention"),
    "interventions:progress": (CASEWORKER, "report-progress"),
    "interventions:import": (CASEWORKER, "import-a-spreadsheet"),
    "interventions:import_detail": (CASEWORKER, "import-a-spreadsheet"),
    "referrals:list": (CASEWORKER, "register-a-person"),
    "referrals:create": (CASEWORKER, "register-a-person"),
    "referrals:detail": (CASEWORKER, "record-consent"),
    "referrals:referral_create": (CASEWORKER, "send-a-referral"),
    "referrals:referral_outgoing": (CASEWORKER, "send-a-referral"),
    "referrals:referral_inbox": (CASEWORKER, "answer-a-referral"),
    "referrals:referral_detail": (CASEWORKER, "answer-a-referral"),
    "referrals:vital_interest": (FOCAL, "send-a-referral-under-vital-interest"),
    "referrals:pathway": (COORDINATOR, "follow-the-referral-pathway"),
    "emergencies:alerts": (CASEWORKER, "answer-an-alert-and-declare-capacities"),
    "emergencies:alert": (CASEWORKER, "answer-an-alert-and-declare-capacities"),
    "emergencies:capacities": (CASEWORKER, "answer-an-alert-and-declare-capacities"),
    "emergencies:list": (COORDINATOR, "declare-an-emergency"),
    "emergencies:create": (COORDINATOR, "declare-an-emergency"),
    "emergencies:detail": (COORDINATOR, "declare-an-emergency"),
    "emergencies:alert_create": (COORDINATOR, "send-an-alert"),
    "notifications:inbox": (CASEWORKER, "notifications-and-discussions"),
    "notifications:webhooks": (FOCAL, "set-up-webhooks"),
    "organisations:profile": (FOCAL, "turn-on-two-factor-authentication"),
    "organisations:detail": (FOCAL, "keep-the-organisation-profile-up-to-date"),
    "organisations:edit": (FOCAL, "keep-the-organisation-profile-up-to-date"),
    "organisations:members": (FOCAL, "manage-the-members"),
    "organisations:tokens": (FOCAL, "create-and-revoke-api-tokens"),
    "organisations:audit": (FOCAL, "read-the-audit-trail"),
    "services:list": (FOCAL, "manage-the-services"),
    "services:create": (FOCAL, "manage-the-services"),
    "services:detail": (FOCAL, "manage-the-services"),
    "services:edit": (FOCAL, "manage-the-services"),
    "organisations:list": (COORDINATOR, "verify-organisations"),
    "organisations:join_requests": (COORDINATOR, "verify-organisations"),
    "dashboards:dashboard": (COORDINATOR, "read-the-dashboard"),
    "dialogue:meeting_list": (COORDINATOR, "convene-a-meeting-and-follow-its-recommendations"),
    "dialogue:meeting_detail": (COORDINATOR, "convene-a-meeting-and-follow-its-recommendations"),
    "dialogue:recommendation_board": (OBSERVER, "update-a-recommendation-addressed-to-your-body"),
    "dialogue:recommendation_detail": (OBSERVER, "update-a-recommendation-addressed-to-your-body"),
    "public:services": (PUBLIC, "find-a-service"),
    "public:service_detail": (PUBLIC, "find-a-service"),
    "public_stats:stats": (PUBLIC, "see-the-statistics"),
    "referral_feedback:form": (PUBLIC, "tell-us-about-your-referral"),
    "links:confirm": (PUBLIC, "confirm-a-referral-received-on-a-slip"),
}  # fmt: skip


def page_help_url(view_name: str | None) -> str:
    """The guide's section for a page, in the reader's language ("" for a page
    without one)."""
    if view_name not in PAGE_HELP:
        return ""
    page, section = PAGE_HELP[view_name]
    return f"/help/{reader_language()}/{page}/#{section}"
