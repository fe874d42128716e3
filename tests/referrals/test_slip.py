"""The referral slip (issue 16): the PDF (A4, phone), the short text, the WhatsApp and
SMS links and their timeline events. Never more identity than the consent allows
(sentinels over every consent scope), the QR code decodes to the confirmation URL,
Arabic is shaped and laid out right to left, and only the referral's organisations
may produce it (the receiver on paper only)."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.urls import reverse

from coordination.models import Region, Sector
from referrals import services
from referrals.models import Consent, IdentityAccessLog, Referral, ReferralEvent
from referrals.services.links import confirmation_url
from referrals.services.slip import (
    TEXT_LIMIT,
    build_slip,
    minimum_identity,
    slip_message,
    slip_texts,
)
from referrals.services.slip_pdf import render_slip_pdf
from referrals.views.slips import slip_share_url
from tests.referrals.conftest import identity

GIVEN = "Zephyrinex"
FAMILY = "Quortelliv"
PHONE = "+212600009431"
BORN = date(1987, 3, 14)
BORN_TEXTS = ("1987", "14/03", "14 mars", "March 14", "14 March", "1987-03-14")
SERVICE_NAME = "Consultations sociales B"
Channel = ReferralEvent.Channel


@pytest.fixture
def health():
    return Sector.objects.get(code="health")


@pytest.fixture
def service_b(focal_b, health):
    from organisations.services import create_service

    return create_service(
        actor=focal_b,
        name=SERVICE_NAME,
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
        address="12 rue de Berkane, Oujda",
        opening_hours="Lundi à vendredi, 9 h - 16 h",
        phone="+212536000111",
        documents_needed="Passeport ou carte consulaire",
    )


@pytest.fixture
def person(worker_a):
    """A person of A with sentinel given name, family name, phone and birth date."""
    return services.register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=f"{GIVEN} {FAMILY}",
            phone=PHONE,
            date_of_birth=BORN,
            languages=["fr"],
        ),
    )


def _refer(person, worker_a, service_b, *, slip_identity="none", vital=None):
    if vital is not None:
        consent = services.record_consent(
            person,
            actor=vital,
            organisation=service_b.organisation,
            scope="Vital interest",
            legal_basis=Consent.LegalBasis.VITAL_INTEREST,
            justification="Unconscious, taken to hospital",
        )
    else:
        consent = services.record_consent(
            person,
            actor=worker_a,
            organisation=service_b.organisation,
            given_by="self",
            scope="Name, for the appointment",
        )
    Consent.objects.filter(pk=consent.pk).update(slip_identity=slip_identity)
    return services.send_referral(
        person,
        actor=worker_a,
        service=service_b,
        reason="Needs a consultation",
        priority=Referral.Priority.URGENT,
        consent=Consent.objects.get(pk=consent.pk),
    )


@pytest.fixture
def referral(person, worker_a, service_b):
    return _refer(person, worker_a, service_b, slip_identity="initials")


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1  # one page, always
    return document[0].get_textpage().get_text_range()


def pdf_image(pdf: bytes):
    return pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil()


def share(client, user, referral, channel, paper=""):
    return client.get(slip_share_url(user, referral, channel, paper))


# ---------------------------------------------------------------------------
# Never more identity than consented
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("none", None),
        ("initials", "Z. Q."),
        ("first_name", GIVEN),
        ("withdrawn", None),
        ("vital_interest", None),
    ],
)
def test_the_slip_carries_no_more_identity_than_consented(
    scope, shown, person, worker_a, focal_a, service_b, client_as, api_as
):
    if scope == "vital_interest":  # nobody agreed: whatever the slip setting says
        referral = _refer(
            person, worker_a, service_b, slip_identity="first_name", vital=focal_a
        )
    elif scope == "withdrawn":
        referral = _refer(person, worker_a, service_b, slip_identity="first_name")
        services.withdraw_consent(referral.consent, actor=worker_a, reason="Asked")
    else:
        referral = _refer(person, worker_a, service_b, slip_identity=scope)
    client = client_as(worker_a)

    outputs = {
        "pdf a4": pdf_text(
            share(client, worker_a, referral, Channel.PDF, "a4").content
        ),
        "pdf phone": pdf_text(
            share(client, worker_a, referral, Channel.PDF, "phone").content
        ),
        "whatsapp": unquote(
            share(client, worker_a, referral, Channel.WHATSAPP)["Location"]
        ),
        "sms": unquote(share(client, worker_a, referral, Channel.SMS)["Location"]),
        "api text": str(
            api_as(worker_a)
            .get(reverse("api:referral-slip-text", args=[referral.code]))
            .json()
        ),
    }

    for where, text in outputs.items():
        flat = " ".join(text.split())
        assert referral.code in flat, where
        assert SERVICE_NAME in flat, where
        assert FAMILY not in flat, where
        assert PHONE not in flat, where
        assert "600009431" not in flat, where
        for born in BORN_TEXTS:
            assert born not in flat, where
        if shown is None:
            assert GIVEN not in flat, where
            assert "Z. Q." not in flat, where
        else:
            assert shown in flat, where
        if shown != GIVEN:
            assert GIVEN not in flat, where


def test_identity_read_for_a_slip_is_logged_and_none_is_not(
    person, worker_a, service_b, client_as
):
    shown = _refer(person, worker_a, service_b, slip_identity="first_name")
    client = client_as(worker_a)
    before = IdentityAccessLog.objects.count()

    share(client, worker_a, shown, Channel.PDF)

    log = IdentityAccessLog.objects.latest("pk")
    assert IdentityAccessLog.objects.count() == before + 1
    assert log.user == worker_a
    assert log.beneficiary == person
    assert GIVEN not in log.purpose
    assert shown.code in log.purpose

    hidden = _refer(person, worker_a, service_b, slip_identity="none")
    share(client, worker_a, hidden, Channel.PDF)

    assert IdentityAccessLog.objects.count() == before + 1


def test_minimum_identity_is_initials_of_given_and_family_name_or_the_first_name():
    assert minimum_identity("Aminata Kadiatou Diallo", "initials") == "A. D."
    assert minimum_identity("Aminata Kadiatou Diallo", "first_name") == "Aminata"
    assert minimum_identity("Aminata Kadiatou Diallo", "none") == ""
    assert minimum_identity("", "first_name") == ""
    assert minimum_identity("فاطمة الزهراء", "initials") == "ف. ا."  # noqa: RUF001


# ---------------------------------------------------------------------------
# The QR code, the languages, the page
# ---------------------------------------------------------------------------


def test_the_qr_code_decodes_to_the_confirmation_url(referral, worker_a):
    slip = build_slip(referral, actor=worker_a, purpose="test")

    for paper in ("a4", "phone"):
        pdf = render_slip_pdf(slip, paper=paper)

        decoded = [code.text for code in zxingcpp.read_barcodes(pdf_image(pdf))]
        assert decoded == [confirmation_url(referral)]
    assert slip.link == confirmation_url(referral)  # stable: a reprint is the same


def test_an_arabic_speaker_gets_arabic_beside_the_receivers_french(
    person, worker_a, service_b, org_b
):
    person.languages = ["ar", "fr"]
    person.save(update_fields=["languages"])
    org_b.languages = ["fr"]
    org_b.save(update_fields=["languages"])
    referral = _refer(person, worker_a, service_b, slip_identity="initials")
    slip = build_slip(referral, actor=worker_a, purpose="test")

    pdf = render_slip_pdf(slip, paper="a4")

    assert slip.languages == ("ar", "fr")
    text = pdf_text(pdf)
    assert "العنوان" in text  # "Address" in Arabic, for the person
    assert "Orienté par" in text  # "Referred by" in French, for the service
    pdf_image(pdf).save("/tmp/slip_ar.png")
    pdf_image(render_slip_pdf(slip, paper="phone")).save("/tmp/slip_ar_phone.png")


def test_one_language_when_person_and_receiver_share_it(referral, worker_a, org_b):
    org_b.languages = ["ar", "fr"]  # B's first language is not the person's
    org_b.save(update_fields=["languages"])
    referral = Referral.objects.get(pk=referral.pk)
    assert build_slip(referral, actor=worker_a, purpose="t").languages == ("fr", "ar")

    org_b.languages = ["fr"]
    org_b.save(update_fields=["languages"])
    referral = Referral.objects.get(pk=referral.pk)
    slip = build_slip(referral, actor=worker_a, purpose="t")

    assert slip.languages == ("fr",)
    pdf = render_slip_pdf(slip, paper="a4")
    assert "Adresse" in pdf_text(pdf)
    pdf_image(pdf).save("/tmp/slip_fr.png")


def test_long_texts_still_fit_one_phone_page(referral, worker_a, service_b, org_b):
    type(service_b).objects.filter(pk=service_b.pk).update(
        name=("Service très long " * 20)[:200],  # every field at its maximum
        address=("Adresse longue " * 30)[:300],
        opening_hours=("Horaires détaillés " * 30)[:300],
        documents_needed=("Documents nombreux " * 200)[:2000],
    )
    org_b.languages = ["ar"]
    org_b.save(update_fields=["languages"])
    referral = Referral.objects.get(pk=referral.pk)
    slip = build_slip(referral, actor=worker_a, purpose="t")

    for paper in ("a4", "phone"):
        pdf = render_slip_pdf(slip, paper=paper)

        assert referral.code in pdf_text(pdf)  # pdf_text asserts one page
        assert [c.text for c in zxingcpp.read_barcodes(pdf_image(pdf))] == [slip.link]


def test_each_short_text_fits_320_characters_with_the_link(
    referral, worker_a, service_b, org_b
):
    type(service_b).objects.filter(pk=service_b.pk).update(
        name=("Service très long " * 20)[:200], address=("Adresse longue " * 30)[:300]
    )
    org_b.languages = ["ar"]
    org_b.save(update_fields=["languages"])
    referral = Referral.objects.get(pk=referral.pk)
    slip = build_slip(referral, actor=worker_a, purpose="t")

    texts = slip_texts(slip)

    assert set(texts) == {"fr", "ar"}
    for text in texts.values():
        assert len(text) <= TEXT_LIMIT
        assert referral.code in text
        assert text.endswith(slip.link)
    assert slip_message(slip).count(slip.link) == 1


# ---------------------------------------------------------------------------
# The referral page's buttons and their events
# ---------------------------------------------------------------------------


def _shares(referral):
    return list(referral.events.filter(kind=ReferralEvent.Kind.SHARED))


@pytest.mark.parametrize(
    "channel", [Channel.WHATSAPP, Channel.SMS, Channel.PRINT, Channel.PDF]
)
def test_each_share_writes_one_event_without_the_text(
    channel, referral, worker_a, client_as
):
    response = share(client_as(worker_a), worker_a, referral, channel)

    if channel == Channel.WHATSAPP:
        assert response.status_code == 302
        assert response["Location"].startswith("https://wa.me/?text=")
    elif channel == Channel.SMS:
        assert response.status_code == 302
        assert response["Location"].startswith("sms:?&body=")
    else:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        disposition = "inline" if channel == Channel.PRINT else "attachment"
        assert response["Content-Disposition"].startswith(disposition)
    assert response["Cache-Control"] == "no-store"
    (event,) = _shares(referral)
    assert event.channel == channel
    assert event.actor == worker_a
    assert event.organisation == referral.from_organisation
    assert event.note == ""


def test_the_receiver_may_print_but_not_send_by_whatsapp(referral, worker_b, client_as):
    client = client_as(worker_b)

    assert share(client, worker_b, referral, Channel.PDF, "phone").status_code == 200
    assert share(client, worker_b, referral, Channel.WHATSAPP).status_code == 403
    assert share(client, worker_b, referral, Channel.SMS).status_code == 403
    assert [e.channel for e in _shares(referral)] == [Channel.PDF]


@pytest.mark.parametrize("who", ["worker_c", "coordinator", "observer"])
def test_the_slip_of_an_invisible_referral_is_a_404(who, request, referral, client_as):
    user = request.getfixturevalue(who)

    response = share(client_as(user), user, referral, Channel.PDF)

    assert response.status_code == 404
    assert _shares(referral) == []


def test_anonymous_users_are_sent_to_log_in(referral, worker_a, client_as):
    response = share(client_as(None), worker_a, referral, Channel.WHATSAPP)

    assert response.status_code == 302
    assert "wa.me" not in response["Location"]
    assert _shares(referral) == []


def test_a_forged_or_foreign_token_shares_nothing(
    referral, worker_a, focal_a, client_as
):
    url = reverse("referrals:referral_slip", args=[referral.code, "whatsapp"])
    client = client_as(worker_a)

    forged = client.get(url + "?t=forged")
    someone_elses = client.get(slip_share_url(focal_a, referral, Channel.WHATSAPP))
    other_channel = client.get(
        url + "?t=" + slip_share_url(worker_a, referral, "sms").split("t=")[1]
    )

    for response in (forged, someone_elses, other_channel):
        assert response.status_code == 302
        assert response["Location"] == referral.get_absolute_url()
    assert _shares(referral) == []


def test_bad_channel_or_format(referral, worker_a, client_as):
    client = client_as(worker_a)

    assert share(client, worker_a, referral, Channel.PDF, "letter").status_code == 400
    bad = reverse("referrals:referral_slip", args=[referral.code, "fax"])
    assert client.get(bad).status_code == 404
    assert _shares(referral) == []


def test_no_slip_once_the_referral_is_closed(referral, worker_a, client_as):
    services.cancel_referral(referral, actor=worker_a, reason="Moved away")

    response = share(client_as(worker_a), worker_a, referral, Channel.PDF)

    assert response.status_code == 302
    assert _shares(referral) == []


def test_the_page_offers_the_buttons_and_names_the_share_in_the_timeline(
    referral, worker_a, worker_b, client_as
):
    worker_a.language = worker_b.language = "en"
    worker_a.save(update_fields=["language"])
    worker_b.save(update_fields=["language"])
    sender = client_as(worker_a)
    share(sender, worker_a, referral, Channel.WHATSAPP)

    page = sender.get(referral.get_absolute_url()).content.decode()
    receiver_page = (
        client_as(worker_b).get(referral.get_absolute_url()).content.decode()
    )

    assert "Send by WhatsApp" in page
    assert "Send by SMS" in page
    assert "Download PDF (A4)" in page
    assert "Slip shared by WhatsApp" in page
    assert "person&#x27;s initials" in page or "person's initials" in page
    assert "Send by WhatsApp" not in receiver_page
    assert "Download PDF (A4)" in receiver_page


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------


def test_api_slip_is_a_pdf_and_an_event(referral, worker_a, api_as):
    url = reverse("api:referral-slip", args=[referral.code])

    a4 = api_as(worker_a).get(url)
    phone = api_as(worker_a).get(url + "?format=phone")

    for response in (a4, phone):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert 'phone.pdf"' in phone["Content-Disposition"]
    assert [e.channel for e in _shares(referral)] == [Channel.PDF, Channel.PDF]


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_b", 200), ("worker_c", 404), ("coordinator", 404), (None, 401)],
)
def test_api_slip_refusals(who, status, request, referral, api_as):
    user = request.getfixturevalue(who) if who else None

    response = api_as(user).get(reverse("api:referral-slip", args=[referral.code]))

    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"].startswith("application/json")


def test_api_slip_of_a_closed_referral_is_a_409(referral, worker_a, api_as):
    services.cancel_referral(referral, actor=worker_a, reason="Moved away")

    response = api_as(worker_a).get(reverse("api:referral-slip", args=[referral.code]))

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")


def test_api_slip_text_for_the_sender_only(referral, worker_a, worker_b, api_as):
    url = reverse("api:referral-slip-text", args=[referral.code])

    ok = api_as(worker_a).get(url + "?channel=whatsapp")
    receiver = api_as(worker_b).get(url)
    bad = api_as(worker_a).get(url + "?channel=fax")

    assert ok.status_code == 200
    body = ok.json()
    assert body["link"] == confirmation_url(referral)
    assert body["whatsapp_url"].startswith("https://wa.me/?text=")
    assert all(len(text) <= TEXT_LIMIT for text in body["texts"].values())
    assert receiver.status_code == 403
    assert bad.status_code == 400
    (event,) = _shares(referral)
    assert event.channel == Channel.WHATSAPP
    assert event.note == ""
