"""`eecs182 build`'s build and verification as it runs (``generator.build.build_and_verify``:
the blank student notebook's run beside the solution's, the judge's two runs beside the leak
check) against every step one after the other, in turns, in one process: pairing keeps the
ratio fair on a noisy machine.

    .venv/bin/python benchmarks/build.py [--pairs 3] [disc01 disc02 ...]

Each pair builds into a fresh folder; the table gives each way's median seconds and the
median of the per-pair ratios (beside / one after the other).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assignment.model import Assignment, all_assignments  # noqa: E402
from generator.build import build_and_verify  # noqa: E402
from generator.release import build_release  # noqa: E402
from generator.verify import (check_blank_student_zero, check_no_leaks, check_pages_offline,  # noqa: E402
                              check_solution_full_marks, run_blank_student)


def one_after_the_other(assignment, out):
    release = build_release(assignment, out)
    return release, [check(release) for check in (check_pages_offline, check_no_leaks, check_solution_full_marks,
                                                  run_blank_student, check_blank_student_zero)]


def timed(build, assignment):
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        _, checks = build(assignment, out)
        seconds = time.perf_counter() - start
    if not all(c.passed for c in checks):
        raise SystemExit(f"{assignment.name}: the release did not verify: {[c for c in checks if not c.passed]}")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    assignments = [Assignment.named(n) for n in args.names] or all_assignments()
    rows = []
    for assignment in assignments:
        timed(build_and_verify, assignment)  # warm-up: imports, the reference's first calls
        beside, serial = [], []
        for _ in range(args.pairs):
            beside.append(timed(build_and_verify, assignment))
            serial.append(timed(one_after_the_other, assignment))
        ratios = [b / s for b, s in zip(beside, serial)]
        rows.append((assignment.name, statistics.median(serial), statistics.median(beside), statistics.median(ratios),
                     min(ratios), max(ratios)))
    print(f"\nbuild + verify, median of {args.pairs} pairs (s)")
    print(f"  {'assignment':<12} {'one after':>10} {'beside':>8} {'ratio':>6}  (min-max)")
    for name, serial, beside, ratio, low, high in rows:
        print(f"  {name:<12} {serial:>10.1f} {beside:>8.1f} {ratio:>6.2f}  ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
