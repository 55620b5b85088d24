"""``eecs182 grade``: a folder of submissions, graded by the judge, into a gradebook.

Submissions run in the sandbox (``sandbox.warm``: bubblewrap, one warm zygote, a fresh kernel per
submission), ``workers`` at a time. Worker processes only run the judge; this process hands out
submissions, stores each result the moment it arrives, and rebuilds the gradebook from the
stored results. A worker that dies, hangs or fails costs the submission it had, which is
recorded as a grader error with its reason (kept until ``--force``), and is replaced. This
process never reads an upload itself: the workers send the written answers and the graded
functions' canonical forms (plain text) with the verdict. A rerun grades only what has no
current result: none for this very file and this very autograder. One run at a time writes to an
OUT folder (a lock file); a result that cannot be written (a full disk) stops the run, and every result written
before it stays.
"""

import fcntl
import multiprocessing
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from autograder.grading.changes import log_changes, score_changes
from autograder.grading.feedback import write_feedback
from autograder.grading.gradebook import CASEBOOK, write_gradebook
from autograder.grading.hand_scores import HandScores
from autograder.grading.inputs import InputError, collect
from autograder.grading.report import write_report
from autograder.grading.similarity import write_similarity
from autograder.grading.store import GRADER_ERROR, ResultNotSaved, ResultStore, autograder_digest
from autograder.grading.written import submission_texts
from autograder.judge import Casebook, Limits
from autograder.judge.limits import WALL_SLACK
from autograder.judge.submission import unreadable_verdict, verdict_without_kernel
from autograder.judge.verdict import Verdict

GRACE = 60  # seconds past the judge's own wall-clock bound before a worker is presumed hung
LOCK = ".eecs182-grade.lock"
PRIVATE_PREFIX = "eecs182-grade-"  # + the grading process's pid + "-": its private folder


class GradingError(RuntimeError):
    """The batch cannot start (no autograder, no sandbox when one is required, bad input)."""


class WorkerCannotStart(GradingError):
    """A worker died before it could take a submission: the grader's set-up is broken, and no
    submission is charged for it."""


@dataclass
class Summary:
    total: int = 0
    graded_now: int = 0
    reused: int = 0
    new_autograder: int = 0  # graded again because the autograder changed since their result
    seconds: float = 0.0
    interrupted: bool = False
    sandboxed: bool = False
    records: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # changes.Change: totals this run moved


def autograder_source(zip_path, into):
    """The casebook, support files and digest (``store.autograder_digest``) of a built autograder
    zip, unpacked (root-only) into ``into``."""
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise GradingError(f"no autograder zip at {zip_path}: build one with `eecs182 build ASSIGNMENT`, "
                           "or pass the path of one with -a ZIP")
    with zipfile.ZipFile(zip_path) as zf:
        names = [n for n in zf.namelist() if n == "casebook.json" or n.startswith("files/")]
        if "casebook.json" not in names:
            raise GradingError(f"{zip_path} has no casebook.json: is it this toolkit's autograder zip?")
        for name in names:
            zf.extract(name, into)
    casebook = Casebook.read(Path(into) / "casebook.json")
    support = Path(into) / "files"
    support.mkdir(exist_ok=True)
    return casebook, support, autograder_digest((Path(into) / "casebook.json").read_bytes(), support)


def _worker(conn, casebook_path, support, limits, launcher):
    import ctypes

    from autograder.judge import judge_submission

    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the batch
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when to stop
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # unwinds, so kernels are stopped
    casebook = Casebook.read(casebook_path)
    casebook.register_kinds()
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        submission_id, path = task
        try:
            verdict = judge_submission(path, casebook, support, limits, launcher)
            reply = (submission_id, verdict.to_dict(), submission_texts(path, casebook), None)
        except Exception as exc:  # the grader's own bug: this submission's, not the worker's end
            reply = (submission_id, None, {}, f"{type(exc).__name__}: {exc}"[:300])
        conn.send(reply)


class _Slot:
    """One worker process and the submission it is grading."""

    def __init__(self, context, number, casebook_path, support, limits, launcher):
        self.number = number
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, casebook_path, support, limits, launcher),
                                       name=f"eecs182-grade-{number}", daemon=True)
        self.process.start()
        child.close()
        self.task = None
        self.started = 0.0
        self.ready = False  # it said so: from then on, its death is the submission's

    def give(self, submission):
        self.task = submission
        self.started = time.monotonic()
        try:
            self.conn.send((submission.id, str(submission.path)))
        except OSError:  # the worker is gone: the run's loop sees it end and says why
            pass

    def stop(self, wait_seconds=15):
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(wait_seconds)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def grade(paths, out, autograder_zip, workers=None, limits=None, force=False, require_sandbox=False,
          progress=True, log=print, show_hidden=False):
    """Grade every submission under ``paths`` into ``out``; returns a Summary. ``show_hidden``:
    the students' feedback files show hidden cases whole (inputs, expected values)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _OnlyWriter(out):
        return _grade(paths, out, autograder_zip, workers, limits, force, require_sandbox, progress, log,
                      show_hidden)


class _OnlyWriter:
    """Holds OUT's lock for the run: a second ``eecs182 grade`` into the same folder refuses
    instead of writing beside the first. The lock goes with the process, however it ends."""

    def __init__(self, out):
        self.path = Path(out) / LOCK

    def __enter__(self):
        self.file = open(self.path, "a+")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.seek(0)
            holder = self.file.read().strip() or "another process"
            self.file.close()
            raise GradingError(f"{self.path.parent} is being graded into by {holder}: wait for that run "
                               "to finish (or stop it), or give another -o folder") from None
        self.file.seek(0)
        self.file.truncate()
        self.file.write(f"eecs182 grade (pid {os.getpid()}, started {time.strftime('%H:%M:%S')})")
        self.file.flush()
        return self

    def __exit__(self, *exc):
        self.file.close()


def _grade(paths, out, autograder_zip, workers, limits, force, require_sandbox, progress, log, show_hidden):
    from autograder.sandbox.bubblewrap import SandboxUnavailable
    from autograder.sandbox.warm import WarmKernels

    limits = limits or Limits()
    # One more worker than cores: a kernel waits on its judge and the judge on its kernel, so
    # cores idle with exactly one each (40 submissions on 2 cores: 2, 3, 4 workers took 1.57,
    # 1.44, 1.39 s each).
    workers = max(1, workers or (os.cpu_count() or 1) + 1)
    summary = Summary()
    started = time.monotonic()
    with _private_folder() as private:
        os.chmod(private, 0o700)
        casebook, support, digest = autograder_source(autograder_zip, private)
        store = ResultStore(out, autograder=digest)
        try:
            submissions = collect(paths, casebook.assignment, scratch=private)
        except InputError as exc:
            raise GradingError(str(exc)) from None
        summary.total = len(submissions)
        fingerprints = {s.id: s.fingerprint() for s in submissions}
        stored = {s.id: store.load(s.id) for s in submissions}  # each result file read once
        todo = [s for s in submissions if force or not store.is_current(stored[s.id], fingerprints[s.id])]
        before = {s.id: stored[s.id] for s in todo if stored[s.id] is not None}
        summary.reused = len(submissions) - len(todo)
        summary.new_autograder = sum(store.graded_by_another_autograder(record, fingerprints[i])
                                     for i, record in before.items())
        runnable = [s for s in todo if not s.problem and s.path is not None]
        warm = None
        if runnable:
            try:
                warm = WarmKernels(support, casebook.preload, wait=False)  # warms up while the workers start
                summary.sandboxed = True
            except SandboxUnavailable as exc:
                limits, workers = _without_sandbox(exc, limits, require_sandbox, log)
        unsaved = None
        try:
            for submission in [s for s in todo if s.problem or s.path is None]:  # nothing to run
                verdict = verdict_without_kernel(casebook, submission.path, submission.problem)
                store.save(submission, fingerprints[submission.id], verdict)
                summary.graded_now += 1
            run = dict(casebook=casebook, casebook_path=Path(private) / "casebook.json", support=support, store=store,
                       fingerprints=fingerprints, progress=progress, summary=summary)
            try:
                summary.graded_now += _run(runnable, workers, limits=limits, warm=warm, **run)
            except SandboxUnavailable as exc:  # the zygote did not start: nothing was graded in it
                warm.close()
                warm = None
                summary.sandboxed = False
                limits, workers = _without_sandbox(exc, limits, require_sandbox, log)
                summary.graded_now += _run(runnable, workers, limits=limits, warm=None, **run)
        except ResultNotSaved as exc:
            unsaved = str(exc)
        finally:
            if warm is not None:
                warm.close()
            summary.records = [r for r in (store.load(s.id) for s in submissions) if r is not None]
            try:
                summary.changes = score_changes(before, summary.records, HandScores(out).scores(casebook.written))
                if before:
                    log_changes(out, summary.changes, len(before))
                casebook.write(out / CASEBOOK)
                write_gradebook(out, casebook, summary.records)
                similar = write_similarity(out, casebook, summary.records)
                write_report(out / "report.html", casebook, summary.records, summary.changes, similar)
                write_feedback(out, casebook, summary.records, show_hidden)
            except OSError as exc:
                unsaved = unsaved or f"could not write the gradebook in {out}: {exc.strerror or exc}"
        if unsaved:
            raise GradingError(f"{unsaved}. Grading stopped; every result written before this is kept. "
                               "Free some space and run the same command again: it grades only what is missing.")
    summary.seconds = time.monotonic() - started
    return summary


def _private_folder():
    """The run's own folder for the zip's casebook and the submissions' copies, named with this
    process's pid. A run killed outright (SIGKILL) cannot remove its own, hidden values and all:
    each run first removes those of this user's runs whose process is gone."""
    temp = Path(tempfile.gettempdir())
    for folder in temp.glob(f"{PRIVATE_PREFIX}*-*"):
        pid = folder.name[len(PRIVATE_PREFIX):].split("-", 1)[0]
        try:
            found = folder.lstat()  # a symbolic link is not followed, and not a folder
        except OSError:
            continue
        mine = found.st_uid == os.getuid() and stat.S_ISDIR(found.st_mode)
        if mine and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def _without_sandbox(why, limits, require_sandbox, log):
    """(limits, workers) for grading without the sandbox, said loudly; or refuse."""
    from dataclasses import replace

    if require_sandbox:
        raise GradingError(f"no sandbox: {why}") from None
    log(f"WARNING: grading WITHOUT the sandbox ({why}). Each kernel still has memory, "
        "CPU and time limits and no network where possible, but it can see this "
        "machine's files, and submissions are graded one at a time (kernels share a "
        "user, so one could starve another). Pass --require-sandbox to refuse instead.")
    if os.geteuid() == 0:
        from autograder.judge.user import prepare_user

        limits = replace(limits, user=prepare_user())
    return limits, 1


def _run(todo, workers, casebook, casebook_path, support, limits, warm, store, fingerprints, progress, summary):
    """Grade ``todo`` with ``workers`` worker processes. Raises SandboxUnavailable, before any
    submission is given out, if ``warm`` does not come up."""
    from tqdm import tqdm

    from autograder.judge.kernel import ColdLauncher

    if not todo:
        return 0
    context = multiprocessing.get_context("spawn")
    queue = list(reversed(todo))
    slots, done = [], 0
    bar = tqdm(total=len(todo), unit="submission", desc="grading", disable=not progress, file=sys.stderr,
               smoothing=0.1, mininterval=0.5)

    def new_slot(number):
        launcher = warm.launcher(number) if warm is not None else ColdLauncher()
        return _Slot(context, number, casebook_path, support, limits, launcher)

    def record(submission, verdict, error=None, texts=None):
        nonlocal done
        texts = texts if isinstance(texts, dict) else {}
        store.save(submission, fingerprints[submission.id], verdict, error, written=texts.get("written"),
                   code=texts.get("code"), sources=texts.get("sources"))
        done += 1
        bar.update(1)

    def record_failure(submission, failure):
        why = f"{failure}; `eecs182 grade --force` grades it again (tell the toolkit's maintainers if it recurs)"
        record(submission, unreadable_verdict(casebook, why), error=f"{GRADER_ERROR}: {why}")

    try:
        for number in range(min(workers, len(todo))):
            slots.append(new_slot(number))
        if warm is not None:
            warm.wait_until_ready()
        for slot in slots:
            if queue:
                slot.give(queue.pop())
        while any(slot.task for slot in slots):
            busy = [slot for slot in slots if slot.task]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=1.0)
            for index, slot in enumerate(slots):
                if not slot.task:
                    continue
                lost = None  # the worker is gone or stuck: record the submission, replace the worker
                if slot.conn in ready:
                    try:
                        message = slot.conn.recv()
                        if message == "ready":
                            slot.ready = True
                            continue
                        _, verdict, texts, error = message
                    except (EOFError, OSError, ValueError, TypeError):
                        lost = "the grading worker died on this submission"
                    else:
                        if error:
                            record_failure(slot.task, f"the grader failed on this submission ({error})")
                        else:
                            record(slot.task, Verdict.from_dict(verdict), texts=texts)
                elif slot.process.sentinel in ready or not slot.process.is_alive():
                    lost = "the grading worker died on this submission"
                elif time.monotonic() - slot.started > WALL_SLACK * limits.total_timeout + GRACE:
                    lost = f"grading took over {WALL_SLACK * limits.total_timeout + GRACE:.0f} s and was stopped"
                else:
                    continue
                if lost and not slot.ready:
                    raise WorkerCannotStart(
                        f"a grading worker could not start (exit code {slot.process.exitcode}); no submission "
                        "was charged for it. Check the grader's installation (a Python script read from "
                        "standard input cannot start workers: run it from a file, or use eecs182 grade)")
                if lost:
                    record_failure(slot.task, lost)
                    slot.task = None
                    slot.stop(wait_seconds=0)
                    slots[index] = slot = new_slot(slot.number)
                slot.task = None
                if queue:
                    slot.give(queue.pop())
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        bar.close()
        for slot in slots:
            slot.stop(wait_seconds=0 if summary.interrupted else 15)
    return done
