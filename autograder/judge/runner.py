"""Run one submission's notebook in a fresh, limited kernel and call its graded functions.

What comes back from the kernel is plain data only: each case's outcome, parsed by
``plain.loads``. The kernel never sees an expected value. Every kernel runs under
``supervisor.py`` (memory cap, no network, optionally another user) and is torn down with
every process it started before ``run_submission`` returns.

A cell that runs over its timeout is interrupted; a kernel that dies (``os._exit``) or stops
answering (an interrupt it ignores) is replaced, and the notebook is run again without the cell
that broke it, so one broken cell or function costs its own question, not the others.
"""

import copy
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError

from autograder.judge import in_kernel
from autograder.judge.kinds import KINDS
from autograder.judge.plain import PlainDataError, loads
from autograder.judge.upload import plain_cell
from autograder.notebook_client import HeadlessNotebookClient

SUPERVISOR = Path(__file__).with_name("supervisor.py")
KERNEL_NAME = "eecs182-judge"
MAX_CELL_OUTPUT = 64 << 10  # characters of output kept per cell; the rest is dropped
MAX_RESTARTS = 3


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


# Run before the notebook: a cell that prints without end is cut off in the kernel, instead of
# burying the judge under output it must read and drop. IPython 9 also keeps every write of a
# cell in its history (it patches ``write`` on the stream for the cell's run): the capped
# stream refuses that patch, or a print loop would fill the kernel's memory all the same.
# Undoing the cap only wastes the submission's own time, which the total timeout bounds.
# Rich output is switched off too: the judge reads no figures, and drawing them (a PNG per plot)
# took most of a submission's run.
PRELUDE = f"""
import sys as _sys
get_ipython().display_formatter.active_types = ["text/plain"]

class _CappedStream:
    def __init__(self, stream, budget):
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_budget", budget)

    def write(self, text):
        if self._budget > 0:
            budget = self._budget - len(text)
            object.__setattr__(self, "_budget", budget)
            self._stream.write(text if budget >= 0 else text[:budget] + "\\n[output cut]\\n")
        return len(text)

    def __setattr__(self, name, value):
        if name != "write":
            setattr(self._stream, name, value)

    def __getattr__(self, name):
        return getattr(self._stream, name)

_sys.stdout = _CappedStream(_sys.stdout, {MAX_CELL_OUTPUT})
_sys.stderr = _CappedStream(_sys.stderr, {MAX_CELL_OUTPUT})
del _sys, _CappedStream
"""


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


class JudgeClient(HeadlessNotebookClient):
    """Keeps the judge's replies apart from the cell outputs, caps those, and notes timeouts."""

    def __init__(self, nb, nonce, **kw):
        super().__init__(nb, **kw)
        self.nonce = nonce
        self.replies = {}  # case index -> outcome text
        self.timed_out_cells = set()
        self._output_sizes = {}

    def output(self, outs, msg, display_id, cell_index):
        data = msg["content"].get("data") or {}
        if in_kernel.MIME in data:
            reply = data[in_kernel.MIME]
            if isinstance(reply, dict) and reply.get("nonce") == self.nonce \
                    and isinstance(reply.get("case"), int) and isinstance(reply.get("outcome"), str):
                self.replies.setdefault(reply["case"], reply["outcome"])
            return None
        content = msg["content"]
        size = len(content["text"]) if "text" in content else len(json.dumps(content, default=str))
        used = self._output_sizes.get(cell_index, 0)
        self._output_sizes[cell_index] = used + size
        if used + size > MAX_CELL_OUTPUT:
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out_cells.add(id(cell))
        return await super()._async_handle_timeout(timeout, cell)


class ColdLauncher:
    """A new Python process per kernel, under ``supervisor.py``: what Gradescope uses, where
    every container grades one submission. (``warm.WarmLauncher`` forks kernels from a warm,
    sandboxed image instead.)"""

    socket_root = None  # the kernel's sockets go in the run's own temporary folder

    def kernel_argv(self, limits):
        python = sys.executable
        argv = [python, str(SUPERVISOR), "--memory-mb", str(limits.memory_mb),
                "--cpu-seconds", str(limits.cpu_seconds), "--readable", "{connection_file}",
                "--status", "{connection_file}.status"]  # read back by _KernelLife.shortfalls
        if limits.user:
            argv += ["--user", limits.user]
        if not limits.network:
            argv += ["--no-network"]
        return argv + ["--", python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _kernel_spec_dir(rundir, argv):
    spec = Path(rundir) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "judge", "language": "python", "interrupt_mode": "signal"}))
    return spec.parent


def _kernel_env(scratch):
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
           if k in os.environ}
    env.update(HOME=str(scratch), MPLCONFIGDIR=str(scratch / "mpl"), IPYTHONDIR=str(scratch / "ipython"),
               NUMBA_CACHE_DIR=str(scratch / "numba"), TQDM_DISABLE="1", PYTHONDONTWRITEBYTECODE="1",
               JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


def _chown_tree(path, user):
    import pwd

    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


class _KernelLife:
    """One kernel: started under the supervisor, torn down with everything it started."""

    def __init__(self, nb, workdir, rundir, limits, nonce, launcher):
        self.rundir = Path(rundir)
        socket_dir = Path(tempfile.mkdtemp(dir=launcher.socket_root or rundir, prefix="sockets-"))
        self.socket_dir = socket_dir
        if limits.user:
            _chown_tree(socket_dir, limits.user)
        spec_dir = _kernel_spec_dir(tempfile.mkdtemp(dir=rundir, prefix="spec-"), launcher.kernel_argv(limits))
        km = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir)]),
            transport="ipc", ip=str(socket_dir / "kernel"),
            connection_file=str(socket_dir / "connection.json"),
        )
        self.client = JudgeClient(
            nb, nonce, km=km, timeout=limits.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "TimeoutError", "evalue": "the cell ran over its time limit",
                              "traceback": []},
            timeout_func=lambda cell: cell.metadata.get("judge_timeout", limits.cell_timeout),
            resources={"metadata": {"path": str(workdir)}}, record_timing=False,
            shutdown_kernel="immediate", startup_timeout=60, iopub_timeout=4,
        )
        self.env = _kernel_env(Path(workdir) / ".scratch")
        self.km = km

    def start(self):
        self.client.start_new_kernel(env=self.env, cwd=self.client.resources["metadata"]["path"])
        self.client.start_new_kernel_client()

    def shortfalls(self):
        """What the supervisor could not isolate. Read once the kernel is up and before any of
        the submission's code has run, so the submission cannot have written it."""
        try:
            data = json.loads(Path(self.km.connection_file + ".status").read_text())
        except (OSError, ValueError):
            return []
        return [str(text) for text in data.get("shortfalls", [])]

    def run_cell(self, cell):
        """Run (a copy of) one cell; True if it finished in time. Raises DeadKernelError or
        _Unresponsive."""
        cell = copy.deepcopy(cell)
        self.client.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        if id(cell) not in self.client.timed_out_cells:
            return True
        probe = plain_cell("code", "pass", {"judge_timeout": 5})
        self.client.nb.cells.append(probe)
        self.client.execute_cell(probe, len(self.client.nb.cells) - 1)
        if id(probe) in self.client.timed_out_cells:
            raise _Unresponsive()
        return False

    def stop(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the supervisor kills everything below it
            try:
                process.wait(10)
            except Exception:
                process.kill()
                process.wait()
        try:
            self.client._cleanup_kernel()
        except Exception:
            pass
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def call_budget(question, limits):
    """Seconds for all of a question's calls: what its case kinds allow, within the limits."""
    return min(limits.call_timeout, max(KINDS[c.kind].call_seconds for c in question.cases))


def _request(question, nonce):
    cases = [{"args": c.args, "caller": KINDS[c.kind].caller} for c in question.cases]
    return json.dumps({"function": question.function, "nonce": nonce, "cases": cases}, allow_nan=False)


def _helper_source(casebook):
    sources = [Path(in_kernel.__file__).read_text()]
    for kind in sorted({c.kind for q in casebook.questions for c in q.cases}):
        if KINDS[kind].kernel_source:
            sources.append(KINDS[kind].kernel_source)
    source = "\n\n".join(sources)
    # The helpers live in their own namespace; only one name is added to the student's.
    return (f"__eecs182_judge__ = {{}}\n"
            f"exec(compile({source!r}, '<judge>', 'exec'), __eecs182_judge__)\n")


def run_submission(nb, workdir, casebook, limits=None, launcher=None):
    """Execute ``nb`` (its gradable cells) in ``workdir``, then call every question's function.
    ``launcher`` starts the kernels (default: ``ColdLauncher``)."""
    limits = limits or Limits()
    launcher = launcher or ColdLauncher()
    start = time.monotonic()
    deadline = start + limits.total_timeout
    report = KernelReport()
    cells = gradable_cells(nb)
    skip = set()  # cells that killed or hung the kernel: left out of the next run
    pending = list(casebook.questions)
    rundir = Path(tempfile.mkdtemp(prefix="eecs182-judge-"))
    scratch = Path(workdir) / ".scratch"
    scratch.mkdir(exist_ok=True)
    if limits.user:
        os.chmod(rundir, 0o755)
        _chown_tree(workdir, limits.user)
    try:
        for _life in range(MAX_RESTARTS + 1):
            if not pending or time.monotonic() > deadline:
                break
            nonce = secrets.token_hex(16)
            life = _KernelLife(nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}), workdir, rundir, limits, nonce, launcher)
            running = None
            try:
                try:
                    life.start()
                except Exception as exc:  # no kernel at all: nothing of this submission can run
                    report.notes.append(f"the kernel could not start: {type(exc).__name__}: {exc}")
                    break
                report.staff_notes += [t for t in life.shortfalls() if t not in report.staff_notes]
                life.run_cell(plain_cell("code", PRELUDE))
                for number, cell in cells:
                    if number in skip:
                        continue
                    if time.monotonic() > deadline:
                        raise TimeoutError
                    running = ("cell", number)
                    if not life.run_cell(cell):
                        skip.add(number)  # interrupted once: not run again if the kernel is replaced
                        report.notes.append(f"code cell {number} ran over {limits.cell_timeout:.0f} s "
                                            "and was interrupted")
                running = None
                life.run_cell(plain_cell("code", _helper_source(casebook)))
                while pending:
                    question = pending[0]
                    if time.monotonic() > deadline:
                        raise TimeoutError
                    running = ("question", question.name)
                    budget = call_budget(question, limits)
                    call = plain_cell("code", f"__eecs182_judge__['run']({_request(question, nonce)!r})",
                                      {"judge_timeout": budget})
                    life.client.replies = {}
                    finished = life.run_cell(call)
                    report.outcomes[question.name] = _parse_replies(life.client.replies, len(question.cases))
                    if not finished:
                        report.problems[question.name] = (
                            f"{question.function} ran over the {budget:g} s limit "
                            "(an infinite loop?)")
                    pending.pop(0)
                    running = None
            except (DeadKernelError, _Unresponsive) as exc:
                what = "ended the kernel" if isinstance(exc, DeadKernelError) else \
                    "stopped the kernel from answering"
                if running and running[0] == "cell":
                    skip.add(running[1])
                    report.notes.append(f"code cell {running[1]} {what}; it was left out and the "
                                        "notebook run again without it")
                elif running:
                    question = pending.pop(0)
                    report.outcomes[question.name] = _parse_replies(life.client.replies, len(question.cases))
                    report.problems[question.name] = f"calling {question.function} {what}"
                else:
                    report.notes.append(f"the kernel failed: {exc}")
                    break
            except TimeoutError:
                report.timed_out = True
            finally:
                life.stop()
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
