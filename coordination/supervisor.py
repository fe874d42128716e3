"""A small process supervisor for `make run` (`manage.py run_stack`): starts each child,
checks it came up (alive after a grace period, then its readiness check answers), prefixes
its output with its name, restarts it with growing delays when it dies, and gives up
loudly (non-zero exit) when one keeps dying. Knows nothing of Django or Celery: the
command gives it the commands and the readiness checks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Child:
    """One supervised process: its command, how to tell it is up, and its state."""

    name: str
    cmd: list[str]
    # True once the child answers (the worker pings, beat wrote its schedule…);
    # None: being alive after the grace period is enough.
    ready: Callable[[], bool] | None = None
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    started_wall: float = 0.0  # time.time() at start, to compare with file times
    is_ready: bool = False
    failures: int = 0  # deaths (or failed starts) in a row
    restart_at: float | None = None  # when a dead child is started again
    pumps: list[threading.Thread] = field(default_factory=list)


class GiveUp(Exception):
    """A child died more often than allowed: the stack stops."""


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        out: TextIO | None = None,
        grace: float = 3.0,
        ready_timeout: float = 90.0,
        max_restarts: int = 3,
        backoff: float = 2.0,
        stable_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.children = children
        self.out = out or sys.stdout
        self.grace = grace
        self.ready_timeout = ready_timeout
        self.max_restarts = max_restarts
        self.backoff = backoff  # first delay; doubles with each death in a row
        self.stable_after = stable_after  # up this long: its deaths are forgotten
        self.clock = clock
        self.width = max((len(c.name) for c in children), default=0)
        self._lock = threading.Lock()

    # -- output ---------------------------------------------------------------
    def say(self, name: str, line: str) -> None:
        with self._lock:
            self.out.write(f"{name:<{self.width}} | {line.rstrip()}\n")
            self.out.flush()

    def _pump(self, child: Child, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.say(child.name, raw.decode("utf-8", "replace"))
        stream.close()

    # -- life cycle -------------------------------------------------------------
    def start(self, child: Child) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(child.env or {})}
        # A session of its own: Ctrl-C reaches only the supervisor, which stops the
        # children in order (celery finishes its running tasks first).
        child.proc = subprocess.Popen(
            child.cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        child.started_at = self.clock()
        child.started_wall = time.time()
        child.is_ready = False
        child.restart_at = None
        pump = threading.Thread(
            target=self._pump, args=(child, child.proc.stdout), daemon=True
        )
        pump.start()
        child.pumps.append(pump)

    def start_all(self) -> None:
        for child in self.children:
            self.start(child)

    def step(self) -> None:
        """Look at every child once: readiness, death, restart. Raises GiveUp."""
        now = self.clock()
        for child in self.children:
            if child.proc is None:
                if child.restart_at is not None and now >= child.restart_at:
                    self.say(child.name, f"restarting (attempt {child.failures})")
                    self.start(child)
                continue
            code = child.proc.poll()
            if code is not None:
                self._died(child, f"exited with code {code}")
                continue
            up_for = now - child.started_at
            if not child.is_ready and up_for >= self.grace:
                if child.ready is None or self._answers(child):
                    child.is_ready = True
                    self.say(child.name, "is up")
                elif up_for >= self.grace + self.ready_timeout:
                    self._died(
                        child, f"did not answer within {self.ready_timeout:.0f} s"
                    )
                    continue
            if child.is_ready and child.failures and up_for >= self.stable_after:
                child.failures = 0

    def _answers(self, child: Child) -> bool:
        try:
            return bool(child.ready())
        except Exception:
            return False

    def _died(self, child: Child, why: str) -> None:
        self._kill(child)  # what is left of its process group (a pool, a reloader)
        child.proc = None
        child.failures += 1
        if child.failures > self.max_restarts:
            message = (
                f"!!! {child.name} {why}; it died {child.failures} times in a row: "
                "giving up and stopping everything."
            )
            self.say(child.name, message)
            raise GiveUp(message)
        delay = self.backoff * 2 ** (child.failures - 1)
        child.restart_at = self.clock() + delay
        self.say(child.name, f"!!! {why}; restarting in {delay:.0f} s")

    def run(self, poll: float = 0.5) -> None:
        """Supervise until interrupted (KeyboardInterrupt) or a child gives up."""
        self.start_all()
        while True:
            self.step()
            time.sleep(poll)

    # -- stopping ---------------------------------------------------------------
    def _kill(self, child: Child) -> None:
        proc = child.proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM each child, wait up to `timeout` s, then SIGKILL what is left."""
        running = [c.proc for c in self.children if c.proc is not None]
        for proc in running:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for child in self.children:
            for pump in child.pumps:
                pump.join(timeout=2)
