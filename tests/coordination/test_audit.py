"""`make audit` fails on a known vulnerability, warns (and passes) only when nothing
could be checked, and never reports an audit that did not run as passed."""

from __future__ import annotations

from coordination import audit


def _reports(monkeypatch, by_service):
    monkeypatch.setattr(
        audit, "audit", lambda requirements, service: by_service[service]
    )


def test_a_known_vulnerability_fails(monkeypatch, capsys):
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.1"]}],
            },
            {"name": "redis", "version": "8.1.0", "vulns": []},
        ]
    }
    _reports(monkeypatch, {"pypi": report, "osv": None})

    assert audit.main(["requirements.txt"]) == 1
    assert (
        "VULNERABLE: django 5.2.0: PYSEC-2099-1 (fixed in 5.2.1)"
        in capsys.readouterr().out
    )


def test_unreachable_services_warn_loudly_and_do_not_fail(monkeypatch, capsys):
    skipped = {"dependencies": [{"name": "django", "skip_reason": "not found"}]}
    _reports(monkeypatch, {"pypi": skipped, "osv": None})

    assert audit.main(["requirements.txt"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: no vulnerability service could be reached" in out
    assert "NOT audited" in out
    assert "no known vulnerability" not in out


def test_the_second_service_is_tried_and_partial_skips_are_named(monkeypatch, capsys):
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "pgserver", "skip_reason": "not found"},
        ]
    }
    _reports(monkeypatch, {"pypi": None, "osv": report})

    assert audit.main(["requirements.txt"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: 1 of 2 packages could NOT be audited: pgserver" in out
    assert "pip-audit (osv): 1 packages checked, no known vulnerability." in out
