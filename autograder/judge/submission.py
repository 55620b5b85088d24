"""One submission, from the file a student uploaded to its verdict.

A submission is a notebook, or the zip the notebook's export cell wrote (the notebook inside is
graded). Anything else gets a verdict that says what is wrong and what to upload instead.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.judge.limits import Limits
from autograder.judge.runner import run_submission
from autograder.judge.upload import UnreadableSubmission, read_notebook, what_to_upload
from autograder.judge.user import remove_files_of
from autograder.judge.uses import graded_calls
from autograder.judge.verdict import QuestionResult, Verdict, explain_dependencies, judge_question

if TYPE_CHECKING:
    from autograder.judge.casebook import Casebook
    from autograder.judge.protocols import Launcher


def unreadable_verdict(casebook: Casebook, why: str) -> Verdict:
    """Zero on every question, for ``why``."""
    return Verdict(status="unreadable", notes=[why], questions=[
        QuestionResult(q.name, q.function, q.points, 0.0, [], why) for q in casebook.questions])


def nothing_submitted(casebook: Casebook) -> Verdict:
    return unreadable_verdict(casebook, f"no file was submitted: {what_to_upload(casebook.assignment)}")


def verdict_without_kernel(casebook: Casebook, upload: str | Path | None, problem: str | None) -> Verdict | None:
    """The verdict of an upload that needs no kernel (none found, or one that cannot be read),
    from what ``upload.find_upload`` said; None when it is to be judged. Gradescope's entry point
    and local grading both decide this way."""
    if upload is None:
        return unreadable_verdict(casebook, problem) if problem else nothing_submitted(casebook)
    return unreadable_verdict(casebook, problem) if problem else None


def judge_submission(path: str | Path, casebook: Casebook, support_dir: str | Path, limits: Limits | None = None,
                     launcher: Launcher | None = None) -> Verdict:
    """Grade one uploaded file. Never raises for a bad submission: the verdict says what failed.
    ``launcher`` starts its kernels (default: a new process per kernel, ``kernel.ColdLauncher``)."""
    limits = limits or Limits()
    casebook.register_kinds()
    try:
        nb = read_notebook(path, casebook.assignment)
    except UnreadableSubmission as exc:
        return unreadable_verdict(casebook, str(exc))
    notes = []
    assignment = nb.metadata.get("otter", {}).get("assignment_name")
    if assignment != casebook.assignment:
        notes.append(f"this notebook is not marked as {casebook.assignment} (was it copied into a new "
                     "notebook?); it was graded anyway")
    with tempfile.TemporaryDirectory(prefix="eecs182-submission-", ignore_cleanup_errors=True) as folder:
        work = Path(folder)
        # otter's zip has no files/ folder for an assignment without support files.
        supports = Path(support_dir).iterdir() if Path(support_dir).is_dir() else ()
        for support in supports:
            if support.is_file() and support.suffix == ".py":
                shutil.copy2(support, work / support.name)
        report = run_submission(nb, work, casebook, limits, launcher)
    verdict = Verdict(notes=notes + report.notes, seconds=report.seconds, staff_notes=report.staff_notes)
    if limits.user:
        left = remove_files_of(limits.user)
        if left:
            verdict.staff_notes.append(f"removed what the kernel left in shared folders: {left}")
    if report.timed_out:
        verdict.status = "timed out"
    for q in casebook.questions:
        outcomes = report.outcomes.get(q.name, [None] * len(q.cases))
        verdict.questions.append(judge_question(q, outcomes, report.problems.get(q.name, ""), casebook.score_from))
    explain_dependencies(verdict.questions, graded_calls(nb, [q.function for q in casebook.questions]))
    return verdict
