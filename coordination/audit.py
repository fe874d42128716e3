"""`make audit`: pip-audit over the locked requirements, loud about what it could not do.

Fails (exit 1) when a known vulnerability is found. When no vulnerability service can be
reached (PyPI's advisory data, then OSV), or some packages could not be checked, it
prints a WARNING saying the dependencies were NOT audited and exits 0: the check never
fails because of the network, and never reports as passed an audit that did not run.

    python -m coordination.audit requirements.txt requirements-dev.txt
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


SERVICES = ("pypi", "osv")


def audit(requirements: list[str], service: str) -> dict | None:
    """pip-audit's JSON report, or None when it could not run at all (network)."""
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps"]
    command += ["--progress-spinner", "off", "--format", "json", "-s", service]
    for path in requirements:
        command += ["-r", path]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return None


def main(requirements: list[str]) -> int:
    if importlib.util.find_spec("pip_audit") is None:
        say("ERROR: pip-audit is not installed: run `make install` (requirements-dev).")
        return 1
    for service in SERVICES:
        report = audit(requirements, service)
        if report is None:
            say(f"pip-audit: the {service} vulnerability service cannot be reached.")
            continue
        dependencies = report.get("dependencies", [])
        skipped = [d for d in dependencies if d.get("skip_reason")]
        if dependencies and len(skipped) == len(dependencies):
            say(f"pip-audit: no package could be checked against {service}.")
            continue
        vulnerable = [d for d in dependencies if d.get("vulns")]
        for dependency in vulnerable:
            for vuln in dependency["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                say(
                    f"VULNERABLE: {dependency['name']} {dependency.get('version', '')}: "
                    f"{vuln['id']} (fixed in {fixed})"
                )
        if skipped:
            say(
                f"WARNING: {len(skipped)} of {len(dependencies)} packages could NOT be "
                "audited: " + ", ".join(d["name"] for d in skipped)
            )
        if vulnerable:
            say(f"pip-audit ({service}): {len(vulnerable)} vulnerable package(s).")
            return 1
        say(
            f"pip-audit ({service}): {len(dependencies) - len(skipped)} packages "
            "checked, no known vulnerability."
        )
        return 0
    say(
        "WARNING: no vulnerability service could be reached (tried "
        + ", ".join(SERVICES)
        + "): the dependencies were NOT audited. Run `make audit` where PyPI or "
        "osv.dev is reachable."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt"]))
