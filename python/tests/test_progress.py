"""Long work runs with the GIL released, reports progress on the calling thread, and stops
on Ctrl-C within a second (the machinery that fits and bootstraps use)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import scaling_laws as sl
from scaling_laws import _native
from scaling_laws._progress import progress_callback

# Ctrl-C must return control within this long (issue 13).
INTERRUPT_LIMIT_SECONDS = 1.0


def test_progress_is_reported_until_all_work_is_done():
    calls = []
    done = _native._progress_probe(400, 2000, lambda d, t: calls.append((d, t)))
    assert done == 400
    assert calls[-1] == (400, 400)
    counts = [d for d, _ in calls]
    assert counts == sorted(counts) and len(calls) >= 3
    assert all(t == 400 for _, t in calls)


def test_an_exception_in_the_callback_stops_the_work():
    def fail(done, total):
        if done > 0:
            raise RuntimeError("stop here")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="stop here"):
        # 10^5 items of 5 ms: minutes of work if it were not stopped.
        _native._progress_probe(100_000, 5000, fail)
    assert time.monotonic() - started < 5


def test_the_gil_is_released_while_work_runs():
    ticks = 0
    finished = threading.Event()

    def work():
        _native._progress_probe(200, 5000)
        finished.set()

    thread = threading.Thread(target=work)
    thread.start()
    while not finished.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    # 200 × 5 ms on two cores takes at least half a second, during which Python ran.
    assert ticks > 50


def test_ctrl_c_returns_control_within_a_second():
    code = (
        "import sys, time\n"
        "from scaling_laws import _native\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    _native._progress_probe(1_000_000, 1000)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', time.monotonic(), flush=True)\n"
        "    sys.exit(130)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        line = proc.stdout.readline().split()
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, proc.stderr.read()
    assert line[0] == "interrupted"
    assert float(line[1]) - sent < INTERRUPT_LIMIT_SECONDS


def test_progress_arguments():
    with progress_callback(False, "x") as cb:
        assert cb is None
    f = lambda done, total: None  # noqa: E731
    with progress_callback(f, "x") as cb:
        assert cb is f
    # Tests run without a terminal: no bar by default.
    with progress_callback(None, "x") as cb:
        assert cb is None
    pytest.importorskip("tqdm")
    with progress_callback(True, "fitting") as cb:
        cb(3, 10)
        cb(10, 10)


def test_errors_of_the_library_pass_through_the_machinery():
    # The probe refuses absurd work sizes before starting.
    with pytest.raises(RuntimeError, match="at most"):
        _native._progress_probe(1, 10**9)
    assert isinstance(sl.ScalingLawsError("x"), ValueError)
