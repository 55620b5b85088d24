"""Gradescope's entry point: ``run_autograder`` in the zip runs ``python run_otter.py``, which
calls ``main("/autograder")`` here.

It grades the upload with the judge and writes ``results/results.json`` with otter's own
result objects: one test per question (full detail once grades are published) and otter's
"Public Tests" summary (always visible, public cases only), and, where the grading environment
fell short (no network namespace, say), a hidden "Grading environment" test that only the
staff see.

Before the kernel starts it makes ``/autograder`` root's alone (mode 0700, and 0600 on the
files at its top): the kernel, running as an unprivileged user (created here if the image never
ran ``setup.sh``), can read nothing of it: not the source and casebook, not the upload, and
not ``submission_metadata.json``, where Gradescope keeps every earlier submission's results,
hidden feedback included. The kernel gets its own folder in /tmp with the support files. It
always writes a results file, last, atomically, after every process the submission started is
gone and every file its user left in shared places is removed.
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

from autograder.files import write_atomically

LOCKED = ("source", "results", "submission")


def main(root="/autograder"):
    root = Path(os.environ.get("EECS182_AUTOGRADER_ROOT", root))
    started = time.monotonic()
    results_path = root / "results" / "results.json"
    try:
        results = grade(root)
    except Exception:  # the grader's own failure: say so, and still write a result
        results = failed_results(traceback.format_exc())
    results["execution_time"] = round(time.monotonic() - started, 2)
    write_atomically(results_path, json.dumps(results, indent=2))
    print(results.get("output", "").encode("ascii", "replace").decode())
    return results


def grade(root):
    from autograder.judge import Casebook, Limits, judge_submission
    from autograder.judge.submission import verdict_without_kernel
    from autograder.judge.upload import find_upload
    from autograder.judge.user import prepare_user

    source = root / "source"
    casebook = Casebook.read(source / "casebook.json")
    user = None
    if os.geteuid() == 0:
        user = prepare_user()
        lock(root)
    upload, problem = find_upload(root / "submission", casebook.assignment)
    verdict = verdict_without_kernel(casebook, upload, problem)
    if verdict is None:
        verdict = judge_submission(upload, casebook, source / "files", Limits(user=user))
    if user is None:
        verdict.staff_notes.append("the kernel ran as the grader's own user (the grader was not root), "
                                   "so it could read the autograder's files")
    return gradescope_results(verdict)


def lock(root):
    """/autograder and what lies in it, readable by root alone; the kernel's user keeps only
    what it is handed elsewhere (its own folder in /tmp)."""
    for name in LOCKED:
        (root / name).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    for entry in root.iterdir():
        if entry.is_symlink():
            continue
        os.chmod(entry, 0o700 if entry.is_dir() else 0o600)


def gradescope_results(verdict):
    from otter.run.run_autograder.autograder_config import AutograderConfig
    from otter.test_files import GradingResults

    from autograder.gradescope.results import JudgedTestFile

    results = GradingResults([JudgedTestFile.from_question(q) for q in verdict.questions])
    results.output = overview(verdict)
    # show_hidden: each question's whole result is released with the grades ("after_published");
    # the public cases' summary stays visible throughout.
    config = AutograderConfig({"show_hidden": True, "force_public_test_summary": True})
    output = results.to_gradescope_dict(config)
    output["score"] = round(verdict.score, 5)
    # Gradescope renders Markdown where it is told to: the overview and every test's output.
    output["output_format"] = output["test_output_format"] = "md"
    if verdict.staff_notes:
        output["tests"].append({"name": "Grading environment (staff only)", "visibility": "hidden",
                                "output": "\n".join(f"Note: {note}" for note in verdict.staff_notes)})
    return output


def overview(verdict):
    """The top of the results page, in Markdown: the score, what to fix first, the notes."""
    from autograder.judge.verdict import markdown_text

    lines = [f"**{verdict.score:g} of {verdict.max_score:g} autograded points.**"]
    if verdict.status != "graded":
        lines.append(f"Status: {markdown_text(verdict.status)}.")
    first = verdict.fix_first()
    if first is not None and verdict.status == "graded":
        first, users = first
        also = f" ({', '.join(f'`{u}`' for u in users)} {'uses' if len(users) == 1 else 'use'} it)" if users else ""
        lines.append(f"Fix first: **{markdown_text(first.name)}**, `{first.function}`{also}.")
    lines += [f"Note: {markdown_text(note)}" for note in verdict.notes]
    return "\n\n".join(lines)


def failed_results(trace):
    return {
        "score": 0,
        "output": "The autograder itself failed on this submission. Your work is not lost: "
                  "tell the course staff, who can regrade it.",
        "tests": [{"name": "Autograder error", "visibility": "hidden", "status": "failed",
                   "output": trace[-20000:]}],
    }


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/autograder")
