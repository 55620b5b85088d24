"""Local grading of a class of honest submissions: as root, rootless, and against plain
``otter run -a`` (and, with ``--against REV``, the ``eecs182 grade`` of an older revision), in
one run, on the same batch and the same autograder zip.

    .venv/bin/python benchmarks/grading.py [--submissions 120] [--otter-sample 3] [--against REV]

The batch: correct solutions, partly answered notebooks, notebooks with one to three catalogued
mistakes, and blank ones (hostile work is the tests' business; its time is its timeouts).
``eecs182 grade`` runs with its defaults (sandbox on, one worker more than the cores). Rootless
runs it as a plain user (``eecs182-ta``, made if missing) when this script runs as root; it is
skipped otherwise. otter grades a sample, one submission after another, as a TA without
Docker would. For each, the table gives seconds per submission, the ratio against this
revision as root, and the batch's peak memory: the largest sum, over samples every 0.1 s, of
the proportional set size (PSS: pages shared by forked kernels count once in all) of the
grading command and every process below it.
"""

import argparse
import json
import os
import pwd
import random
import shlex
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assignment.disc01.mistakes import MISTAKES  # noqa: E402
from assignment.model import Assignment  # noqa: E402
from generator import pipelines  # noqa: E402
from generator.gradescope import build_autograder  # noqa: E402
from generator.layout import Release  # noqa: E402
from generator.steps import run_pipeline  # noqa: E402

TA = "eecs182-ta"
# How many students write q2_train: a plain PyTorch loop with an optimiser and backward(), right.
TORCH_LOOP = """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    params = net.parameters() if train_all_layers else net[2].parameters()
    optimiser = torch.optim.SGD(params, lr=lr)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        optimiser.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses
"""


def make_batch(folder, count, rng, torch_loop=False):
    """``count`` honest submissions, written into ``folder``; returns their kinds. ``torch_loop``:
    a class whose every student trains with a PyTorch optimiser loop (``TORCH_LOOP``)."""
    assignment = Assignment.named("disc01")
    nbs = {v: run_pipeline(pipelines.RENDER, dict(assignment=assignment, variant=v, seed=assignment.term_seed))
           for v in ("student", "solution")}
    answers = {c.metadata.question: c.source for c in nbs["solution"].cells if c.metadata.get("question")}
    if torch_loop:
        answers["q2_train"] = TORCH_LOOP
    questions = list(answers)
    kinds = []
    for i in range(count):
        slot = i % 20
        if slot < 8:
            kinds.append(("solution", dict(answers)))
        elif slot < 13:
            chosen = rng.sample(questions, rng.randint(3, len(questions) - 2))
            kinds.append(("partial", {q: answers[q] for q in chosen}))
        elif slot < 18:
            wrong = {m.question: m.source for m in rng.sample(MISTAKES, rng.randint(1, 3))}
            kinds.append(("mistakes", dict(answers, **wrong)))
        else:
            kinds.append(("blank", {}))
    for i, (kind, chosen) in enumerate(kinds):
        nb = nbformat.from_dict(json.loads(nbformat.writes(nbs["student"])))
        for cell in nb.cells:
            if cell.metadata.get("question") in chosen:
                cell.source = chosen[cell.metadata.question]
        nbformat.write(nb, folder / f"{i:03d}_{kind}.ipynb")
    return [k for k, _ in kinds]


def _pss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_pss_kb(root):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(_pss_kb(pid) for pid in tree)


def timed(command, **kw):
    """(seconds, peak PSS in MB of the command's process tree, completed process)."""
    peak, done = [0], threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

    def sample():
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{out}\n{err}")
    return seconds, peak[0] / 1024, out


def grade_command(folder, out, autograder_zip, tree=ROOT):
    """``eecs182 grade`` from the source tree ``tree`` (this one, or an older revision's)."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tree)!r}); "
                                  "from generator.cli import main; main()",
            "grade", str(folder), "-o", str(out), "-a", str(autograder_zip), "--no-progress"]


def plain_user(*readable):
    """The rootless TA: a plain user that can reach the Python environment and ``readable``."""
    try:
        pwd.getpwnam(TA)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", TA], check=True)
    for place in (Path(sys.executable).resolve(), Path(sys.prefix).resolve(), ROOT, *readable):
        for folder in [place, *place.parents]:
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH:
                folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
    return pwd.getpwnam(TA)


def as_user(user, command):
    return ["su", user.pw_name, "-s", "/bin/bash", "-c", shlex.join(command)]


def time_otter(notebooks, autograder_zip, timeout):
    otter = Path(sys.executable).with_name("otter")
    start = time.perf_counter()
    for notebook in notebooks:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([str(otter), "run", "-a", str(autograder_zip), "-o", out, str(notebook)],
                           capture_output=True, timeout=timeout)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=120)
    parser.add_argument("--otter-sample", type=int, default=3)
    parser.add_argument("--otter-timeout", type=float, default=120)
    parser.add_argument("--against", metavar="REV", help="also time eecs182 grade at this git revision")
    parser.add_argument("--seed", type=int, default=182)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []  # (label, submissions, seconds, peak MB)
    with tempfile.TemporaryDirectory(prefix="eecs182-bench-") as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)
        assignment = Assignment.named("disc01")
        release = Release(assignment, assignment.term_seed, tmp / "release" / "disc01")
        release.root.mkdir(parents=True)
        build_autograder(release)
        folder = tmp / "batch"
        folder.mkdir()
        kinds = make_batch(folder, args.submissions, rng)
        notebooks = sorted(folder.glob("*.ipynb"))
        n = len(notebooks)

        seconds, peak, said = timed(grade_command(folder, tmp / "out-root", release.autograder_zip))
        rows.append(("eecs182 grade, root", n, seconds, peak))
        torch_class = tmp / "batch-torch-loop"
        torch_class.mkdir()
        make_batch(torch_class, args.submissions // 4, rng, torch_loop=True)
        seconds, peak, _ = timed(grade_command(torch_class, tmp / "out-torch", release.autograder_zip))
        rows.append(("eecs182 grade, root, torch-loop class", args.submissions // 4, seconds, peak))
        classes = [(folder, n, ""), (torch_class, args.submissions // 4, ", torch-loop class")]
        if os.geteuid() == 0:
            user = plain_user(tmp)
            out = tmp / "out-rootless"
            out.mkdir()
            os.chown(out, user.pw_uid, user.pw_gid)
            seconds, peak, _ = timed(as_user(user, grade_command(folder, out, release.autograder_zip)))
            rows.append(("eecs182 grade, rootless", n, seconds, peak))
        if args.against:
            tree = tmp / "against"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.against], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                for batch, count, which in classes:
                    seconds, peak, _ = timed(grade_command(batch, tmp / f"out-against{which}", release.autograder_zip,
                                                           tree))
                    rows.append((f"eecs182 grade, root, at {args.against}{which}", count, seconds, peak))
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        sample = notebooks[: args.otter_sample]
        if sample:
            rows.append(("otter run -a, one by one", len(sample),
                         time_otter(sample, release.autograder_zip, args.otter_timeout), None))

    mix = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    print(f"batch: {n} honest submissions: " + ", ".join(f"{c} {k}" for k, c in mix.items())
          + f"; {os.cpu_count()} cores")
    print()
    base = rows[0][2] / rows[0][1]
    print(f"{'grader':<40} {'subs':>5} {'total s':>8} {'s / sub':>8} {'x this, root':>13} {'peak MB':>8}")
    for label, count, seconds, peak in rows:
        each = seconds / count
        print(f"{label:<40} {count:>5} {seconds:>8.1f} {each:>8.3f} {each / base:>13.2f} "
              f"{'' if peak is None else f'{peak:.0f}':>8}")
    print("\neecs182 grade (root) said:\n" + "\n".join("  " + line for line in said.splitlines()[:2]))


if __name__ == "__main__":
    main()
