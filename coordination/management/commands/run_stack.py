"""Run the development stack: web server, Celery worker and beat; Ctrl-C stops them all."""

from __future__ import annotations

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
        processes = {
            name: subprocess.Popen(cmd, start_new_session=True)
            for name, cmd in commands.items()
        }
        url = f"http://{host if host not in ('0.0.0.0', '') else '127.0.0.1'}:{port}/"
        lines = [
            "",
            f"Tansiq is running at {url}",
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
        self.stdout.write("\n".join(lines))

        def stop(*_):
            for proc in processes.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

        signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
        try:
            while all(proc.poll() is None for proc in processes.values()):
                time.sleep(0.5)
            failed = [
                name for name, proc in processes.items() if proc.poll() is not None
            ]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            stop()
