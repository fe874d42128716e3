"""The README's webhook signature recipes, typed as written: the Python function and
the shell line, taken from README.md and run against a delivery signed by the code that
signs real deliveries (notifications.services.webhooks)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from notifications.models import WebhookSubscription
from notifications.services.webhooks import sign, webhook_body

README = Path(__file__).resolve().parents[2] / "README.md"


def _snippet(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"one {language} block with {marker!r} in README.md"
    return found[0]


@pytest.fixture
def delivery() -> tuple[str, bytes, str]:
    """(secret, raw body, X-Tansiq-Signature) of a delivery, as the worker makes it."""
    secret = WebhookSubscription.new_secret()
    body = webhook_body(
        {
            "id": "3f2c1a9e-0000-4000-8000-000000000001",
            "event": "referral.received",
            "created_at": "2026-12-05T04:00:00+00:00",
            "data": {
                "code": "REF-7Q3K2M",
                "note": "Arabic: إحالة, accents: référencement",
            },
        }
    )
    return secret, body, sign(body, secret)


def test_the_python_recipe_accepts_a_real_signature(delivery):
    secret, body, header = delivery
    namespace: dict = {}
    exec(_snippet("python", "def signature_is_valid"), namespace)
    check = namespace["signature_is_valid"]
    assert check(secret, body, header)
    assert not check(secret, body + b" ", header)  # a changed body
    assert not check(secret + "x", body, header)  # another secret
    assert not check(secret, body, header.replace("sha256=", "sha1="))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_the_shell_recipe_prints_the_header(delivery, tmp_path):
    secret, body, header = delivery
    (tmp_path / "body.json").write_bytes(body)
    result = subprocess.run(
        ["/bin/sh", "-c", _snippet("sh", "openssl dgst")],
        cwd=tmp_path,
        env={"SECRET": secret, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == header
