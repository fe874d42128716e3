"""Webhook delivery resolves the host once, checks every address, then connects to the
address it checked (no DNS-rebinding window), keeping the host name for the Host header;
the focal point reads a sanitised error."""

from __future__ import annotations

import socket

import pytest
from django.utils import translation

from notifications.models import Notification, OutboxMessage, WebhookSubscription
from notifications.services import deliver_outbox_message, queue_notification
from tests.notifications.receiver import Receiver

HOST = "hooks.partner.test"
PUBLIC = "93.184.216.34"
real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class Resolver:
    """A DNS that answers `answers[n]` to the n-th question about HOST."""

    def __init__(self, *answers: list[str]):
        self.answers = list(answers)
        self.questions = 0

    def __call__(self, host, port, *args, **kwargs):
        if host != HOST:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answer = self.answers[min(self.questions, len(self.answers) - 1)]
        self.questions += 1
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answer
        ]


def webhook_delivery(org, focal, url) -> OutboxMessage:
    WebhookSubscription.objects.create(
        organisation=org,
        url=url,
        events=[WebhookSubscription.Event.ALERT_CREATED],
        secret="secret",
        created_by=focal,
    )
    queue_notification(
        org,
        kind=Notification.Kind.ALERT_RECEIVED,
        to=org,
        context={"emergency_title": "Crue"},
        event=WebhookSubscription.Event.ALERT_CREATED,
    )
    return OutboxMessage.objects.get(channel="webhook")


def test_a_second_dns_answer_cannot_redirect_the_call(monkeypatch, focal_a, org_a):
    """Public at the check, loopback a moment later: the call still goes to the public
    address checked, and the host is asked only once per attempt."""
    message = webhook_delivery(org_a, focal_a, f"http://{HOST}/in")
    resolver = Resolver([PUBLIC], ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError(111, f"refused by {address[0]}")

    monkeypatch.setattr(socket, "create_connection", create_connection)

    deliver_outbox_message(message.pk)

    assert resolver.questions == 1
    assert connected == [(PUBLIC, 80)]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error == "Could not connect to the receiver."  # no address


def test_any_private_address_in_the_answer_refuses_the_call(
    monkeypatch, focal_a, org_a
):
    message = webhook_delivery(org_a, focal_a, f"http://{HOST}/in")
    monkeypatch.setattr(socket, "getaddrinfo", Resolver([PUBLIC, "10.0.0.7"]))
    connected = []
    monkeypatch.setattr(
        socket, "create_connection", lambda address, *a, **k: connected.append(address)
    )

    deliver_outbox_message(message.pk)

    assert connected == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "private" in message.last_error
    assert "10.0.0.7" not in message.last_error


def test_the_call_goes_to_the_checked_address_with_the_host_name_kept(
    monkeypatch, settings, focal_a, org_a
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        message = webhook_delivery(org_a, focal_a, f"http://{HOST}:{port}/in")
        resolver = Resolver(["127.0.0.1"], ["10.9.9.9"])
        monkeypatch.setattr(socket, "getaddrinfo", resolver)

        deliver_outbox_message(message.pk)
        requests = receiver.wait_for(1)

    assert resolver.questions == 1
    assert len(requests) == 1
    assert requests[0]["headers"]["Host"] == f"{HOST}:{port}"
    assert requests[0]["headers"]["X-Tansiq-Delivery"] == message.payload["id"]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_a_receiver_error_is_shown_without_details(settings, focal_a, org_a):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver(status=500) as receiver:
        message = webhook_delivery(org_a, focal_a, receiver.url)
        deliver_outbox_message(message.pk)
    message.refresh_from_db()
    assert message.last_error == "The receiver answered HTTP 500."
    assert message.last_status_code == 500


def _certificate_for(name: str, directory) -> tuple[str, str, str]:
    """A CA and a certificate for `name` signed by it: (CA file, cert file, key file)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def build(subject, issuer, key, signer, *, ca: bool, san=None):
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, "Test CA", key, ca_key, ca=False, san=name)
    pem = serialization.Encoding.PEM
    files = {
        "ca.pem": ca.public_bytes(pem),
        "cert.pem": cert.public_bytes(pem),
        "key.pem": key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }
    for filename, content in files.items():
        (directory / filename).write_bytes(content)
    return tuple(str(directory / f) for f in ("ca.pem", "cert.pem", "key.pem"))


@pytest.mark.parametrize(("certified", "sent"), [(HOST, True), ("other.test", False)])
def test_https_checks_the_certificate_of_the_host_name_at_the_pinned_address(
    monkeypatch, settings, tmp_path, focal_a, org_a, certified, sent
):
    import ssl

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    ca_file, cert_file, key_file = _certificate_for(certified, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # trusted by the default context
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    with Receiver() as receiver:
        receiver.server.socket = server_context.wrap_socket(
            receiver.server.socket, server_side=True
        )
        port = receiver.server.server_address[1]
        message = webhook_delivery(org_a, focal_a, f"https://{HOST}:{port}/in")
        monkeypatch.setattr(socket, "getaddrinfo", Resolver(["127.0.0.1"]))

        deliver_outbox_message(message.pk)
        requests = receiver.wait_for(1, timeout=2 if not sent else 10)

    message.refresh_from_db()
    if sent:
        assert message.status == OutboxMessage.Status.SENT
        assert requests[0]["headers"]["Host"] == f"{HOST}:{port}"
    else:  # the certificate names another host: refused, said plainly
        assert requests == []
        assert message.status == OutboxMessage.Status.FAILED
        assert message.last_error == (
            "The secure connection to the receiver failed (TLS certificate)."
        )
