"""Peak memory of an import is bounded whatever the file: a zip bomb (an XLSX of about
200 KB whose shared strings expand to 200 MB, which took the web process to 2.7 GB) is
refused with a clear message, and a 100,000-row CSV is checked, each in a child process
of its own (bench/import_memory.py, the benchmark's real path: kept in pieces, counted,
checked) whose peak resident memory is measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench.import_memory import write_csv, write_zip_bomb

ROOT = Path(__file__).resolve().parents[2]
BOUND_MB = 300


@pytest.fixture
def test_database_url(django_db_setup) -> str:
    """The test database, for a child process (which commits nothing: its work is
    rolled back)."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


def _check_in_a_child(path: Path, database_url: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_memory", "--child", "check", str(path)],
        cwd=ROOT,
        # No statement timeout: the child stands for the worker, which checks for long.
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DATABASE_STATEMENT_TIMEOUT": "0",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_zip_bomb_is_refused_clearly_in_bounded_memory(tmp_path, test_database_url):
    bomb = tmp_path / "bomb.xlsx"
    write_zip_bomb(str(bomb), expanded_mb=200)
    assert bomb.stat().st_size < 400 * 1024

    result = _check_in_a_child(bomb, test_database_url)

    assert "expands to more than" in result["refused"]
    assert result["status"] == ""  # refused at upload: never kept nor checked
    assert result["peak_mb"] < BOUND_MB


def test_a_100k_row_csv_is_checked_in_bounded_memory(tmp_path, test_database_url):
    big = tmp_path / "big.csv"
    write_csv(str(big), 100_000)

    result = _check_in_a_child(big, test_database_url)

    assert (result["refused"], result["status"], result["rows"]) == (
        "",
        "checked",
        100_000,
    )
    assert result["peak_mb"] < BOUND_MB
