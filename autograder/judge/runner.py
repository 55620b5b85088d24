"""Run one submission's notebook in a fresh, limited kernel and call its graded functions.

Each kernel gets one request (``request``); every kernel runs under the launcher's isolation
(``kernel``) and is torn down with every process it started before ``run_submission`` returns.

A kernel that dies (``os._exit``) or stops answering (an interrupt it ignores) is replaced,
and the notebook is run again without the cell that broke it, or the questions it already
answered, so one broken cell or function costs its own question, not the others.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.judge.kernel import ColdLauncher, DeadKernel, KernelLife, chown_tree
from autograder.judge.limits import Budget, Limits
from autograder.judge.request import KernelReport, KernelRun, Unresponsive, gradable_cells

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from autograder.judge.casebook import Casebook, JudgedQuestion
    from autograder.judge.protocols import Launcher

MAX_RESTARTS = 3


def run_submission(nb: NotebookNode, workdir: str | Path, casebook: Casebook, limits: Limits | None = None,
                   launcher: Launcher | None = None) -> KernelReport:
    """Execute ``nb`` (its gradable cells) in ``workdir``, then call every question's function.
    ``launcher`` starts the kernels (default: ``ColdLauncher``)."""
    limits = limits or Limits()
    launcher = launcher or ColdLauncher()
    start = time.monotonic()
    budget = Budget(limits.total_timeout)
    report = KernelReport()
    cells = [(number, cell.source) for number, cell in gradable_cells(nb)]
    skip: set[int] = set()  # cells that ran over, killed or hung the kernel: left out of the next run
    pending = list(casebook.questions)
    rundir = Path(tempfile.mkdtemp(prefix="eecs182-judge-"))
    scratch = Path(workdir) / ".scratch"
    scratch.mkdir(exist_ok=True)
    if limits.user:
        rundir.chmod(0o755)
        chown_tree(workdir, limits.user)
    try:
        for _life in range(MAX_RESTARTS + 1):
            if not pending or budget.over():
                break
            life = KernelLife(workdir, rundir, limits, launcher)
            run = KernelRun(life, [c for c in cells if c[0] not in skip], pending, limits, budget, report, skip)
            budget.begin(life)
            try:
                life.start()
            except Exception as exc:  # no kernel at all: nothing of this submission can run
                budget.end()
                life.stop()
                report.notes.append(f"the kernel could not start: {type(exc).__name__}: {exc}")
                break
            try:
                report.staff_notes += [t for t in life.shortfalls() if t not in report.staff_notes]
                run.run(casebook)
            except (DeadKernel, Unresponsive) as exc:
                _kernel_lost(run, exc, report)
            except TimeoutError:
                report.timed_out = True
            finally:
                budget.end()
                life.stop()
            pending = _settle(run, pending, report)
            if run.step is None and not run.finished:  # lost while the judge's helpers loaded
                break
        for question in pending:
            report.problems.setdefault(question.name, "not graded: the submission ran out of time"
                                       if report.timed_out or budget.over()
                                       else "not graded: the kernel kept failing")
        if pending and budget.over():
            report.timed_out = True
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    report.seconds = time.monotonic() - start
    return report


def _kernel_lost(run: KernelRun, exc: Exception, report: KernelReport) -> None:
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


def _settle(run: KernelRun, pending: list[JudgedQuestion], report: KernelReport) -> list[JudgedQuestion]:
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
