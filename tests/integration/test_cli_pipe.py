"""``swgw ... | head -1``: a reader that stops reading ends swgw quietly with exit status 141, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import mappings
from gateway.tools.cli import EXIT_BROKEN_PIPE

ROOT = Path(__file__).resolve().parents[2]


def _swgw_into_closed_pipe(*argv: str) -> subprocess.CompletedProcess[bytes]:
    """Run swgw with its stdout a pipe whose reader has already gone: its first write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "gateway", *argv], stdout=write_end, stderr=subprocess.PIPE,
                              cwd=ROOT, check=False, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write_end)


@pytest.fixture
def record(tmp_path: Path) -> Path:
    path = tmp_path / "record.json"
    example = mappings.load_example("coo-cn-hk", issued_on=datetime.now(UTC).date())
    path.write_text(json.dumps(example))
    return path


def test_a_closed_pipe_ends_quietly_with_141(record: Path) -> None:
    done = _swgw_into_closed_pipe("validate", "--type", "certificate-of-origin", str(record))
    assert done.stderr.decode() == ""
    assert done.returncode == EXIT_BROKEN_PIPE == 141


def test_help_into_a_closed_pipe_is_quiet() -> None:
    # argparse itself ignores a failed write of the help text, so `swgw --help | true` ends with 0, silently.
    done = _swgw_into_closed_pipe("--help")
    assert done.stderr.decode() == ""
    assert done.returncode == 0


def test_a_reader_closing_after_the_first_line(record: Path) -> None:
    # The shell's `swgw validate ... | head -1`, with output longer than a pipe holds so the reader's leaving is met.
    big = record.parent / "big.json"
    data = json.loads(record.read_text())
    data["x" * 300_000] = 1  # an unknown field: the report names it twice, and the output outgrows the pipe
    big.write_text(json.dumps(data))
    swgw = subprocess.Popen([sys.executable, "-m", "gateway", "validate", "--json", "--type", "certificate-of-origin",
                             str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert swgw.stdout is not None and swgw.stderr is not None
    assert swgw.stdout.readline().strip() == b"{"
    swgw.stdout.close()
    error = swgw.stderr.read().decode()
    swgw.stderr.close()
    assert swgw.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert "Traceback" not in error and error == ""
