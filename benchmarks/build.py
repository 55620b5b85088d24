"""`eecs182 build`'s build and verification, in two tables, each pairing two ways in turns in
one process (pairing keeps the ratio fair on a noisy machine):

1. as it runs (``generator.build.build_and_verify``: the blank student notebook's run beside
   the solution's, the judge's two runs beside the leak check) against every step one after
   the other, each into a fresh folder, no cache;
2. a rebuild after editing only prose (a sentence added to the template, in a copy of the
   assignment's folder), with the build cache warm (``generator.cache``), against a full
   rebuild without it.

    .venv/bin/python benchmarks/build.py [--pairs 3] [disc01 disc02 ...]

Each table gives each way's median seconds and the median of the per-pair ratios.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assignment.model import Assignment, all_assignments  # noqa: E402
from generator.build import build_and_verify  # noqa: E402
from generator.cache import BuildCache  # noqa: E402
from generator.release import build_release  # noqa: E402
from generator.verify import (  # noqa: E402
    check_blank_student_zero,
    check_no_leaks,
    check_pages_offline,
    check_solution_full_marks,
    run_blank_student,
)


def one_after_the_other(assignment, out):
    release = build_release(assignment, out)
    return release, [check(release) for check in (check_pages_offline, check_no_leaks, check_solution_full_marks,
                                                  run_blank_student, check_blank_student_zero)]


def no_cache(assignment, out):
    return build_and_verify(assignment, out, cache=BuildCache(Path(out) / ".cache", enabled=False))


def timed(build, assignment, out=None):
    with tempfile.TemporaryDirectory() as fresh:
        start = time.perf_counter()
        _, checks = build(assignment, out or fresh)
        seconds = time.perf_counter() - start
    if not all(c.passed for c in checks):
        raise SystemExit(f"{assignment.name}: the release did not verify: {[c for c in checks if not c.passed]}")
    return seconds


def prose_rebuilds(assignment, pairs):
    """[(full rebuild, prose-only rebuild with the cache)] seconds, in turns."""
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "src" / assignment.name
        shutil.copytree(assignment.root, root, ignore=shutil.ignore_patterns("__pycache__"))
        out = Path(work) / "dist"
        cached = lambda a, o: build_and_verify(a, o, cache=BuildCache(Path(o) / ".cache"))  # noqa: E731
        timed(cached, Assignment.load(root), out)  # fills the cache
        template = root / assignment.template
        times = []
        for n in range(pairs):
            full = timed(no_cache, Assignment.load(root))
            template.write_text(template.read_text() + f"\n\nEdited prose, number {n}.\n")
            times.append((full, timed(cached, Assignment.load(root), out)))
        return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    assignments = [Assignment.named(n) for n in args.names] or all_assignments()
    rows, prose = [], []
    for assignment in assignments:
        timed(no_cache, assignment)  # warm-up: imports, the reference's first calls
        beside, serial = [], []
        for _ in range(args.pairs):
            beside.append(timed(no_cache, assignment))
            serial.append(timed(one_after_the_other, assignment))
        rows.append((assignment.name, serial, beside))
        prose.append((assignment.name, *zip(*prose_rebuilds(assignment, args.pairs))))
    _table(f"build + verify, no cache, median of {args.pairs} pairs (s)", ("one after", "beside"), rows)
    _table(f"rebuild after a prose edit, median of {args.pairs} pairs (s)", ("full", "cached"), prose)


def _table(title, ways, rows):
    print(f"\n{title}")
    print(f"  {'assignment':<12} {ways[0]:>10} {ways[1]:>8} {'ratio':>6}  (min-max)")
    for name, first, second in rows:
        ratios = [b / a for a, b in zip(first, second)]
        print(f"  {name:<12} {statistics.median(first):>10.1f} {statistics.median(second):>8.1f} "
              f"{statistics.median(ratios):>6.2f}  ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
