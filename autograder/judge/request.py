"""The request protocol: one request per kernel (``in_kernel/grade.py``'s ``grade``), the
student's cells, then every question's calls, read as it goes.

The kernel announces each step on its progress pipe; the judge times each step against its own
limit (a cell's, a question's) on the kernel's clock (``KernelLife.clock``: time spent waiting
for a CPU is not charged), interrupts one that runs over, and goes on reading. What comes
back is plain data only: each case's outcome, parsed by ``plain.loads``. The kernel never sees
an expected value.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autograder.in_kernel.plain import ANSWER_TAGS, PlainDataError, loads
from autograder.judge import shipped
from autograder.judge.kernel import DeadKernel
from autograder.judge.kinds import KINDS
from autograder.judge.limits import MAX_CELL_OUTPUT, WALL_SLACK, call_budget

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from autograder.judge.casebook import Casebook, JudgedQuestion
    from autograder.judge.kernel import KernelLife
    from autograder.judge.kinds import Kind
    from autograder.judge.limits import Budget, Limits

ANSWER_AFTER_INTERRUPT = 5.0  # seconds an interrupted step has to give way to the next one


class Unresponsive(Exception):
    """The kernel did not come back from an interrupt."""


@dataclass
class KernelReport:
    # question -> [(tag, detail) or None, per case]
    outcomes: dict[str, list[tuple[Any, ...] | None]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # question -> why it could not be called
    notes: list[str] = field(default_factory=list)  # what happened to the notebook, for the feedback
    staff_notes: list[str] = field(default_factory=list)  # what the kernel's isolation lacked
    timed_out: bool = False
    seconds: float = 0.0


def gradable_cells(nb: NotebookNode) -> list[tuple[int, NotebookNode]]:
    """(number, cell) of the code cells the judge runs: the student's, not demonstrations,
    checks, otter's set-up or the export. ``number`` counts code cells from 1, as a student would.
    Otter's set-up and the export cell are known by their code too: cells pasted into a new
    notebook lose their tags, and the export would make a zip and wait for a front end to save."""
    keep = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, 1):
        tags = cell.metadata.get("tags", [])
        if "otter_ignore" in tags or "check" in cell.metadata or any(
                call in cell.source for call in ("otter.Notebook(", "submit.export(")):
            continue
        keep.append((number, cell))
    return keep


def kernel_code(casebook: Casebook, request: dict[str, Any]) -> str:
    """One execution: the judge's helpers, in a namespace of their own (only one name is added
    to the student's), then the request."""
    kinds = [KINDS[kind] for kind in sorted({c.kind for q in casebook.questions for c in q.cases})]
    source = shipped.kernel_source(kinds)
    return (f"__eecs182_judge__ = {{}}\n"
            f"exec(compile({source!r}, '<judge>', 'exec'), __eecs182_judge__)\n"
            f"__eecs182_judge__['grade']({json.dumps(request, allow_nan=False)!r})\n")


def _caller_name(kind: Kind) -> str | None:
    """The name a kind's caller has in the kernel (its shipped file defines it); None: func(*args)."""
    return kind.call.__name__ if kind.call is not None else None


class KernelRun:
    """One kernel's request, read as it goes: which step is running, since when, and what each
    question's cases answered."""

    def __init__(self, life: KernelLife, cells: list[tuple[int, str]], questions: list[JudgedQuestion],
                 limits: Limits, budget: Budget, report: KernelReport, skip: set[int]) -> None:
        self.life, self.limits, self.budget, self.report, self.skip = life, limits, budget, report, skip
        self.numbers = {number for number, _ in cells}
        self.questions = {q.name: q for q in questions}
        self.request = {"progress": str(life.progress_path), "max_output": MAX_CELL_OUTPUT, "cells": cells,
                        "questions": [{"name": q.name, "function": q.function,
                                       "cases": [{"args": c.args, "caller": _caller_name(KINDS[c.kind])}
                                                 for c in q.cases]}
                                      for q in questions]}
        self.step: tuple[str, Any] | None = None  # ("cell", number) or ("question", name); None while the helpers load
        self.step_deadline = self.step_wall_deadline = 0.0
        # When the running step was interrupted, by the kernel's clock (None: it was not) and the wall's.
        self.interrupted_at: float | None = None
        self.interrupted_wall = 0.0
        self.answered: list[str] = []  # questions whose calls are over, in order
        self.replies: dict[str, list[str]] = {}  # question -> [outcome text, per case]
        self.finished = False  # the whole request ran

    def start_step(self, step: tuple[str, Any] | None, seconds: float) -> None:
        if self.step and self.step[0] == "question" and self.step[1] not in self.answered:
            self.answered.append(self.step[1])
        self.step, self.interrupted_at = step, None
        self.step_deadline = self.life.clock() + seconds
        self.step_wall_deadline = time.monotonic() + WALL_SLACK * seconds

    def run(self, casebook: Casebook) -> None:
        request_id = self.life.execute(kernel_code(casebook, self.request))
        self.start_step(None, self.limits.cell_timeout)
        while not self.finished:
            now, wall = self.life.clock(), time.monotonic()  # one reading of /proc per turn
            if self.budget.over(now):
                raise TimeoutError
            if self.interrupted_at is not None:
                if (now > self.interrupted_at + ANSWER_AFTER_INTERRUPT
                        or wall > self.interrupted_wall + WALL_SLACK * ANSWER_AFTER_INTERRUPT):
                    raise Unresponsive()
                wait = self.interrupted_at + ANSWER_AFTER_INTERRUPT - now
            elif now > self.step_deadline or wall > self.step_wall_deadline:
                # What already arrived first: on a loaded machine this process may not have run
                # for a while, and the step may have ended long ago, its news in the pipe. An
                # interrupt sent now would land in a later step and cost that one instead.
                if not self.take(request_id, 0):
                    self.over_time()
                continue
            else:
                wait = self.step_deadline - now
            self.take(request_id, min(wait, self.budget.left(now), 1.0))

    def take(self, request_id: str, timeout: float) -> bool:
        """Read what the kernel reports within ``timeout`` seconds; whether anything came."""
        lines, finished, dead = self.life.wait(request_id, timeout)
        for line in lines:
            self.read(line)
        if dead:
            raise DeadKernel("the kernel ended")
        if finished:
            self.start_step(None, 0)  # the last question's calls are over too
            self.finished = True
        return bool(lines) or finished

    def over_time(self) -> None:
        """The running step ran over its limit: interrupt it, note it, wait for the next."""
        self.life.interrupt()
        self.interrupted_at, self.interrupted_wall = self.life.clock(), time.monotonic()
        what: Any  # a cell's number or a question's name
        kind, what = self.step or ("setup", None)
        if kind == "cell":
            self.skip.add(what)  # interrupted once: not run again if the kernel is replaced
            self.report.notes.append(f"code cell {what} ran over {self.limits.cell_timeout:.0f} s and was "
                                     "interrupted")
        elif kind == "question":
            question = self.questions[what]
            self.report.problems[what] = (f"{question.function} ran over the "
                                          f"{call_budget(question, self.limits):g} s limit (an infinite loop?)")

    def read(self, line: bytes | str) -> None:
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

    def outcomes(self, name: str) -> list[tuple[Any, ...] | None]:
        return _parse_replies(dict(enumerate(self.replies.get(name, []))), len(self.questions[name].cases))


def _parse_replies(replies: dict[int, str], count: int) -> list[tuple[Any, ...] | None]:
    outcomes: list[tuple[Any, ...] | None] = []
    for index in range(count):
        text = replies.get(index)
        if text is None:
            outcomes.append(None)
            continue
        try:
            outcome = loads(text)
        except PlainDataError as exc:
            outcome = ["error", f"the answer could not be read ({exc})"]
        # [tag, detail], or [tag, detail, the call's warnings as text] (in_kernel/answer.py)
        shaped = isinstance(outcome, list) and (len(outcome) == 2 or (
            len(outcome) == 3 and isinstance(outcome[2], list) and all(isinstance(w, str) for w in outcome[2])))
        if not (shaped and outcome[0] in ANSWER_TAGS):
            outcome = ["error", "the answer could not be read"]
        outcomes.append(tuple(outcome))
    return outcomes
