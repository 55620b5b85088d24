"""One submission, from the file a student uploaded to its verdict.

A submission is a notebook, or the zip the notebook's export cell wrote (the notebook inside is
graded). Anything else gets a verdict that says what is wrong and what to upload instead.
"""

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat

from autograder.judge.runner import Limits, run_submission
from autograder.judge.uses import graded_calls
from autograder.judge.verdict import QuestionResult, Verdict, explain_dependencies, judge_question

MAX_NOTEBOOK_BYTES = 50 << 20


class UnreadableSubmission(ValueError):
    """The upload is not a notebook we can run; the message says what to upload instead."""


def _what_to_upload(casebook):
    return f"upload {casebook.assignment}.ipynb or the zip its export cell made"


def read_notebook(path, casebook):
    """The submission's notebook (nbformat 4), or UnreadableSubmission saying why not."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableSubmission(f"no file at {path}")
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        data = _notebook_from_zip(path, casebook)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise UnreadableSubmission(f"the notebook is {len(data) >> 20} MB, over the "
                                   f"{MAX_NOTEBOOK_BYTES >> 20} MB limit: clear its outputs and save again")
    if not data.strip():
        raise UnreadableSubmission(f"the file is empty: {_what_to_upload(casebook)}")
    if data.startswith(b"%PDF"):
        raise UnreadableSubmission(f"this is a PDF, not a notebook: {_what_to_upload(casebook)}")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UnreadableSubmission(f"this is not a notebook (not JSON): {_what_to_upload(casebook)}") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise UnreadableSubmission(f"this JSON file is not a notebook: {_what_to_upload(casebook)}")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's errors vary by version
        raise UnreadableSubmission(f"the notebook could not be read ({type(exc).__name__}: {exc})") from None
    if not any(c.cell_type == "code" for c in nb.cells):
        raise UnreadableSubmission("the notebook has no code cells")
    return nb


def unreadable_verdict(casebook, why):
    """Zero on every question, for ``why``."""
    return Verdict(status="unreadable", notes=[why], questions=[
        QuestionResult(q.name, q.function, q.points, 0.0, [], why) for q in casebook.questions])


def nothing_submitted(casebook):
    return unreadable_verdict(casebook, f"no file was submitted: {_what_to_upload(casebook)}")


def _notebook_from_zip(path, casebook):
    with zipfile.ZipFile(path) as zf:
        notebooks = [n for n in zf.namelist() if n.endswith(".ipynb") and "checkpoint" not in n
                     and not n.startswith("__MACOSX")]
        if not notebooks:
            raise UnreadableSubmission(f"the zip holds no notebook: {_what_to_upload(casebook)}")
        # otter's export zip holds the notebook at its top level; prefer the assignment's name.
        notebooks.sort(key=lambda n: (Path(n).name != f"{casebook.assignment}.ipynb", n.count("/"), n))
        info = zf.getinfo(notebooks[0])
        if info.file_size > MAX_NOTEBOOK_BYTES:
            raise UnreadableSubmission(f"the notebook in the zip is over {MAX_NOTEBOOK_BYTES >> 20} MB")
        return zf.read(info)


def judge_submission(path, casebook, support_dir, limits=None, launcher=None):
    """Grade one uploaded file. Never raises for a bad submission: the verdict says what failed.
    ``launcher`` starts its kernels (default: a new process per kernel, ``runner.ColdLauncher``)."""
    limits = limits or Limits()
    casebook.register_kinds()
    try:
        nb = read_notebook(path, casebook)
    except UnreadableSubmission as exc:
        return unreadable_verdict(casebook, str(exc))
    notes = []
    assignment = nb.metadata.get("otter", {}).get("assignment_name")
    if assignment != casebook.assignment:
        notes.append(f"this notebook is not marked as {casebook.assignment} (was it copied into a new "
                     "notebook?); it was graded anyway")
    with tempfile.TemporaryDirectory(prefix="eecs182-submission-") as work:
        work = Path(work)
        for support in Path(support_dir).iterdir():
            if support.is_file() and support.suffix == ".py":
                shutil.copy2(support, work / support.name)
        report = run_submission(nb, work, casebook, limits, launcher)
    verdict = Verdict(notes=notes + report.notes, seconds=report.seconds)
    if report.timed_out:
        verdict.status = "timed out"
    for q in casebook.questions:
        outcomes = report.outcomes.get(q.name, [None] * len(q.cases))
        verdict.questions.append(judge_question(q, outcomes, report.problems.get(q.name, "")))
    explain_dependencies(verdict.questions, graded_calls(nb, [q.function for q in casebook.questions]))
    return verdict
