"""The default ReLU experiment: the course-style loop against the engine, in one run.

    .venv/bin/python benchmarks/relu_experiment.py [--slice 2000] [--full] [--seeds 30]
                                                   [--against REV]

Course-style: one nn.Sequential per run and a torch.optim.SGD step per minibatch, recording
state and test MSE every 1,000 steps, as the original notebook did. By default it times the
first ``--slice`` steps of each of the six runs and extrapolates to 150,000; ``--full`` runs it
all (about 15 minutes). The engine is timed cold (a fresh process and an empty numba cache, so
compilation counts) and warm, with each process's peak resident memory. ``--against REV``
adds the engine of ``relu_lab.py`` at git revision REV, timed the same way in the same run.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assignment.disc01 import relu_lab as L  # noqa: E402

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {folder!r})
import relu_lab as L
t = time.perf_counter()
L.run_experiment(seeds=range({seeds}), progress=False, backend={backend!r})
first = time.perf_counter() - t
t = time.perf_counter()
L.run_experiment(seeds=range({seeds}), progress=False, backend={backend!r}) if {again} else None
again = time.perf_counter() - t
print(json.dumps(dict(first=first, again=again,
                      rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def lab_files(rev=None):
    """{name: text} of relu_lab.py and the relu_*.py files it imports, now or at git revision ``rev``."""
    folder = "assignment/disc01"
    if rev is None:
        return {p.name: p.read_text() for p in sorted((ROOT / folder).glob("relu_*.py"))}
    listed = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:{folder}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split()
    return {name: subprocess.run(["git", "show", f"{rev}:{folder}/{name}"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout
            for name in listed if name.startswith("relu_") and name.endswith(".py")}


def engine_in_fresh_process(seeds=1, backend="auto", again=True, files=None):
    """(first call, second call, peak RSS MB) in a new interpreter with an empty numba cache,
    for the engine in ``files`` (``lab_files``; default: the current ones)."""
    files = files or lab_files()
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            Path(folder, name).write_text(text)
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        code = CHILD.format(folder=folder, seeds=seeds, backend=backend, again=again)
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return r["first"], r["again"], r["rss_mb"]


def course_style_loop(steps_per_run, config=None):
    """The original notebook's training loop, for every width and regime; returns seconds."""
    config = config or L.ExperimentConfig()
    data = config.dataset()
    x = torch.tensor(data.x_train, dtype=torch.float32).reshape(-1, 1)
    y = torch.tensor(data.y_train, dtype=torch.float32).reshape(-1, 1)
    x_test = torch.tensor(data.x_test, dtype=torch.float32).reshape(-1, 1)
    y_test = torch.tensor(data.y_test, dtype=torch.float32).reshape(-1, 1)
    start = time.perf_counter()
    for width in config.widths:
        for g, regime in enumerate(config.regimes):
            net = L.make_network(width, 0)
            params = net.parameters() if regime.train_all_layers else net[2].parameters()
            opt = torch.optim.SGD(params, lr=regime.lr)
            rng = L.minibatch_rng(0, width, g)
            history = []
            for step in range(steps_per_run):
                idx = rng.integers(0, x.shape[0], size=config.batch_size)
                loss = torch.nn.functional.mse_loss(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                if step % config.record_every == 0:
                    with torch.no_grad():
                        test = torch.nn.functional.mse_loss(net(x_test), y_test).item()
                    history.append((copy.deepcopy(net.state_dict()), loss.item(), test))
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slice", type=int, default=3000, help="course-style steps per run to time")
    ap.add_argument("--full", action="store_true", help="run the course-style loop in full")
    ap.add_argument("--seeds", type=int, default=30, help="seeds for the error-bar row")
    ap.add_argument("--no-numpy", action="store_true", help="skip the numpy-fallback row")
    ap.add_argument("--against", metavar="REV",
                    help="also time the engine (relu_lab.py and its files) at this git revision")
    args = ap.parse_args()
    steps = L.ExperimentConfig().steps

    sliced = steps if args.full else args.slice
    course = course_style_loop(sliced) * steps / sliced
    cold, warm, rss = engine_in_fresh_process()
    rows = [
        ("course-style loop" + ("" if args.full else f" ({sliced:,}/run, extrapolated)"), course, None),
        ("engine, cold (new process, compiles)", cold, rss),
        ("engine, warm", warm, rss),
    ]
    if args.against:
        base_cold, base_warm, base_rss = engine_in_fresh_process(files=lab_files(args.against))
        rows.insert(1, (f"engine at {args.against}, cold", base_cold, base_rss))
        rows.insert(2, (f"engine at {args.against}, warm", base_warm, base_rss))
    if not args.no_numpy:
        first, _, rss_np = engine_in_fresh_process(backend="numpy", again=False)
        rows.append(("engine, numpy fallback (no numba)", first, rss_np))
    _, seeds_warm, rss_seeds = engine_in_fresh_process(seeds=args.seeds)
    rows.append((f"engine, warm, {args.seeds} seeds", seeds_warm, rss_seeds))

    print(f"\nDefault experiment: 3 widths x 2 regimes x {steps:,} SGD steps "
          f"({os.cpu_count()} cores, torch {torch.__version__}, numpy {np.__version__})\n")
    print(f"| {'what':<52} | {'seconds':>8} | {'x faster than course':>20} | {'peak RSS MB':>11} |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 22}|{'-' * 13}|")
    for name, secs, mem in rows:
        mem_s = f"{mem:.0f}" if mem is not None else "-"
        print(f"| {name:<52} | {secs:8.2f} | {course / secs:20.1f} | {mem_s:>11} |")


if __name__ == "__main__":
    main()
