"""The referral slip's confirmation link (issue 16, item 4): a receiving service without
an account answers through a one-time page. Tokens are stored hashed, the page shows
only what the slip shows, answers go through the same state machine as a member's, the
link dies with the final answer, and the token never reaches a log."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from coordination.error_reports import scrub_event
from coordination.exceptions import Conflict
from coordination.models import Province, Sector
from coordination.observability import JsonFormatter, RequestContextFilter
from dashboards import stats
from notifications.models import Notification
from referrals import services
from referrals.models import Consent, Referral, ReferralEvent, ReferralLink
from referrals.services import links
from tests.referrals.conftest import identity

FAMILY = "SENTINELFAMILY"
PHONE = "+212600000913"
DOCUMENT = "SENTINEL-DOC-913"
ADDRESS = "SENTINEL-ADDRESS-913"
REASON = "SENTINEL-REASON-913"
BORN = date(1991, 7, 23)
BIRTH_TEXTS = ("1991-07-23", "23/07/1991", "July 23, 1991", "23 juillet 1991")


@pytest.fixture
def person(worker_a):
    return services.register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=f"Awa {FAMILY}",
            phone=PHONE,
            date_of_birth=BORN,
            document_numbers=DOCUMENT,
            address=ADDRESS,
            province=Province.objects.filter(region__code="02").first(),
        ),
    )


@pytest.fixture
def referral(person, worker_a, org_b, worker_b):
    consent = services.record_consent(
        person,
        actor=worker_a,
        organisation=org_b,
        given_by="self",
        scope="First name on the slip",
    )
    return services.send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason=REASON,
        consent=consent,
    )


def _path(referral) -> str:
    url = links.confirmation_url(referral)
    assert url.startswith(settings.SITE_URL.rstrip("/") + "/l/")
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def visitor():
    client = Client(headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _events(referral) -> list[tuple[str, bool, int | None, int | None]]:
    return list(
        referral.events.order_by("at", "id").values_list(
            "kind", "via_link", "actor_id", "organisation_id"
        )
    )


def _told(user, kind) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


def _normalised(body: bytes, token: str) -> str:
    text = body.decode().replace(token, "TOKEN")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    return re.sub(r'nonce="[^"]+"', "NONCE", text)


# --- the token -----------------------------------------------------------------------
def test_the_url_is_stable_and_the_token_long(referral):
    first, second = links.confirmation_url(referral), links.confirmation_url(referral)

    assert first == second
    assert len(_token(first)) >= 43  # 256 bits, base64url
    assert ReferralLink.objects.filter(referral=referral).count() == 1


def test_each_referral_has_its_own_token(referral, person, worker_a, org_b):
    other = services.send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Another need",
        consent=referral.consent,
    )

    assert links.confirmation_url(other) != links.confirmation_url(referral)


def test_changing_the_key_changes_every_token(referral, settings):
    before = links.confirmation_url(referral)
    settings.REFERRAL_LINK_KEY = "another-key-for-this-test"

    assert links.confirmation_url(referral) != before


def _all_rows_text() -> str:
    """Every row of every table of the database, as text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        chunks = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            chunks += [row[0] for row in cursor.fetchall()]
    return "\n".join(chunks)


def test_the_token_is_stored_only_hashed(referral, visitor):
    path = _path(referral)
    token = _token(path)
    visitor.get(path)
    visitor.post(path, {"action": "received"})
    visitor.post(path, {"action": "served", "outcome": "Seen by the social worker"})

    link = ReferralLink.objects.get(referral=referral)
    assert link.token_hash == links.hash_token(token)
    assert link.closed_at is not None
    # Planted by the visits (the audit trail's context, the timeline, the outbox…):
    # never the raw token, anywhere; the audit trail's context has the blanked path.
    rows = _all_rows_text()
    assert token not in rows
    assert "/l/[redacted]" in rows


# --- what the page shows ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("allowed", "then", "shown"),
    [
        ("none", "", None),
        ("initials", "", "A. S."),
        ("first_name", "", "Awa"),
        ("first_name", "withdrawn", None),
        ("first_name", "vital_interest", None),
    ],
)
def test_the_page_shows_only_what_the_slip_shows(
    referral, visitor, worker_a, allowed, then, shown
):
    Consent.objects.filter(pk=referral.consent_id).update(slip_identity=allowed)
    if then == "withdrawn":
        services.withdraw_consent(referral.consent, actor=worker_a, reason="Asked")
    elif then == "vital_interest":  # nobody agreed to anything
        Consent.objects.filter(pk=referral.consent_id).update(
            legal_basis=Consent.LegalBasis.VITAL_INTEREST, justification="Unconscious"
        )

    response = visitor.get(_path(referral))

    assert response.status_code == 200
    body = response.content.decode()
    assert referral.code in body
    assert referral.to_organisation.name in body
    assert referral.from_organisation.name in body
    for secret in (FAMILY, PHONE, DOCUMENT, ADDRESS, REASON, *BIRTH_TEXTS):
        assert secret not in body
    assert referral.beneficiary.code not in body  # the case code is not on the slip
    if shown:
        assert shown in body
    else:
        assert "Awa" not in body
        assert "A. S." not in body
        assert "Only the referral code" in body


def test_the_page_is_not_indexed_nor_cached(referral, visitor):
    response = visitor.get(_path(referral))

    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert (
        '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    )
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # no token to other sites


def test_the_page_speaks_arabic_right_to_left(referral):
    client = Client(headers={"accept-language": "ar"})
    path = _path(referral)

    switched = client.post(reverse("set_language"), {"language": "ar", "next": path})
    response = client.get(switched["Location"])

    body = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in body
    with translation.override("ar"):
        assert translation.gettext("We received the person") in body


def test_the_sender_sees_that_the_link_was_used(referral, visitor, client_as, worker_a):
    path = _path(referral)
    page = client_as(worker_a)
    worker_a.language = "en"
    worker_a.save(update_fields=["language"])

    assert (
        "Confirmation link: issued, not opened yet."
        in page.get(referral.get_absolute_url()).content.decode()
    ), "issued"
    visitor.post(path, {"action": "received"})
    body = page.get(referral.get_absolute_url()).content.decode()

    assert "receiving service (link)" in body
    assert "Confirmation link: answered through it on" in body


# --- the answers ---------------------------------------------------------------------
def test_received_accepts_the_referral(referral, visitor, worker_a, org_b):
    path = _path(referral)

    response = visitor.post(path, {"action": "received", "version": referral.version})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.responded_at is not None
    assert referral.updated_by is None
    assert _events(referral)[-1] == ("accepted", True, None, org_b.pk)
    assert _told(worker_a, Notification.Kind.REFERRAL_ACCEPTED)
    # Not final: the page still works, and now offers only "served".
    page = visitor.get(path)
    assert page.status_code == 200
    assert 'value="served"' in page.content.decode()
    assert 'value="received"' not in page.content.decode()


def test_cannot_serve_declines_with_the_reason_and_closes_the_link(
    referral, visitor, worker_a, org_b
):
    path = _path(referral)

    response = visitor.post(path, {"action": "cannot_serve", "reason": "No bed left"})

    assert response.status_code == 200
    assert "This link no longer works." in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "No bed left")
    assert _events(referral)[-1] == ("declined", True, None, org_b.pk)
    assert _told(worker_a, Notification.Kind.REFERRAL_DECLINED)
    assert visitor.get(path).status_code == 404


def test_served_from_pending_accepts_then_completes(referral, visitor, worker_a, org_b):
    path = _path(referral)

    visitor.post(path, {"action": "served", "outcome": "Seen the same day"})

    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("completed", "Seen the same day")
    assert _events(referral)[-2:] == [
        ("accepted", True, None, org_b.pk),
        ("completed", True, None, org_b.pk),
    ]
    assert _told(worker_a, Notification.Kind.REFERRAL_ACCEPTED)
    assert _told(worker_a, Notification.Kind.REFERRAL_COMPLETED)
    assert visitor.get(path).status_code == 404
    # It counts in the pathway figures like a member's answer.
    receiver = {r["organisation"]: r for r in stats.referrals({})["by_receiver"]}[
        org_b.pk
    ]
    assert (receiver["received"], receiver["answered"]) == (1, 1)
    assert receiver["completed"] == 1


def test_served_after_a_member_accepted(referral, visitor, worker_b):
    path = _path(referral)
    services.accept_referral(referral, actor=worker_b)

    visitor.post(path, {"action": "served", "outcome": "Done"})

    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    kinds = [(kind, via) for kind, via, _actor, _org in _events(referral)]
    assert kinds[-2:] == [("accepted", False), ("completed", True)]


def test_the_api_says_the_link_was_used(referral, visitor, api_as, worker_a):
    path = _path(referral)
    url = reverse("api:referral-detail", args=[referral.code])
    assert api_as(worker_a).get(url).json()["confirmed_via_link"] is False

    visitor.post(path, {"action": "received"})

    data = api_as(worker_a).get(url).json()
    assert data["confirmed_via_link"] is True


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "cannot_serve", "reason": "  "}, "reason"),
        ({"action": "served", "outcome": ""}, "outcome"),
        ({"action": "nonsense"}, "action"),
    ],
)
def test_bad_input_changes_nothing(referral, visitor, worker_a, data, field):
    path = _path(referral)
    before = _events(referral)

    response = visitor.post(path, data)

    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    assert referral.version == 1
    assert _events(referral) == before
    assert not Notification.objects.filter(recipient=worker_a).exclude(
        kind=Notification.Kind.REFERRAL_RECEIVED
    )
    assert visitor.get(path).status_code == 200


def test_a_member_answered_first(referral, visitor, worker_b):
    path = _path(referral)
    seen = referral.version
    services.accept_referral(referral, actor=worker_b)

    # A stale page: the version the service saw is gone.
    stale = visitor.post(path, {"action": "received", "version": seen}, follow=True)
    assert "Someone else changed this referral" in stale.content.decode()
    # Without a version: the state machine refuses a second acceptance.
    again = visitor.post(path, {"action": "received"}, follow=True)
    assert "answered meanwhile" in again.content.decode()

    assert [k for k, *_ in _events(referral)].count("accepted") == 1


def test_a_member_declined_first_so_the_link_is_gone(referral, visitor, worker_b):
    path = _path(referral)
    services.decline_referral(referral, actor=worker_b, reason="Full")

    assert visitor.post(path, {"action": "received"}).status_code == 404
    assert visitor.get(path).status_code == 404


def test_a_cancelled_referral_closes_the_link(referral, visitor, worker_a):
    path = _path(referral)
    services.cancel_referral(referral, actor=worker_a, reason="Moved away")

    assert visitor.get(path).status_code == 404


# --- 404s: wrong, used, expired ----------------------------------------------------------
def test_wrong_used_and_expired_tokens_get_the_same_404(
    referral, person, worker_a, org_b, visitor, monkeypatch
):
    path = _path(referral)
    token = _token(path)
    wrong = visitor.get("/l/" + "x" * len(token) + "/")

    visitor.post(path, {"action": "cannot_serve", "reason": "No"})
    used = visitor.get(path)

    later = services.send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Later",
        consent=referral.consent,
    )
    later_path = _path(later)
    moment = later.due_at + links.grace() + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    expired = visitor.get(later_path)

    assert (wrong.status_code, used.status_code, expired.status_code) == (404,) * 3
    bodies = {
        _normalised(wrong.content, "x" * len(token)),
        _normalised(used.content, token),
        _normalised(expired.content, _token(later_path)),
    }
    assert len(bodies) == 1
    assert "Page not found" in bodies.pop()


def test_expiry_follows_the_deadline_and_the_acceptance(
    referral, visitor, monkeypatch, settings
):
    settings.REFERRAL_LINK_GRACE_DAYS = 7
    settings.REFERRAL_LINK_ACCEPTED_DAYS = 60
    path = _path(referral)
    deadline = referral.due_at
    clock = {"now": deadline + timedelta(days=7) - timedelta(minutes=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    assert visitor.get(path).status_code == 200  # within the grace days
    clock["now"] = deadline + timedelta(days=7)
    assert visitor.get(path).status_code == 404  # past them

    # Accepted: the link waits for the final answer (here: 60 + 7 days after).
    clock["now"] = deadline
    visitor.post(path, {"action": "received"})
    referral.refresh_from_db()
    clock["now"] = referral.responded_at + timedelta(days=66)
    assert visitor.get(path).status_code == 200
    clock["now"] = referral.responded_at + timedelta(days=67, seconds=1)
    assert visitor.get(path).status_code == 404


# --- rate limit ----------------------------------------------------------------------
def test_every_request_counts_against_the_address(referral, visitor, settings):
    settings.REFERRAL_LINK_RATE_LIMIT = 3
    path = _path(referral)

    statuses = [
        visitor.get(path).status_code,
        visitor.get("/l/not-a-token/").status_code,  # wrong tokens count too
        visitor.get(path).status_code,
        visitor.get(path).status_code,
        visitor.post(path, {"action": "received"}).status_code,
    ]

    assert statuses == [200, 404, 200, 429, 429]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    other_address = Client(REMOTE_ADDR="203.0.113.9")
    assert other_address.get(path).status_code == 200


# --- logs ----------------------------------------------------------------------------
class _Lines(logging.Handler):
    """Formats every record as the production handlers do (JSON, with context)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestContextFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_the_token_never_reaches_a_log(referral, caplog):
    path = _path(referral)
    token = _token(path)
    lines = _Lines()
    root = logging.getLogger()
    root.addHandler(lines)
    caplog.set_level(logging.DEBUG)
    try:
        client = Client(enforce_csrf_checks=True)
        client.get(path)
        client.post(path, {"action": "received"})  # refused: no CSRF token
        Client().get("/l/" + token[:-1] + "A/")  # a wrong token: "Not Found: …"
        Client().post(path, {"action": "served", "outcome": "Done"})
    finally:
        root.removeHandler(lines)

    messages = [record.getMessage() for record in caplog.records]
    assert any("/l/[redacted]" in message for message in messages)
    assert any("Forbidden" in message for message in messages)
    assert any("Not Found" in message for message in messages)
    assert not [m for m in messages if token in m or token[:-1] in m]
    assert lines.lines
    assert not [line for line in lines.lines if token[:20] in line]


def test_error_reports_blank_the_token():
    event = scrub_event(
        {
            "request": {"url": "https://tansiq.example/l/S3cr3tT0ken/?x=1"},
            "logentry": {"message": "Not Found: /l/S3cr3tT0ken/"},
        }
    )

    assert event["request"]["url"] == "https://tansiq.example/l/[redacted]/"
    assert "S3cr3tT0ken" not in str(event)


# --- one state machine ---------------------------------------------------------------
def test_the_link_and_a_member_race_for_the_answer(referral, worker_b):
    link = links.issue_link(referral)
    services.decline_referral(referral, actor=worker_b, reason="Full")

    with pytest.raises(links.LinkClosed):
        links.answer_through_link(link, action=links.RECEIVED)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert [k for k, *_ in _events(referral)].count("declined") == 1


def test_a_link_answer_that_does_not_fit_the_status_conflicts(referral, worker_b):
    link = links.issue_link(referral)
    services.accept_referral(referral, actor=worker_b)

    with pytest.raises(Conflict):
        links.answer_through_link(link, action=links.CANNOT_SERVE, text="Full")

    assert ReferralEvent.objects.filter(referral=referral, via_link=True).count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_and_the_link_answering_at_once_give_one_winner(referral, worker_b):
    from tests.referrals.test_referral_races import _race

    link = links.issue_link(referral)
    outcomes = _race(
        lambda: services.accept_referral(referral, actor=worker_b).status,
        lambda: links.answer_through_link(link, action=links.RECEIVED).status,
    )

    assert sorted(map(str, outcomes)) == sorted(["accepted", str(Conflict)])
    final = Referral.objects.get(pk=referral.pk)
    assert final.version == 2
    assert final.events.filter(kind="accepted").count() == 1
