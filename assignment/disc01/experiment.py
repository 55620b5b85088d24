"""``eecs182 run disc01 experiment``: run the ReLU experiment, save its history and figures.

Discussion 1 declares this command in its ``assignment.toml`` (``[commands]``).
"""

import dataclasses
import math
import re
import time
from pathlib import Path

import click

from assignment.disc01 import relu_lab


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("dist/experiment"), show_default=True,
              help="Folder for the history (npz) and the figures (PNG).")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Repeat the experiment over this many seeds (error bars when > 1).")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="SGD steps per run (default: the course's 150,000).")
@click.option("--backend", type=click.Choice(["auto", "numba", "numpy"]), default="auto",
              show_default=True)
def experiment(out_dir, seeds, steps, backend):
    """Run the Discussion 1 ReLU SGD experiment and write its history and figures."""
    run_and_report(out_dir, n_seeds=seeds, steps=steps, backend=backend)


def run_and_report(out_dir, n_seeds=1, steps=None, backend="auto"):
    out_dir.mkdir(parents=True, exist_ok=True)
    config = relu_lab.ExperimentConfig()
    if steps is not None:
        # Record as often as the course did, or at the largest interval that divides the run.
        config = dataclasses.replace(config, steps=steps, record_every=math.gcd(config.record_every, steps))
    start = time.perf_counter()
    exp = relu_lab.run_experiment(config, seeds=range(n_seeds), backend=backend)
    elapsed = time.perf_counter() - start
    exp.save(out_dir / "history.npz")
    click.echo(f"{len(exp.runs)} runs x {config.steps:,} steps in {elapsed:.1f} s -> {out_dir}")
    written = [out_dir / "history.npz", *write_figures(exp, out_dir)]
    click.echo("wrote:\n" + "\n".join(f"  {path}" for path in written))
    return exp


def write_figures(exp, out_dir):
    """For every width and regime, ``fit_w{width}_{regime}.png`` (the final learned function of
    the first seed with every unit's ReLU and elbow) and ``mse_w{width}_{regime}.png`` (train
    and test error; with several seeds, their median and 25th-75th percentile band)."""
    import matplotlib

    matplotlib.use("Agg")  # the command runs on servers and in CI, without a display
    import matplotlib.pyplot as plt

    # Instructor side: the reference answer may draw the elbows here, never in relu_lab.
    from solutions.disc01 import elbows

    paths = []
    for width in exp.config.widths:
        for regime in exp.config.regimes:
            name = f"w{width}_{_slug(regime.name)}.png"
            run = exp.run_index(width, regime)

            fig, ax = plt.subplots(figsize=(9, 5))
            relu_lab.plot_fit(exp, run, elbows_fn=elbows, ax=ax)
            paths.append(_save(fig, out_dir / f"fit_{name}"))

            fig, ax = plt.subplots(figsize=(9, 4.5))
            if len(exp.seeds) > 1:
                relu_lab.plot_mse_across_seeds(exp, width, regime, ax=ax)
            else:
                relu_lab.plot_mse(exp, [run], ax=ax)
            paths.append(_save(fig, out_dir / f"mse_{name}"))
    return paths


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _save(fig, path):
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")  # tight: keeps the outside legend
    finally:
        plt.close(fig)
    return path
