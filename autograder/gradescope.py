"""Gradescope's entry point: ``run_autograder`` in the zip runs ``python run_otter.py``, which
calls ``main("/autograder")`` here.

It grades the upload with the judge and writes ``results/results.json`` with otter's own
result objects: one test per question (full detail once grades are published) and otter's
"Public Tests" summary (always visible, public cases only). Before the kernel starts it locks
the autograder's folders to root and runs the kernel as an unprivileged user, creating that
user if the image never ran ``setup.sh``. It always writes a results file, last, atomically,
after every process the submission started is gone.
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

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
    print(results.get("output", ""))
    return results


def grade(root):
    from autograder.judge import Casebook, Limits, judge_submission
    from autograder.judge.user import prepare_user

    source = root / "source"
    casebook = Casebook.read(source / "casebook.json")
    user = None
    if os.geteuid() == 0:
        for name in LOCKED:
            (root / name).mkdir(parents=True, exist_ok=True)
            os.chmod(root / name, 0o700)
        user = prepare_user()
    upload = find_upload(root / "submission", casebook.assignment)
    if upload is None:
        from autograder.judge.submission import nothing_submitted

        verdict = nothing_submitted(casebook)
    else:
        verdict = judge_submission(upload, casebook, source / "files", Limits(user=user))
    if user is None:
        verdict.notes.append("the kernel ran as the grader's own user (the grader was not root)")
    return gradescope_results(verdict)


def find_upload(folder, assignment):
    """The notebook (preferably ``<assignment>.ipynb``), else a zip, else any file at all."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and "__MACOSX" not in p.parts)
    for choice in ([p for p in files if p.name == f"{assignment}.ipynb"],
                   [p for p in files if p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts],
                   [p for p in files if p.suffix == ".zip"], files):
        if choice:
            return choice[0]
    return None


def gradescope_results(verdict):
    from otter.run.run_autograder.autograder_config import AutograderConfig
    from otter.test_files import GradingResults

    from autograder.results import JudgedTestFile

    results = GradingResults([JudgedTestFile.from_question(q) for q in verdict.questions])
    results.output = overview(verdict)
    # show_hidden: each question's whole result is released with the grades ("after_published");
    # the public cases' summary stays visible throughout.
    config = AutograderConfig({"show_hidden": True, "force_public_test_summary": True})
    output = results.to_gradescope_dict(config)
    output["score"] = round(verdict.score, 5)
    return output


def overview(verdict):
    lines = [f"{verdict.score:g} of {verdict.max_score:g} autograded points."]
    if verdict.status != "graded":
        lines.append(f"Status: {verdict.status}.")
    lines += [f"Note: {note}" for note in verdict.notes]
    return "\n".join(lines)


def failed_results(trace):
    return {
        "score": 0,
        "output": "The autograder itself failed on this submission. Your work is not lost: "
                  "tell the course staff, who can regrade it.",
        "tests": [{"name": "Autograder error", "visibility": "hidden", "status": "failed",
                   "output": trace[-20000:]}],
    }


def write_atomically(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/autograder")
