"""The pipe on which a kernel reports its steps and answers to the judge."""

import json
import os
import time
from types import SimpleNamespace

from autograder.judge.kernel import KernelLife
from autograder.judge.limits import Limits


def test_nothing_is_lost_when_the_judge_reads_before_the_kernel_opens_the_pipe(tmp_path):
    """The kernel opens its end only once it runs the judge's code; a loaded machine can make
    that take seconds, and the judge reads meanwhile. (A reader alone on a FIFO reads its end:
    once, every later answer was lost and the whole notebook scored zero.)"""
    life = KernelLife(tmp_path, tmp_path, Limits(), SimpleNamespace(socket_root=None))
    try:
        assert life._read_progress() == []  # before the kernel: nothing, and not the end
        kernel_end = os.open(life.progress_path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO: nobody reads
        lines = [{"event": "cell", "number": 2}, {"event": "answers", "question": "q", "outcomes": ["x" * 30000]}]
        os.write(kernel_end, b"".join(json.dumps(line).encode() + b"\n" for line in lines))
        os.close(kernel_end)  # the kernel ended: what it wrote is still read, whole
        assert [json.loads(line) for line in life._read_progress()] == lines
        assert life._read_progress() == []
    finally:
        life.stop()


class _StarvedLife:
    """A kernel whose whole run is already in the pipe, read by a judge that was not scheduled
    for longer than a step's limit (a loaded machine): it sees the news only when it looks."""

    def __init__(self, lines):
        self.lines, self.interrupts, self.progress_path = lines, 0, "/dev/null"

    def execute(self, code):
        return "request"

    def wait(self, msg_id, timeout):
        if timeout > 0:  # the judge blocks, and is descheduled past the step's deadline
            time.sleep(0.3)
            return [], False, False
        lines, self.lines = self.lines, []
        return lines, bool(lines), False

    def interrupt(self):
        self.interrupts += 1

    def clock(self):
        return time.monotonic()


def test_a_judge_that_wakes_late_reads_before_it_interrupts():
    """A step whose end is already in the pipe is not interrupted: the interrupt would land in
    whatever the kernel runs next and cost that question (seen once in a loaded CI: a full-marks
    question scored 0)."""
    from autograder.judge.limits import Budget
    from autograder.judge.request import KernelRun

    question = SimpleNamespace(name="q", function="f", cases=[SimpleNamespace(args=[1], kind="float")])
    answer = json.dumps(["value", 2.0])
    news = [json.dumps(m).encode() for m in ({"event": "cell", "number": 1}, {"event": "question", "name": "q"},
                                               {"event": "answers", "question": "q", "outcomes": [answer]})]
    life = _StarvedLife(news)
    report = SimpleNamespace(notes=[], problems={}, staff_notes=[])
    run = KernelRun(life, [(1, "x = 1")], [question], Limits(cell_timeout=0.1, call_timeout=0.1),
                    Budget(30), report, set())
    casebook = SimpleNamespace(questions=[question])
    run.run(casebook)
    assert life.interrupts == 0 and report.notes == [] and report.problems == {}
    assert run.finished and run.answered == ["q"] and run.outcomes("q") == [("value", 2.0)]
