"""Run the development stack: web server, Celery worker and beat; Ctrl-C stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

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


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and its beat scheduler together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        if not settings.REDIS_URL:
            for folder in ("queue", "processed"):
                (settings.DATA_DIR / "broker" / folder).mkdir(
                    parents=True, exist_ok=True
                )
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "coordination",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        # Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all stop the stack. The children
        # run in sessions of their own, so only this process receives them and stops the
        # children in order (celery finishes its running tasks first).
        for sig in STOP_SIGNALS:
            signal.signal(sig, _interrupt)
        processes: dict[str, subprocess.Popen] = {}
        try:
            for name, cmd in commands.items():
                processes[name] = subprocess.Popen(cmd, start_new_session=True)
            self.stdout.write(self.banner(host, port))
            while all(proc.poll() is None for proc in processes.values()):
                time.sleep(0.5)
            failed = [
                name for name, proc in processes.items() if proc.poll() is not None
            ]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write(
                "\nStopping the web server, the worker and its scheduler…"
            )
        finally:
            self.stop(processes)
        embedded = str(settings.EMBEDDED_PG_DIR) in settings.DATABASE_URL
        self.stdout.write(
            "Stopped. The embedded PostgreSQL keeps running for next time "
            "(python -m coordination.embedded_db stop stops it)."
            if embedded
            else "Stopped."
        )

    def stop(self, processes: dict[str, subprocess.Popen]) -> None:
        """SIGTERM each child, wait up to 15 s, then SIGKILL what is left of its group."""
        for sig in STOP_SIGNALS:
            signal.signal(
                sig, signal.SIG_IGN
            )  # a second Ctrl-C must not cut this short
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()  # celery stops its pool and beat by itself
        deadline = time.monotonic() + 15
        for proc in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

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
