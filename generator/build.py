"""The instructors' main job: build every requested assignment, verify it, print a summary."""

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
from tqdm import tqdm

from assignment.model import Assignment, all_assignments
from generator.cache import CACHE_FOLDER, BuildCache
from generator.release import build_release
from generator.verify import run_blank_student, verify_release


def build_and_verify(assignment, out_root, seed=None, progress=lambda msg: None, cache=None):
    """(release, checks). The verification's longest step, running the blank student notebook,
    needs only the student folder: it runs in a second kernel while the build executes the
    solution notebook, instead of after the whole build (two kernels on two cores)."""
    with ThreadPoolExecutor(max_workers=1) as beside:
        blank = []
        release = build_release(assignment, out_root, seed, progress,
                                student_built=lambda built: blank.append(beside.submit(run_blank_student, built)),
                                cache=cache)
        return release, verify_release(release, progress, blank_run=blank[0].result())


def build_and_report(names, out_root, seed=None, verify=True, use_cache=True):
    """Build, verify and summarise each of ``names`` (default: all); ``use_cache``: take the
    steps whose inputs did not change from ``out_root/.cache`` (``generator.cache``)."""
    assignments = [Assignment.named(n) for n in names] if names else all_assignments()
    all_ok = True
    for assignment in assignments:
        cache = BuildCache(Path(out_root) / CACHE_FOLDER, enabled=use_cache)
        start = time.perf_counter()
        stages = 7 if verify else 3
        # On a terminal, one line that updates; in a log file, a plain line per step.
        on_terminal = sys.stderr.isatty()
        with tqdm(total=stages, desc=assignment.name, bar_format="{desc}: {n}/{total} {postfix}",
                  disable=not on_terminal) as bar:
            def progress(msg, name=assignment.name, on_terminal=on_terminal, bar=bar):
                if not on_terminal:
                    click.echo(f"{name}: {msg}", err=True)
                bar.set_postfix_str(msg)
                bar.update(1)

            if verify:
                release, checks = build_and_verify(assignment, out_root, seed, progress, cache)
            else:
                release, checks = build_release(assignment, out_root, seed, progress, cache=cache), []
            bar.update(bar.total - bar.n)
            bar.set_postfix_str("done")
        elapsed = time.perf_counter() - start
        all_ok &= all(c.passed for c in checks)
        print_summary(release, checks, elapsed)
    return all_ok


def print_summary(release, checks, elapsed):
    click.echo(f"\n{release.assignment.name} (seed {release.seed}) -> {release.root}  [{elapsed:.0f} s]")
    click.echo(f"  {'artifact':<16} {'size':>10}  path")
    for label, path in release.artifacts.items():
        click.echo(f"  {label:<16} {path.stat().st_size / 1024:>8.1f} KB  {path}")
    if release.cache.hits:
        click.echo("  from the cache (the same code, run before): " + ", ".join(what for _, what in release.cache.hits))
    if not checks:
        click.secho("  verification skipped", fg="yellow")
        return
    click.echo(f"  {'check':<44} result")
    for c in checks:
        mark = click.style("PASS", fg="green") if c.passed else click.style("FAIL", fg="red", bold=True)
        click.echo(f"  {c.name:<44} {mark}  {c.detail}")
    if not all(c.passed for c in checks):
        click.secho("  The release is NOT sound: fix the failures above before publishing.", fg="red", bold=True)
