"""Start or stop the embedded PostgreSQL that `make run` and `make test` use when no
DATABASE_URL is set. Run as `python -m coordination.embedded_db start|stop|url`.

pgserver ships PostgreSQL binaries inside its wheel, so nothing needs installing on the
machine; as root it runs the server as a dedicated unprivileged user. The data lives in
`.data/postgres` (git-ignored) and survives restarts.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / ".data" / "postgres"
# The application's login on the embedded server (coordination/settings.py uses it).
RUNTIME_ROLE = "tansiq_app"
# pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (su, CI, containers); the
# fallback it takes is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def start() -> str:
    """Start (or reuse) the embedded server and return its database URL."""
    import pgserver

    DATA.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA, cleanup_mode=None)  # keep running after we exit
    # Two roles (settings.DATABASE_URL): the superuser owns the tables and runs
    # `migrate`, RUNTIME_ROLE runs the application; `migrate` grants it its rights.
    server.psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"'{RUNTIME_ROLE}') THEN CREATE ROLE {RUNTIME_ROLE} LOGIN; END IF; END $$;"
    )
    return f"postgres://{RUNTIME_ROLE}@/postgres?host={DATA}"


def stop() -> None:
    """Stop the embedded server if it runs."""
    import subprocess

    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    if (DATA / "postmaster.pid").exists():
        cmd = [str(pg_ctl), "-D", str(DATA), "-m", "fast", "stop"]
        if _owner_is_other():
            cmd = ["su", "-s", "/bin/sh", "pgserver", "-c", " ".join(cmd)]
        subprocess.run(cmd, check=False)


def _owner_is_other() -> bool:
    import os

    return os.geteuid() == 0 and DATA.stat().st_uid != 0


def configured_url() -> str:
    """DATABASE_URL from the environment, else from .env, else empty."""
    import os

    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    dotenv = DATA.parent.parent / ".env"
    if dotenv.exists():
        for line in dotenv.read_text().splitlines():
            if (
                line.strip().startswith("DATABASE_URL=")
                and line.split("=", 1)[1].strip()
            ):
                return line.split("=", 1)[1].strip()
    return ""


if __name__ == "__main__":
    verb = sys.argv[1] if len(sys.argv) > 1 else "start"
    if verb == "stop":
        stop()
    elif verb == "ensure":
        if not configured_url():
            sys.stdout.write(f"Embedded PostgreSQL: {start()}\n")
    else:
        sys.stdout.write(start() + "\n")
