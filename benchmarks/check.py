"""How long ``grader.check`` takes per question, as a student meets it: the public test files as
the student zip holds them, checked against the reference (passes) and against the question's
first catalogued mistake (fails, and looks for the hint and the broken functions it uses). The
baseline, in the same run: the same failing check from test files written without the mistakes'
outputs and the functions used (what grader.check had before it named mistakes).

    python benchmarks/check.py [--repeat N]

Prints a table per assignment: the median seconds of N checks each (after one warm-up, as in a
notebook where otter is already imported), and the failing check's ratio to its baseline.
"""

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assignment.model import all_assignments  # noqa: E402
from generator.casebook import build_casebook  # noqa: E402
from generator.testfiles import render_test_file, write_tests  # noqa: E402


def median_seconds(grader, question, env, repeat):
    grader.check(question, global_env=env)  # warm-up: the test file is read and compiled once
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        grader.check(question, global_env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import otter

    warnings.simplefilter("ignore")
    for assignment in all_assignments():
        reference = assignment.reference_module()
        catalogue = getattr(importlib.import_module(assignment.cases_module), "MISTAKES", [])
        casebook = build_casebook(assignment, assignment.term_seed)
        with tempfile.TemporaryDirectory() as folder:
            write_tests(casebook, reference, Path(folder) / "tests", include_hidden=False)
            (Path(folder) / "plain").mkdir()
            for q in casebook.questions:  # the baseline: no mistakes' outputs, no functions used
                bare = replace(q, cases=tuple(replace(c, diagnoses=[]) for c in q.cases))
                (Path(folder) / "plain" / f"{q.name}.py").write_text(render_test_file(bare, False))
            here = os.getcwd()
            os.chdir(folder)
            try:
                grader, plain = otter.Notebook(tests_dir="tests"), otter.Notebook(tests_dir="plain")
                print(f"\n{assignment.name}: grader.check, median of {args.repeat} (s)")
                print(f"  {'question':<18} {'passes':>8} {'fails':>8} {'baseline':>9} {'ratio':>6}  mistake")
                worst = 0.0
                for q in assignment.questions:
                    right = {name: getattr(reference, name) for name in dir(reference) if not name.startswith("_")}
                    passes = median_seconds(grader, q.name, right, args.repeat)
                    mistake = next((m for m in catalogue if m.question == q.name), None)
                    fails = baseline = float("nan")
                    if mistake:
                        wrong = dict(right, **{q.function: mistake.function(q.function)})
                        fails = median_seconds(grader, q.name, wrong, args.repeat)
                        baseline = median_seconds(plain, q.name, wrong, args.repeat)
                    worst = max(worst, passes, fails if fails == fails else 0.0)
                    print(f"  {q.name:<18} {passes:>8.3f} {fails:>8.3f} {baseline:>9.3f} {fails / baseline:>6.2f}  "
                          f"{mistake.name if mistake else '-'}")
                print(f"  slowest: {worst:.3f} s")
            finally:
                os.chdir(here)


if __name__ == "__main__":
    main()
