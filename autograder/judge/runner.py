"""Run one submission's notebook in a fresh, limited kernel and call its graded functions.

One request per kernel (``in_kernel.grade``): the student's cells, then every question's calls.
The kernel announces each step; the judge times each step against its own limit (a cell's,
a question's), interrupts one that runs over, and goes on reading. What comes back is plain
data only: each case's outcome, parsed by ``plain.loads``. The kernel never sees an expected
value. Every kernel runs under the launcher's isolation (``kernel.py``) and is torn down with
every process it started before ``run_submission`` returns.

A kernel that dies (``os._exit``) or stops answering (an interrupt it ignores) is replaced,
and the notebook is run again without the cell that broke it, or the questions it already
answered, so one broken cell or function costs its own question, not the others.
"""

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.in_kernel import grade as in_kernel
from autograder.judge.kernel import ColdLauncher, DeadKernel, KernelLife, chown_tree
from autograder.judge.kinds import KINDS
from autograder.judge.plain import PlainDataError, loads

MAX_CELL_OUTPUT = 64 << 10  # characters of output the kernel passes on; the rest is dropped
MAX_RESTARTS = 3
ANSWER_AFTER_INTERRUPT = 5.0  # seconds an interrupted step has to give way to the next one


@dataclass
class Limits:
    # One notebook cell. The judge runs no demonstration cell (the ReLU experiment is one); a
    # student's cells define functions and take well under a second.
    cell_timeout: float = 20.0
    call_timeout: float = 30.0  # one question's calls, at most; each case kind sets its own budget
    total_timeout: float = 300.0  # everything, restarts included
    memory_mb: int = 2048  # the kernel's data memory (RLIMIT_DATA)
    cpu_seconds: int = 300  # the kernel's CPU time (RLIMIT_CPU)
    scratch_mb: int = 256  # each private tmpfs of a sandboxed kernel (its folder, /tmp, /dev/shm)
    user: str = None  # run the kernel as this user (needs root)
    network: bool = False


@dataclass
class KernelReport:
    outcomes: dict = field(default_factory=dict)  # question -> [(tag, detail) or None, per case]
    problems: dict = field(default_factory=dict)  # question -> why it could not be called
    notes: list = field(default_factory=list)  # what happened to the notebook, for the feedback
    staff_notes: list = field(default_factory=list)  # what the kernel's isolation lacked
    timed_out: bool = False
    seconds: float = 0.0


class _Unresponsive(Exception):
    """The kernel did not come back from an interrupt."""


def gradable_cells(nb):
    """(number, cell) of the code cells the judge runs: the student's, not demonstrations,
    checks or otter's. ``number`` counts code cells from 1, as a student would."""
    keep = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, 1):
        tags = cell.metadata.get("tags", [])
        if "otter_ignore" in tags or "check" in cell.metadata or "otter.Notebook(" in cell.source:
            continue
        keep.append((number, cell))
    return keep


def call_budget(question, limits):
    """Seconds for all of a question's calls: what its case kinds allow, within the limits."""
    return min(limits.call_timeout, max(KINDS[c.kind].call_seconds for c in question.cases))


def _kernel_code(casebook, request):
    """One execution: the judge's helpers, in a namespace of their own (only one name is added
    to the student's), then the request."""
    sources = [Path(in_kernel.__file__).read_text()]
    for kind in sorted({c.kind for q in casebook.questions for c in q.cases}):
        if KINDS[kind].kernel_source:
            sources.append(KINDS[kind].kernel_source)
    source = "\n\n".join(sources)
    return (f"__eecs182_judge__ = {{}}\n"
            f"exec(compile({source!r}, '<judge>', 'exec'), __eecs182_judge__)\n"
            f"__eecs182_judge__['grade']({json.dumps(request, allow_nan=False)!r})\n")


class _Run:
    """One kernel's request, read as it goes: which step is running, since when, and what each
    question's cases answered."""

    def __init__(self, life, cells, questions, limits, deadline, report, skip):
        self.life, self.limits, self.deadline, self.report, self.skip = life, limits, deadline, report, skip
        self.numbers = {number for number, _ in cells}
        self.questions = {q.name: q for q in questions}
        self.request = {"progress": str(life.progress_path), "max_output": MAX_CELL_OUTPUT, "cells": cells,
                        "questions": [{"name": q.name, "function": q.function,
                                       "cases": [{"args": c.args, "caller": KINDS[c.kind].caller} for c in q.cases]}
                                      for q in questions]}
        self.step = None  # ("cell", number) or ("question", name); None while the helpers load
        self.step_deadline = 0.0
        self.interrupted_at = None
        self.answered = []  # questions whose calls are over, in order
        self.replies = {}  # question -> [outcome text, per case]
        self.finished = False  # the whole request ran

    def start_step(self, step, seconds):
        if self.step and self.step[0] == "question" and self.step[1] not in self.answered:
            self.answered.append(self.step[1])
        self.step, self.interrupted_at = step, None
        self.step_deadline = time.monotonic() + seconds

    def run(self, casebook):
        request_id = self.life.execute(_kernel_code(casebook, self.request))
        self.start_step(None, self.limits.cell_timeout)
        while True:
            now = time.monotonic()
            if now > self.deadline:
                raise TimeoutError
            if self.interrupted_at is not None:
                if now > self.interrupted_at + ANSWER_AFTER_INTERRUPT:
                    raise _Unresponsive()
                wait = self.interrupted_at + ANSWER_AFTER_INTERRUPT - now
            elif now > self.step_deadline:
                self.over_time()
                continue
            else:
                wait = self.step_deadline - now
            lines, finished, dead = self.life.wait(request_id, min(wait, self.deadline - now, 1.0))
            for line in lines:
                self.read(line)
            if dead:
                raise DeadKernel("the kernel ended")
            if finished:
                self.start_step(None, 0)  # the last question's calls are over too
                self.finished = True
                return

    def over_time(self):
        """The running step ran over its limit: interrupt it, note it, wait for the next."""
        self.life.interrupt()
        self.interrupted_at = time.monotonic()
        kind, what = self.step or ("setup", None)
        if kind == "cell":
            self.skip.add(what)  # interrupted once: not run again if the kernel is replaced
            self.report.notes.append(f"code cell {what} ran over {self.limits.cell_timeout:.0f} s and was "
                                     "interrupted")
        elif kind == "question":
            question = self.questions[what]
            self.report.problems[what] = (f"{question.function} ran over the "
                                          f"{call_budget(question, self.limits):g} s limit (an infinite loop?)")

    def read(self, line):
        """One line of progress: a step's start, or a question's answers. Anything else is
        dropped."""
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        event = message.get("event")
        if event == "cell" and message.get("number") in self.numbers:
            self.start_step(("cell", message["number"]), self.limits.cell_timeout)
        elif event == "cell_error" and message.get("number") in self.numbers:
            self.report.staff_notes.append(f"IPython could not run code cell {message['number']}: "
                                           f"{str(message.get('error'))[:200]}")
        elif event == "question" and message.get("name") in self.questions:
            self.start_step(("question", message["name"]), call_budget(self.questions[message["name"]], self.limits))
        elif event == "answers" and self.step == ("question", message.get("question")) \
                and isinstance(message.get("outcomes"), list):
            self.replies.setdefault(self.step[1], [text for text in message["outcomes"] if isinstance(text, str)])
            self.answered.append(self.step[1])

    def outcomes(self, name):
        return _parse_replies(dict(enumerate(self.replies.get(name, []))), len(self.questions[name].cases))


def run_submission(nb, workdir, casebook, limits=None, launcher=None):
    """Execute ``nb`` (its gradable cells) in ``workdir``, then call every question's function.
    ``launcher`` starts the kernels (default: ``ColdLauncher``)."""
    limits = limits or Limits()
    launcher = launcher or ColdLauncher()
    start = time.monotonic()
    deadline = start + limits.total_timeout
    report = KernelReport()
    cells = [(number, cell.source) for number, cell in gradable_cells(nb)]
    skip = set()  # cells that ran over, killed or hung the kernel: left out of the next run
    pending = list(casebook.questions)
    rundir = Path(tempfile.mkdtemp(prefix="eecs182-judge-"))
    scratch = Path(workdir) / ".scratch"
    scratch.mkdir(exist_ok=True)
    if limits.user:
        rundir.chmod(0o755)
        chown_tree(workdir, limits.user)
    try:
        for _life in range(MAX_RESTARTS + 1):
            if not pending or time.monotonic() > deadline:
                break
            life = KernelLife(workdir, rundir, limits, launcher)
            run = _Run(life, [c for c in cells if c[0] not in skip], pending, limits, deadline, report, skip)
            try:
                life.start()
            except Exception as exc:  # no kernel at all: nothing of this submission can run
                life.stop()
                report.notes.append(f"the kernel could not start: {type(exc).__name__}: {exc}")
                break
            try:
                report.staff_notes += [t for t in life.shortfalls() if t not in report.staff_notes]
                run.run(casebook)
            except (DeadKernel, _Unresponsive) as exc:
                _kernel_lost(run, exc, report)
            except TimeoutError:
                report.timed_out = True
            finally:
                life.stop()
            pending = _settle(run, pending, report)
            if run.step is None and not run.finished:  # lost while the judge's helpers loaded
                break
        for question in pending:
            report.problems.setdefault(question.name, "not graded: the submission ran out of time"
                                       if report.timed_out or time.monotonic() > deadline
                                       else "not graded: the kernel kept failing")
        if pending and time.monotonic() > deadline:
            report.timed_out = True
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    report.seconds = time.monotonic() - start
    return report


def _kernel_lost(run, exc, report):
    """The kernel died or stopped answering during ``run.step``: that step pays for it."""
    what = "ended the kernel" if isinstance(exc, DeadKernel) else "stopped the kernel from answering"
    if run.step is None:
        report.notes.append(f"the kernel failed: {exc}")
    elif run.step[0] == "cell":
        run.skip.add(run.step[1])
        report.notes.append(f"code cell {run.step[1]} {what}; it was left out and the notebook run "
                            "again without it")
    elif run.step[1] not in run.answered:  # (after its answers, the next question had not begun)
        question = run.questions[run.step[1]]
        run.answered.append(question.name)
        report.problems[question.name] = f"calling {question.function} {what}"


def _settle(run, pending, report):
    """Record what a kernel's run answered; returns the questions still to ask. A run that
    finished without reaching a question (the notebook broke the judge's helpers, or the run
    lost its progress) leaves it to the next kernel, within MAX_RESTARTS."""
    for name in run.answered:
        report.outcomes[name] = run.outcomes(name)
    left = [q for q in pending if q.name not in run.answered]
    if run.finished and left:
        note = "the notebook's run ended before the judge called every function; it was run again"
        if note not in report.notes:
            report.notes.append(note)
    return left


def _parse_replies(replies, count):
    outcomes = []
    for index in range(count):
        text = replies.get(index)
        if text is None:
            outcomes.append(None)
            continue
        try:
            outcome = loads(text)
        except PlainDataError as exc:
            outcome = ["error", f"the answer could not be read ({exc})"]
        if not (isinstance(outcome, list) and len(outcome) == 2 and outcome[0] in in_kernel.TAGS):
            outcome = ["error", "the answer could not be read"]
        outcomes.append(tuple(outcome))
    return outcomes
