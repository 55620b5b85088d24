"""Local grading against plain ``otter run -a``, on the same varied batch, in one run.

    .venv/bin/python benchmarks/grading.py [--submissions 40] [--otter-timeout 60] [--otter-sample N]

The batch: honest solutions, blank notebooks, partly answered ones, catalogued mistakes,
functions that raise, and hostile ones (an infinite loop, os._exit, a print flood, a kernel
that kills itself). It is graded by ``eecs182 grade`` with its defaults (sandbox on, one worker
more than the cores), then by
``otter run -a`` on the same autograder zip, one submission after another, as a TA without
Docker would. otter has no per-cell timeout, so each of its runs is stopped after
``--otter-timeout`` seconds (counted as such). ``--otter-sample N`` runs otter on only the first
N submissions (the table says so). Prints seconds per submission for both and the ratio.
"""

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assignment.model import Assignment  # noqa: E402
from autograder.cases.disc01_mistakes import MISTAKES  # noqa: E402
from generator import pipelines  # noqa: E402
from generator.release import Release, build_autograder  # noqa: E402
from generator.steps import run_pipeline  # noqa: E402

HOSTILE = [
    ("loops_forever", {"q1a_grad": "def grad_const(theta, y):\n    while True:\n        pass\n"}, []),
    ("exits_in_a_function", {"q1a_opt": "def theta_star_const(y):\n    import os\n    os._exit(0)\n"}, []),
    ("floods", {}, ["for _ in range(10**6):\n    print('spam ' * 20)"]),
    # (No fork bomb: plain otter would run it unconfined on this machine.)
    ("kills_its_kernel", {}, ["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"]),
]


def make_batch(folder, count, rng):
    """``count`` submissions of every kind, written into ``folder``."""
    assignment = Assignment.named("disc01")
    nbs = {v: run_pipeline(pipelines.RENDER, dict(assignment=assignment, variant=v, seed=assignment.term_seed))
           for v in ("student", "solution")}
    answers = {c.metadata.question: c.source for c in nbs["solution"].cells if c.metadata.get("question")}
    questions = list(answers)
    kinds = []
    for i in range(count):
        slot = i % 10
        if slot in (0, 1, 2):
            kinds.append(("solution", dict(answers), []))
        elif slot == 3:
            kinds.append(("blank", {}, []))
        elif slot in (4, 5):
            chosen = rng.sample(questions, rng.randint(3, len(questions) - 2))
            kinds.append(("partial", {q: answers[q] for q in chosen}, []))
        elif slot in (6, 7):
            mistake = rng.choice(MISTAKES)
            kinds.append(("mistake", dict(answers, **{mistake.question: mistake.source}), []))
        elif slot == 8:
            question = rng.choice(questions)
            function = next(q.function for q in assignment.questions if q.name == question)
            broken = answers[question].replace(f"def {function}(", f"def {function}(*_a, **_k):\n"
                                               "    raise ValueError('oops')\ndef _unused(", 1)
            kinds.append(("raises", dict(answers, **{question: broken}), []))
        else:
            name, replaced, cells = HOSTILE[(i // 10) % len(HOSTILE)]
            kinds.append((name, dict(answers, **replaced), cells))
    for i, (kind, chosen, cells) in enumerate(kinds):
        nb = nbformat.from_dict(json.loads(nbformat.writes(nbs["student"])))
        for cell in nb.cells:
            if cell.metadata.get("question") in chosen:
                cell.source = chosen[cell.metadata.question]
        nb.cells[9:9] = [nbformat.v4.new_code_cell(src) for src in cells]
        nbformat.write(nb, folder / f"{i:02d}_{kind}.ipynb")
    return [k[0] for k in kinds]


def time_local(folder, out, autograder_zip):
    start = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).with_name("eecs182")), "grade", str(folder), "-o", str(out),
                           "-a", str(autograder_zip), "--no-progress"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"eecs182 grade failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, proc.stdout


def time_otter(notebooks, autograder_zip, timeout):
    otter = Path(sys.executable).with_name("otter")
    timed_out = 0
    start = time.perf_counter()
    for notebook in notebooks:
        with tempfile.TemporaryDirectory() as out:
            try:
                subprocess.run([str(otter), "run", "-a", str(autograder_zip), "-o", out, str(notebook)],
                               capture_output=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out += 1
    return time.perf_counter() - start, timed_out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--otter-timeout", type=float, default=60)
    parser.add_argument("--otter-sample", type=int, default=None)
    parser.add_argument("--seed", type=int, default=182)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="eecs182-bench-") as tmp:
        tmp = Path(tmp)
        assignment = Assignment.named("disc01")
        release = Release(assignment, assignment.term_seed, tmp / "release" / "disc01")
        release.root.mkdir(parents=True)
        build_autograder(release)
        folder = tmp / "batch"
        folder.mkdir()
        kinds = make_batch(folder, args.submissions, rng)
        notebooks = sorted(folder.glob("*.ipynb"))

        local_seconds, report = time_local(folder, tmp / "out", release.autograder_zip)
        sample = notebooks[: args.otter_sample] if args.otter_sample else notebooks
        otter_seconds, otter_timeouts = time_otter(sample, release.autograder_zip, args.otter_timeout)
        shutil.rmtree(tmp / "out", ignore_errors=True)

    mix = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    local_each, otter_each = local_seconds / len(notebooks), otter_seconds / len(sample)
    print(f"batch: {len(notebooks)} submissions: " + ", ".join(f"{n} {k}" for k, n in mix.items()))
    print()
    print(f"{'grader':<44} {'submissions':>11} {'total s':>9} {'s / submission':>15}")
    print(f"{'eecs182 grade (sandbox, warm kernels)':<44} {len(notebooks):>11} {local_seconds:>9.1f} "
          f"{local_each:>15.2f}")
    label = f"otter run -a, one by one ({otter_timeouts} stopped at {args.otter_timeout:.0f} s)"
    print(f"{label:<44} {len(sample):>11} {otter_seconds:>9.1f} {otter_each:>15.2f}")
    print(f"\nratio (otter / eecs182 grade, per submission): {otter_each / local_each:.1f}x")
    print("\neecs182 grade said:\n" + "\n".join("  " + line for line in report.splitlines()[:3]))


if __name__ == "__main__":
    main()
