"""`make run`'s supervisor (coordination/supervisor.py, run_stack): every child is checked
at start, restarted with growing delays when it dies, and the stack gives up loudly when
one keeps dying. Fake children are tiny Python processes; beat is the real one."""

from __future__ import annotations

import io
import re
import signal
import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coordination.management.commands import run_stack
from coordination.supervisor import Child, GiveUp, Supervisor

DIES = [sys.executable, "-c", "print('hello from the child'); raise SystemExit(3)"]
LIVES = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def supervise(children, **options) -> tuple[Supervisor, io.StringIO]:
    out = io.StringIO()
    options = {"grace": 0.2, "backoff": 0.05, "ready_timeout": 1.0, **options}
    return Supervisor(children, out=out, **options), out


def run_until(supervisor: Supervisor, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        supervisor.step()
        time.sleep(0.05)


def test_a_dead_child_is_restarted_with_growing_delays_then_given_up():
    child = Child("fake", DIES)
    supervisor, out = supervise([child], max_restarts=2)
    supervisor.start_all()
    starts: list[int] = []

    def step_until_given_up() -> None:
        while True:
            pid = child.proc.pid if child.proc else None
            if pid and pid not in starts:
                starts.append(pid)
            supervisor.step()
            time.sleep(0.02)

    with pytest.raises(GiveUp, match="fake exited with code 3"):
        step_until_given_up()
    supervisor.stop_all()

    assert len(starts) == 3  # the first start and two restarts
    text = out.getvalue()
    assert "fake | !!! exited with code 3; restarting in 0 s" in text
    assert text.count("restarting (attempt") == 2
    assert "died 3 times in a row: giving up and stopping everything" in text
    assert "fake | hello from the child" in text  # output prefixed by its name


def test_restart_delays_double():
    child = Child("fake", DIES)
    supervisor, _ = supervise([child], backoff=10, max_restarts=5)
    supervisor.start_all()
    run_until(supervisor, lambda: child.failures == 1)
    first = child.restart_at - time.monotonic()
    child.restart_at = 0  # restart now
    run_until(supervisor, lambda: child.failures == 2)
    second = child.restart_at - time.monotonic()
    supervisor.stop_all()

    assert 9 < first <= 10
    assert 19 < second <= 20


def test_a_child_that_lives_and_answers_is_up_and_left_alone():
    child = Child("fake", LIVES, ready=lambda: True)
    supervisor, out = supervise([child])
    supervisor.start_all()
    run_until(supervisor, lambda: child.is_ready)
    pid = child.proc.pid
    for _ in range(5):
        supervisor.step()
    supervisor.stop_all()

    assert child.proc.pid == pid
    assert child.failures == 0
    assert "fake | is up" in out.getvalue()
    assert child.proc.poll() is not None  # stopped


def test_a_child_that_never_answers_is_killed_and_restarted():
    child = Child("fake", LIVES, ready=lambda: False)
    supervisor, out = supervise([child], ready_timeout=0.3, max_restarts=3)
    supervisor.start_all()
    first = child.proc
    run_until(supervisor, lambda: child.failures == 1)

    assert first.poll() is not None  # killed
    assert "did not answer within 0 s" in out.getvalue()
    run_until(supervisor, lambda: child.proc is not None)
    supervisor.stop_all()


def test_run_stack_exits_non_zero_when_a_child_keeps_dying(monkeypatch, tmp_path):
    monkeypatch.setattr(run_stack, "web_child", lambda host, port: Child("web", DIES))
    monkeypatch.setattr(run_stack, "worker_child", lambda: Child("worker", LIVES))
    monkeypatch.setattr(run_stack, "beat_child", lambda: Child("beat", LIVES))
    monkeypatch.setattr(Supervisor, "run", _fast_run)
    out = io.StringIO()
    started = time.monotonic()
    handler = signal.getsignal(signal.SIGINT)

    with pytest.raises(CommandError, match="kept dying"):
        call_command("run_stack", "--max-restarts", "1", stdout=out)

    text = out.getvalue()
    assert re.search(r"^web +\| !!! exited with code 3; restarting in 0 s$", text, re.M)
    assert re.search(r"^web +\| !!! web exited .* giving up", text, re.M)
    assert "Stopped." in text
    assert time.monotonic() - started < 20
    # The command leaves the signal handlers as it found them.
    assert signal.getsignal(signal.SIGINT) is handler


def _fast_run(self, poll: float = 0.5) -> None:
    self.backoff, self.grace = 0.05, 0.1
    self.start_all()
    while True:
        self.step()
        time.sleep(0.05)


def test_beat_starts_when_the_data_folder_does_not_exist(settings, tmp_path):
    data = tmp_path / "absent" / ".data"
    settings.DATA_DIR = data
    settings.CELERY_BEAT_SCHEDULE_FILENAME = str(data / "celerybeat-schedule")
    run_stack.prepare_data_dir()
    beat = run_stack.beat_child()
    supervisor, out = supervise([beat], grace=1.0, ready_timeout=120)
    supervisor.start_all()
    try:
        run_until(supervisor, lambda: beat.is_ready, timeout=150)
    finally:
        supervisor.stop_all()

    assert data.is_dir()
    assert list(data.glob("celerybeat-schedule*"))
    assert beat.failures == 0
    assert "beat | is up" in out.getvalue()


@pytest.mark.parametrize(
    ("configured", "host", "port", "expected"),
    [
        ("http://localhost:8000", "127.0.0.1", "8299", "http://127.0.0.1:8299"),
        ("http://localhost:8000/", "0.0.0.0", "8100", "http://127.0.0.1:8100"),
        ("http://localhost:8000", "127.0.0.1", "8000", "http://127.0.0.1:8000"),
        (
            "https://tansiq.example.org",
            "127.0.0.1",
            "8299",
            "https://tansiq.example.org",
        ),
    ],
)
def test_links_in_mails_reach_a_stack_started_on_another_port(
    configured, host, port, expected
):
    assert run_stack.local_site_url(configured, host, port) == expected
