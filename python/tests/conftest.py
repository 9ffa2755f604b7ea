"""Shared fixtures of the Python package's tests: the repository's paths and the command-line
binary, whose output the package must reproduce."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from scaling_laws.errors import python_wording

REPO = Path(__file__).resolve().parents[2]
SWEEP_CSV = REPO / "data" / "simulated_sweep.csv"


def _binary() -> Path:
    given = os.environ.get("SCALING_LAWS_BIN")
    if given:
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "scaling-laws"


@pytest.fixture(scope="session")
def cli():
    """Run the ``scaling-laws`` binary (built by ``cargo build`` or ``cargo test``): returns
    a function of the arguments giving the completed process. Under CI a missing binary
    fails the test rather than skipping it."""
    binary = _binary()
    if not binary.exists():
        message = f"the command-line binary {binary} is not built (cargo build --locked)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(binary), *map(str, args)], capture_output=True, text=True, timeout=120
        )
        if check and done.returncode != 0:
            raise AssertionError(f"scaling-laws {' '.join(args)} failed: {done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """Run the binary and parse its standard output as JSON."""

    def run(*args: str) -> dict:
        return json.loads(cli(*args).stdout)

    return run


def cli_error(done: subprocess.CompletedProcess) -> str:
    """The message of a failed command as the package words it: its standard error without the
    ``error: `` prefix, its flags named as keyword arguments (the package's errors say
    ``loss_col=`` where the command line says ``--loss-col``)."""
    text = done.stderr.strip()
    assert text.startswith("error: "), text
    return python_wording(text[len("error: ") :])


def seconds_to_interrupt(script: str, *args: str, wait: float = 1.0) -> float:
    """Run ``script`` in a child interpreter; once it prints ``ready``, wait ``wait`` seconds
    and send SIGINT. The script prints ``interrupted <time.monotonic()>`` when it catches
    ``KeyboardInterrupt``; returns the seconds from the signal to that line."""
    import signal
    import sys
    import time

    child = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(wait)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    words = out.split()
    assert words and words[0] == "interrupted", (out, err)
    return float(words[1]) - sent
