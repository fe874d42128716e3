"""API of the referral slip, mixed into `ReferralViewSet` (referrals/viewsets.py):

- `GET /api/v1/referrals/{code}/slip/?format=a4|phone`: the PDF (`application/pdf`),
  for the sending and the receiving organisations; writes a timeline event (channel
  `pdf`).
- `GET /api/v1/referrals/{code}/slip-text/?channel=sms|whatsapp`: the short text to
  send, for the sending organisation only. Taking the text is sharing it (a partner
  system fetches it to send it): it writes a timeline event with the channel the
  caller names (`sms` by default), never the text.

Both show no more identity than the consent allows, and log reading it."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.drf import error_responses
from coordination.exceptions import ValidationError

from .models import ReferralEvent
from .services.slip import share_slip, share_url, slip_message, slip_texts
from .services.slip_pdf import PDF_TYPE, render_slip_pdf

Channel = ReferralEvent.Channel
SLIP_ACTIONS = ("slip", "slip_text")


class _PdfRenderer(renderers.BaseRenderer):
    """Lets `?format=a4|phone` choose the slip's paper; errors are still JSON."""

    media_type = PDF_TYPE
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json.dumps(data).encode()


class A4Renderer(_PdfRenderer):
    format = "a4"


class PhoneRenderer(_PdfRenderer):
    format = "phone"


class SlipTextSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The referral's code.")
    languages = serializers.ListField(
        child=serializers.CharField(),
        help_text="The person's language, then the receiver's when it differs.",
    )
    texts = serializers.DictField(
        child=serializers.CharField(),
        help_text="The text in each language, each at most 320 characters with the link.",
    )
    text = serializers.CharField(
        help_text="The message to send: each language's text, the link once at the end."
    )
    link = serializers.CharField(
        help_text="The receiving service's confirmation URL (the slip's QR code)."
    )
    whatsapp_url = serializers.CharField(help_text="https://wa.me/?text=… (no number).")
    sms_url = serializers.CharField(help_text="sms:?&body=…")


REFERRAL_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="REF-…"
)


class ReferralSlipMixin:
    """The two slip actions of `ReferralViewSet`."""

    def _purpose(self) -> str:
        return f"api:referral-{self.action.replace('_', '-')}"

    @extend_schema(
        summary="The referral slip (PDF)",
        description="A one-page PDF for the person to carry, in their language and "
        "the receiving organisation's: the code, the service's address, hours and "
        "contact, what to bring, the priority and date, the sender's contact, the "
        "identity the consent allows (initials or first name at most; none under "
        "vital interest or after withdrawal) and a QR code of the confirmation link. "
        "For the sending and receiving organisations (others: 404), while the "
        "referral is open (409 after). Writes a timeline event (channel `pdf`).",
        parameters=[
            REFERRAL_CODE,
            OpenApiParameter("format", str, enum=["a4", "phone"], default="a4"),
        ],
        responses={
            (200, PDF_TYPE): OpenApiTypes.BINARY,
            # Errors are JSON, whatever paper was asked for.
            **{
                (code, "application/json"): response
                for code, response in error_responses(401, 403, 404, 409, 429).items()
            },
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[A4Renderer, PhoneRenderer, renderers.JSONRenderer],
    )
    def slip(self, request, *args, **kwargs):
        referral = self.get_object()  # an invisible referral is a 404 first
        paper = getattr(request.accepted_renderer, "format", "") or "a4"
        paper = paper if paper in ("a4", "phone") else "a4"
        shared = share_slip(
            referral, actor=request.user, channel=Channel.PDF, purpose=self._purpose()
        )
        response = HttpResponse(
            render_slip_pdf(shared, paper=paper), content_type=PDF_TYPE
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{referral.code}-{paper}.pdf"'
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="The referral slip as a short text (SMS, WhatsApp)",
        description="The message to send the person: at most 320 characters per "
        "language with the confirmation link, no more identity than the consent "
        "allows. For the sending organisation only (the receiver: 403; others: 404), "
        "while the referral is open (409 after). Fetching it is sharing it: a timeline "
        "event is written with `channel` (default `sms`), never the text.",
        parameters=[
            REFERRAL_CODE,
            OpenApiParameter(
                "channel", str, enum=[Channel.SMS, Channel.WHATSAPP], default="sms"
            ),
        ],
        responses={
            200: SlipTextSerializer,
            **error_responses(400, 401, 403, 404, 409, 429),
        },
    )
    @action(detail=True, methods=["get"], url_path="slip-text")
    def slip_text(self, request, *args, **kwargs):
        referral = self.get_object()
        channel = request.query_params.get("channel") or Channel.SMS
        if channel not in (Channel.SMS, Channel.WHATSAPP):
            raise ValidationError({"channel": [_("Choose sms or whatsapp.")]})
        shared = share_slip(
            referral, actor=request.user, channel=channel, purpose=self._purpose()
        )
        message = slip_message(shared)
        data = {
            "code": referral.code,
            "languages": list(shared.languages),
            "texts": slip_texts(shared),
            "text": message,
            "link": shared.link,
            "whatsapp_url": share_url(Channel.WHATSAPP, message),
            "sms_url": share_url(Channel.SMS, message),
        }
        response = Response(SlipTextSerializer(data).data)
        response["Cache-Control"] = "no-store"
        return response

    def handle_exception(self, exc):
        if getattr(self, "action", None) == "slip":
            # A slip's errors are JSON like every other error.
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)
