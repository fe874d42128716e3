"""Run the development stack: web server, Celery worker and beat, supervised (each is
checked at start and restarted when it dies); Ctrl-C stops them all."""

from __future__ import annotations

import glob
import os
import signal
import socket
import sys
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coordination.supervisor import Child, GiveUp, Supervisor

DEMO_ACCOUNTS = [
    ("coordinator@example.org", "coordinator"),
    ("observer@example.org", "public-actor observer"),
    ("focal.a@example.org", "focal point, organisation A"),
    ("worker.a@example.org", "caseworker, organisation A"),
    ("focal.b@example.org", "focal point, organisation B"),
    ("worker.b@example.org", "caseworker, organisation B"),
    ("worker.c@example.org", "caseworker, organisation C"),
]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
WORKER_NODE = "tansiq-dev@%h"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def prepare_data_dir() -> None:
    """Create the folders the children write to: beat's schedule file (it dies at start
    when its folder is missing) and the filesystem broker's queues."""
    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(
        parents=True, exist_ok=True
    )
    if not settings.REDIS_URL:
        for folder in ("queue", "processed", "control"):
            (settings.DATA_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)


def beat_child(python: str = sys.executable) -> Child:
    """Celery beat, up once it has written its schedule file (since it started)."""
    schedule = settings.CELERY_BEAT_SCHEDULE_FILENAME

    def wrote_schedule() -> bool:
        files = glob.glob(glob.escape(schedule) + "*")  # shelve may add a suffix
        return any(os.path.getmtime(f) >= child.started_wall - 1 for f in files)

    child = Child(
        "beat",
        [
            python,
            "-m",
            "celery",
            "-A",
            "coordination",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            schedule,
        ],
        ready=wrote_schedule,
    )
    return child


def worker_child(python: str = sys.executable) -> Child:
    """A Celery worker on the platform's queue, up once it answers a ping."""
    node = WORKER_NODE.replace("%h", socket.gethostname())

    def pings() -> bool:
        from coordination.celery import app

        return bool(app.control.ping(destination=[node], timeout=1.0))

    return Child(
        "worker",
        [
            python,
            "-m",
            "celery",
            "-A",
            "coordination",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "-n",
            WORKER_NODE,
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        ready=pings,
    )


def local_site_url(site_url: str, host: str, port: str) -> str:
    """The site's address for a stack on another port than .env's default
    (`make run PORT=8100`): only the untouched development default is changed."""
    if site_url.rstrip("/") not in ("http://localhost:8000", "http://127.0.0.1:8000"):
        return site_url
    shown_host = host if host not in ("0.0.0.0", "") else "127.0.0.1"
    return f"http://{shown_host}:{port}"


def web_child(host: str, port: str, python: str = sys.executable) -> Child:
    """The development web server, up once /health/live answers 200."""
    local = "127.0.0.1" if host in ("0.0.0.0", "") else host
    local = f"[{local.strip('[]')}]" if ":" in local else local

    def answers() -> bool:
        url = f"http://{local}:{port}/health/live"
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200

    return Child(
        "web",
        [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        ready=answers,
    )


class Command(BaseCommand):
    help = (
        "Start the web server, a Celery worker and its beat scheduler together, "
        "restart one that dies, and stop everything if one keeps dying."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--max-restarts",
            type=int,
            default=3,
            help="Deaths in a row after which the stack stops (exit code 1).",
        )

    def handle(self, *args, host, port, max_restarts, **options):
        prepare_data_dir()
        site_url = local_site_url(settings.SITE_URL, host, port)
        if site_url != settings.SITE_URL:
            # Links in e-mails, slips and QR codes must reach this server: the
            # children read SITE_URL from the environment before .env.
            os.environ["SITE_URL"] = site_url
        supervisor = Supervisor(
            [web_child(host, port), worker_child(), beat_child()],
            out=self.stdout,
            max_restarts=max_restarts,
        )
        # Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all stop the stack.
        previous = {sig: signal.signal(sig, _interrupt) for sig in STOP_SIGNALS}
        failed = False
        try:
            self.stdout.write(self.banner(host, port))
            supervisor.run()
        except GiveUp:
            failed = True
        except KeyboardInterrupt:
            self.stdout.write(
                "\nStopping the web server, the worker and its scheduler…"
            )
        finally:
            for sig in STOP_SIGNALS:  # a second Ctrl-C must not cut this short
                signal.signal(sig, signal.SIG_IGN)
            supervisor.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        embedded = str(settings.EMBEDDED_PG_DIR) in settings.DATABASE_URL
        self.stdout.write(
            "Stopped. The embedded PostgreSQL keeps running for next time "
            "(python -m coordination.embedded_db stop stops it)."
            if embedded
            else "Stopped."
        )
        if failed:
            raise CommandError("A process kept dying: the stack was stopped.")

    def banner(self, host: str, port: str) -> str:
        """The URL, the demo accounts, the broker and how to stop."""
        shown_host = host if host not in ("0.0.0.0", "") else "127.0.0.1"
        lines = [
            "",
            f"Tansiq is running at http://{shown_host}:{port}/",
            "Demo accounts (password: tansiq-demo):",
            *[f"  {email:<28} {role}" for email, role in DEMO_ACCOUNTS],
            ""
            if settings.TANSIQ_REQUIRE_MFA
            else "MFA is relaxed for this demo (TANSIQ_REQUIRE_MFA=false in .env).",
            "Broker: "
            + (
                "Redis"
                if settings.REDIS_URL
                else "filesystem (.data/broker), no server needed"
            ),
            "Press Ctrl-C to stop the web server, the worker and its scheduler.",
            "",
        ]
        return "\n".join(lines)
