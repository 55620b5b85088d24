"""``eecs182 experiment``: run the ReLU experiment, save its history and figures."""

import dataclasses
import time

import click

from assignment.disc01 import relu_lab


def run_and_report(out_dir, n_seeds=1, steps=None, backend="auto"):
    out_dir.mkdir(parents=True, exist_ok=True)
    config = relu_lab.ExperimentConfig()
    if steps is not None:
        config = dataclasses.replace(config, steps=steps, record_every=min(config.record_every, steps))
    start = time.perf_counter()
    exp = relu_lab.run_experiment(config, seeds=range(n_seeds), backend=backend)
    elapsed = time.perf_counter() - start
    exp.save(out_dir / "history.npz")
    click.echo(f"{len(exp.runs)} runs x {config.steps:,} steps in {elapsed:.1f} s -> {out_dir}")
    return exp
