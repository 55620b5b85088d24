"""The ``eecs182`` command: the course staff's entry point."""

from pathlib import Path

import click


@click.group()
def main():
    """EECS 182 assignment toolkit."""


@main.command()
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
    from generator.experiment import run_and_report

    run_and_report(out_dir, n_seeds=seeds, steps=steps, backend=backend)


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("-o", "--out", "out_root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("dist"), show_default=True, help="Release folder.")
@click.option("--seed", type=int, default=None,
              help="Term seed (default: the assignment's term_seed): data sets and hidden tests.")
@click.option("--no-verify", is_flag=True, help="Skip the verification (not for a real release).")
def build(assignments, out_root, seed, no_verify):
    """Build the release of ASSIGNMENTS (default: all) and verify it."""
    from generator.build import build_and_report

    ok = build_and_report(assignments, out_root, seed, verify=not no_verify)
    if not ok:
        raise SystemExit(1)
