"""Runs inside the submission's kernel: runs the notebook's cells, then calls the graded
functions and reports what they return.

The judge sends this module's source and one request into a fresh kernel, as one execution:
``grade(request)`` caps the kernel's output, runs each of the student's cells as Jupyter would
(``run_cell``: magics, displays, tracebacks), then calls each question's function on its
cases. Before each cell and each question it announces the step, so the judge can time every
step on its own, interrupt one that runs over, and tell which step a crash or hang was in.

Announcements and answers are JSON lines written to a pipe the judge made for this kernel
(``request["progress"]``). A write to a pipe is done when ``write`` returns, so the judge
reads every line written before a cell ends the kernel: it always knows which cell that was.
Only inputs travel in; each case's outcome travels out as plain JSON, ``[tag, detail]`` (tags:
``ANSWER_TAGS``), with the call's warnings after them when it warned (``answer.py``). Expected
values never enter the kernel, so nothing done here, or done to this code by the submission,
can make a wrong answer right: a forged line can only claim what the submission's own function
could have returned.
It runs where nothing of this project is importable, and is never imported: the judge sends it
as source (``judge/shipped.py``), after the sources of what its imports name: the plain-data
codec (one set of caps for both sides) and ``answer.py`` (how a case is called, as in otter's
test files); then ``compare.py`` and the files of the case kinds that bring their own caller
(which may use its names).
"""

import contextlib
import json
import os
import sys
from typing import Any, Dict, List, Sequence

from autograder.in_kernel.answer import answer_of
from autograder.in_kernel.plain import MAX_BYTES, decode_arg


class _Sink:
    """Where the student's prints go while the judge calls their function: nowhere."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _CappedStream:
    """A stream that passes on at most ``budget`` characters, then drops the rest. IPython 9
    patches ``write`` on the stream for each cell's run to keep a copy: that patch is refused,
    or a print loop would fill the kernel's memory all the same."""

    def __init__(self, stream: Any, budget: int) -> None:
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_budget", budget)

    def write(self, text: str) -> int:
        if self._budget > 0:
            budget = self._budget - len(text)
            object.__setattr__(self, "_budget", budget)
            self._stream.write(text if budget >= 0 else text[:budget] + "\n[output cut]\n")
        return len(text)

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "write":
            setattr(self._stream, name, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _cap_output(shell: Any, budget: int) -> None:
    """A cell that prints without end is cut off here instead of burying the judge under output
    it would read and drop. Only plain text is formatted: the judge reads no figures, and
    drawing them (a PNG per plot) took most of a submission's run. Undoing this only wastes the
    submission's own time, which the judge's timeouts bound."""
    shell.display_formatter.active_types = ["text/plain"]
    sys.stdout = _CappedStream(sys.stdout, budget)
    sys.stderr = _CappedStream(sys.stderr, budget)


def _report(pipe: int, message: Dict[str, Any]) -> None:
    data = (json.dumps(message, allow_nan=False) + "\n").encode()
    while data:
        data = data[os.write(pipe, data):]


def _answer(outcome: Sequence[Any]) -> str:
    text = json.dumps(outcome, allow_nan=False)
    if len(text) > MAX_BYTES:
        text = json.dumps(["unsupported", f"{len(text)} characters of data, over the {MAX_BYTES} allowed"])
    return text


def grade(request_text: str) -> None:
    """Run the request's cells, then call each question's function on its cases."""
    request = json.loads(request_text)
    pipe = os.open(request["progress"], os.O_WRONLY)
    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - defined in every IPython kernel
    _cap_output(shell, request["max_output"])
    for number, source in request["cells"]:
        try:
            _report(pipe, {"event": "cell", "number": number})
            # No history: nobody reads a judged kernel's In and Out, and its database is one
            # more thing that could fail between the student's cells.
            shell.run_cell(source, store_history=False)
        except KeyboardInterrupt:  # the judge stopped this cell, and has noted it
            pass
        except Exception as exc:  # IPython itself could not run it (top-level await, say)
            try:
                _report(pipe, {"event": "cell_error", "number": number,
                               "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
            except Exception:
                pass
    for question in request["questions"]:
        answers: List[str] = []
        try:
            _report(pipe, {"event": "question", "name": question["name"]})
            # Prints go nowhere while the judge calls the student's function.
            with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
                _ask(shell.user_ns, question, answers)
        except KeyboardInterrupt:  # ran over its time: what it answered so far still counts
            pass
        answered = {"event": "answers", "question": question["name"], "outcomes": answers}
        try:
            _report(pipe, answered)
        except KeyboardInterrupt:  # the judge's interrupt came just as the question ended
            _report(pipe, answered)
    os.close(pipe)


def _ask(namespace: Dict[str, Any], question: Dict[str, Any], answers: List[str]) -> None:
    func = namespace.get(question["function"])
    for case in question["cases"]:
        # A kind's caller is a function its shipped module defined in this namespace.
        caller = globals()[case["caller"]] if case["caller"] else None
        answers.append(_answer(answer_of(func, [decode_arg(a) for a in case["args"]], caller)))
