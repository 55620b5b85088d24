"""The kernel's clock: a step is charged the time its kernel ran or slept, not the time it
waited for a CPU while other work had the machine (an honest import cell of 2 s of CPU took
over 6 s on two shared cores, was interrupted, and cost every question after it)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.judge.kernel import ColdLauncher, KernelLife, waited_for_cpu
from autograder.judge.limits import WALL_SLACK, Budget, Limits
from autograder.judge.request import KernelRun

SPIN = [sys.executable, "-c", "while True: pass"]


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(condition, what, limit=120):
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, what
        time.sleep(0.05)


def test_a_process_sharing_its_cpu_is_seen_waiting_for_it():
    """Two loops on one CPU take turns: each waits about as long as it runs."""
    if waited_for_cpu(os.getpid()) is None:
        pytest.skip("this kernel keeps no scheduler statistics")
    pin = lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # noqa: E731
    loops = [subprocess.Popen(SPIN, preexec_fn=pin) for _ in range(2)]
    try:
        first = loops[0].pid
        start = waited_for_cpu(first)
        _wait_for(lambda: _cpu_seconds(first) >= 1.0, "the loop never ran for a second")
        assert waited_for_cpu(first) - start > 0.3
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


class _SlowClockLife:
    """A kernel that got ``share`` of a CPU: its clock runs at that fraction of the wall clock.
    Its one cell takes ``cell_wall`` seconds of wall time, then the request ends."""

    def __init__(self, share, cell_wall):
        self.share, self.cell_wall, self.interrupts = share, cell_wall, 0
        self.progress_path, self.begun, self.sent = "/dev/null", time.monotonic(), False

    def execute(self, code):
        return "request"

    def clock(self):
        return self.begun + (time.monotonic() - self.begun) * self.share

    def wait(self, msg_id, timeout):
        if not self.sent:
            self.sent = True
            return [json.dumps({"event": "cell", "number": 1}).encode()], False, False
        if time.monotonic() - self.begun >= self.cell_wall:
            return [], True, False
        time.sleep(min(max(timeout, 0.0), 0.05))
        return [], False, False

    def interrupt(self):
        self.interrupts += 1


def _run(life, cell_timeout):
    report = SimpleNamespace(notes=[], problems={}, staff_notes=[])
    run = KernelRun(life, [(1, "import torch")], [], Limits(cell_timeout=cell_timeout), Budget(60), report, set())
    run.run(SimpleNamespace(questions=[]))
    return report


def test_a_starved_cell_is_not_interrupted_for_the_time_it_waited():
    # 1.2 s on the wall against a 0.5 s limit, but the kernel ran for a quarter of it.
    life = _SlowClockLife(share=0.25, cell_wall=1.2)
    report = _run(life, cell_timeout=0.5)
    assert life.interrupts == 0 and report.notes == []


def test_a_cell_that_runs_over_on_its_own_clock_is_interrupted():
    life = _SlowClockLife(share=1.0, cell_wall=30)
    life.interrupt = lambda: setattr(life, "cell_wall", 0)  # the interrupt ends the cell
    report = _run(life, cell_timeout=0.5)
    assert len(report.notes) == 1 and report.notes[0].startswith("code cell 1 ran over")


def test_a_kernel_that_starves_itself_is_still_stopped_by_the_wall_clock():
    life = _SlowClockLife(share=0.0, cell_wall=30)  # its clock stands still
    life.interrupt = lambda: setattr(life, "cell_wall", 0)
    start = time.monotonic()
    report = _run(life, cell_timeout=0.3)
    assert len(report.notes) == 1 and "ran over" in report.notes[0]
    assert time.monotonic() - start >= WALL_SLACK * 0.3


def test_a_cold_kernel_clock_reads_the_kernel_process(tmp_path):
    life = KernelLife(tmp_path, tmp_path, Limits(), ColdLauncher())
    try:
        life.start()
        pid = life.process.kernel_pid()
        assert pid is not None
        assert b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert life.clock() <= time.monotonic()
    finally:
        life.stop()


@pytest.mark.sandbox
def test_a_warm_kernel_says_its_pid_as_the_judge_sees_it(tmp_path):
    from autograder.sandbox.warm import WarmKernels

    work = tmp_path / "work"
    work.mkdir()
    with WarmKernels(tmp_path, preload=()) as warm:
        launcher = warm.launcher(0)
        life = KernelLife(work, tmp_path, Limits(), launcher)
        try:
            life.start()
            pid = life.process.kernel_pid()
            assert pid is not None and pid != os.getpid()
            status = Path(f"/proc/{pid}/status").read_text()
            # The host's pid, and the kernel's own in the pid namespaces below it.
            assert len(next(line for line in status.splitlines() if line.startswith("NSpid:")).split()) >= 3
            assert waited_for_cpu(pid) is not None
        finally:
            life.stop()
