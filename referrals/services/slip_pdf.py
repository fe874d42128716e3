"""The referral slip as a one-page PDF: HTML rendered by WeasyPrint (Pango and HarfBuzz
shape Arabic right to left; fonts are Debian's Noto), the QR code drawn by qrcode (already
there for allauth's MFA set-up) as inline SVG. Nothing is fetched while rendering: every URL but `data:` is refused."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from xml.etree import ElementTree

import qrcode
from django.template.loader import render_to_string
from django.utils import translation
from qrcode.image.svg import SvgPathImage

from .slip import Slip, sent_on, written_date

PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class Paper:
    """A page size and the sizes that fit it; `stacked`: languages one under the
    other instead of side by side."""

    size: str
    margin: str
    font_size: float  # points
    code_size: str
    qr_size: str
    stacked: bool


PAPER = {
    "a4": Paper("A4", "14mm", 10.5, "24pt", "42mm", stacked=False),
    # A long, narrow page that reads on a phone's screen without zooming.
    "phone": Paper("105mm 240mm", "6mm", 9.0, "17pt", "32mm", stacked=True),
}
# Smaller type, step by step, when long texts would spill onto a second page.
FONT_SCALES = (1.0, 0.88, 0.77, 0.68, 0.6)


# Texts organisations wrote, in whatever script: each gets its own direction, since
# WeasyPrint does not implement `dir="auto"`.
FREE_TEXTS = (
    "person",
    "service_name",
    "organisation_name",
    "address",
    "hours",
    "contact_person",
    "documents",
    "sender_name",
)


def text_direction(text: str) -> str:
    """ "rtl" or "ltr" after the first strongly directional character (Unicode's
    rule for a paragraph), "ltr" when there is none."""
    for character in text or "":
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def text_direction_of_language(language: str) -> str:
    return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"


def qr_svg(data: str) -> str:
    """The QR code of `data` as an inline <svg> (medium error correction: a creased
    or smudged paper still scans)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().get_image()
    # The page's stylesheet sizes the code: no fixed width or height in millimetres.
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)
    return ElementTree.tostring(svg, encoding="unicode")


def slip_html(slip: Slip, *, paper: str = "a4", scale: float = 1.0) -> str:
    """The slip's HTML: a column per language, each rendered in its language."""
    page = PAPER[paper]
    directions = {name: text_direction(getattr(slip, name)) for name in FREE_TEXTS}
    columns = []
    single = len(slip.languages) == 1
    for index, language in enumerate(slip.languages):
        with translation.override(language):
            columns.append(
                render_to_string(
                    "referrals/slip/_column.html",
                    {
                        "slip": slip,
                        "referral": slip.referral,
                        "language": language,
                        "dirs": directions,
                        # The person's language first; the receiver's, if another,
                        # tells the service what it needs.
                        "for_person": index == 0,
                        "for_service": single or index == 1,
                        "direction": text_direction_of_language(language),
                        "sent_on": written_date(sent_on(slip.referral), language),
                    },
                )
            )
    return render_to_string(
        "referrals/slip/slip.html",
        {
            "slip": slip,
            "languages": slip.languages,
            "columns": columns,
            "stacked": page.stacked or len(columns) == 1,
            "direction": text_direction_of_language(slip.languages[0]),
            "qr_svg": qr_svg(slip.link or slip.code),
            "page_size": page.size,
            "page_margin": page.margin,
            "font_size": f"{page.font_size * scale:.2f}pt",
            "code_size": page.code_size,
            "qr_size": page.qr_size,
        },
    )


def render_slip_pdf(slip: Slip, *, paper: str = "a4") -> bytes:
    """The slip as PDF bytes (`paper`: "a4" or "phone")."""
    # Imported here: WeasyPrint loads Pango through cffi, which only slip requests need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    for scale in FONT_SCALES:
        document = HTML(
            string=slip_html(slip, paper=paper, scale=scale),
            base_url=None,
            url_fetcher=fetcher,
        ).render()
        if len(document.pages) == 1:
            break
    # Past the smallest type (texts are cut to size, so only in theory), the first
    # page alone: the code and the QR code are at its top.
    return document.copy(document.pages[:1]).write_pdf()
