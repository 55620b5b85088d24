"""The notebook as a student meets it, timed cell by cell in a real kernel (nbclient).

    .venv/bin/python benchmarks/notebook.py [--against REV] [--repeat 2]

Builds the student folder once. For each engine (the current relu_lab.py and, with
``--against``, the one at git revision REV, in the same run) it runs, in a fresh copy of the
folder with an empty numba cache:

- the experiment cell twice in one kernel (the first run compiles the engine);
- the whole notebook top to bottom with every answer filled in (the solution's code in the
  student's notebook), in a fresh kernel, numba's cache already warm and then cold;
- the export cell (no front end is attached here, so it waits 3 s for a save that cannot
  come; in JupyterLab the save takes a fraction of a second: see tests/test_browser.py).

Prints medians over ``--repeat`` rounds and the ratio baseline / current.
"""

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relu_experiment import lab_files  # noqa: E402  (beside this script)

from assignment.model import Assignment  # noqa: E402
from generator import pipelines  # noqa: E402
from generator.layout import Release  # noqa: E402
from generator.notebook_client import HeadlessNotebookClient  # noqa: E402
from generator.release import build_student  # noqa: E402
from generator.steps import run_pipeline  # noqa: E402

DISC01 = Assignment.named("disc01")


def cell_seconds(cell):
    times = cell.metadata.execution
    start, end = (datetime.datetime.fromisoformat(times[k].replace("Z", "+00:00"))
                  for k in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def execute(nb, folder):
    env_before = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = str(folder / ".numba")  # the kernel inherits it
    try:
        HeadlessNotebookClient(nb, timeout=300, kernel_name="python3",
                               resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("NUMBA_CACHE_DIR")
        else:
            os.environ["NUMBA_CACHE_DIR"] = env_before
    return nb


def answered_notebook():
    """The student notebook with the solution's code in every answer cell."""
    student = run_pipeline(pipelines.STUDENT, dict(assignment=DISC01, variant="student", seed=DISC01.term_seed))
    solution = run_pipeline(pipelines.STUDENT, dict(assignment=DISC01, variant="solution", seed=DISC01.term_seed))
    answers = {c.metadata["question"]: c.source for c in solution.cells if c.metadata.get("question")}
    for cell in student.cells:
        if cell.metadata.get("question"):
            cell.source = answers[cell.metadata["question"]]
    return student


def one_round(folder_template, engine_files, work):
    folder = work / "student"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(folder_template, folder)
    for name, text in engine_files.items():
        (folder / name).write_text(text)
    times = {}

    experiment = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import relu_lab"),
        nbformat.v4.new_code_cell("experiment = relu_lab.run_experiment()"),
        nbformat.v4.new_code_cell("experiment = relu_lab.run_experiment()"),
    ])
    experiment.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    execute(experiment, folder)
    times["experiment cell, first run (compiles)"] = cell_seconds(experiment.cells[1])
    times["experiment cell, second run"] = cell_seconds(experiment.cells[2])

    nb = answered_notebook()
    execute(nb, folder)  # numba's cache is warm from the runs above
    times["whole notebook, answered (warm cache)"] = sum(cell_seconds(c) for c in nb.cells if c.cell_type == "code")
    export = next(c for c in nb.cells if c.source.startswith("import submit"))
    times["export cell (no front end: 3 s save wait)"] = cell_seconds(export)
    times["experiment cell in the notebook (warm cache)"] = cell_seconds(
        next(c for c in nb.cells if c.source.strip() == "experiment = relu_lab.run_experiment()"))

    shutil.rmtree(folder / ".numba")
    nb = answered_notebook()
    execute(nb, folder)
    times["whole notebook, answered (cold cache)"] = sum(cell_seconds(c) for c in nb.cells if c.cell_type == "code")
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", metavar="REV",
                    help="also time the engine (relu_lab.py and its files) at this git revision")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    engines = {"current": lab_files()}
    if args.against:
        engines[args.against] = lab_files(args.against)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        release = Release(DISC01, DISC01.term_seed, tmp / "release" / "disc01")
        build_student(release)
        results = {name: [] for name in engines}
        for _ in range(args.repeat):
            for name, source in engines.items():  # alternate, so drift hits both alike
                results[name].append(one_round(release.student_dir, source, tmp / name))

    rows = list(results["current"][0])
    names = list(engines)
    print(f"\nStudent notebook, {os.cpu_count()} cores, medians of {args.repeat} rounds (seconds)\n")
    header = f"| {'what':<46} | " + " | ".join(f"{n:>10}" for n in names)
    header += " | ratio |" if len(names) > 1 else " |"
    print(header)
    print("|" + "-" * 48 + "|" + "|".join("-" * 12 for _ in names) + ("|-------|" if len(names) > 1 else "|"))
    for row in rows:
        medians = [statistics.median(r[row] for r in results[n]) for n in names]
        line = f"| {row:<46} | " + " | ".join(f"{m:10.2f}" for m in medians)
        line += f" | {medians[1] / medians[0]:5.1f} |" if len(names) > 1 else " |"
        print(line)


if __name__ == "__main__":
    main()
