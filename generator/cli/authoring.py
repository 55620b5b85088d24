"""The instructors' commands: ``eecs182 new``, ``build`` and ``run``."""

from pathlib import Path

import click

from generator.layout import DIST


@click.command()
@click.argument("name")
@click.option("--title", default=None, help="The notebook's title (default: 'NAME: a new assignment').")
def new(name, title):
    """Scaffold the new assignment NAME, which builds and verifies as it is: its folder under
    assignment/ (its cases in cases.py there), its reference in solutions/."""
    from generator.new import ScaffoldError, next_steps, project_root, scaffold

    try:
        written = scaffold(name, title)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    root = project_root()
    click.echo(f"Wrote the assignment {name}:")
    for path in written:
        click.echo(f"  {path.relative_to(root)}")
    click.echo(next_steps(name))


@click.command()
@click.argument("assignments", nargs=-1)
@click.option("-o", "--out", "out_root", type=click.Path(file_okay=False, path_type=Path),
              default=Path(DIST), show_default=True, help="Release folder.")
@click.option("--seed", type=int, default=None,
              help="Term seed (default: the assignment's term_seed): data sets and hidden tests.")
@click.option("--no-verify", is_flag=True, help="Skip the verification (not for a real release).")
@click.option("--no-cache", is_flag=True,
              help="Run every step, even those whose code and files did not change since the last build.")
@click.option("--watch", is_flag=True,
              help="Build, then build again each time a file of the assignments or their references is saved.")
@click.option("--debug", is_flag=True, help="With an authoring mistake's message, its traceback.")
def build(assignments, out_root, seed, no_verify, no_cache, watch, debug):
    """Build the release of ASSIGNMENTS (default: all) and verify it. Steps whose inputs did not
    change (a notebook's run, the judge's grades, the reference's answers) come from OUT/.cache:
    a rebuild after editing only prose or a rubric starts no kernel."""
    from assignment.model import Assignment, AssignmentError, all_assignments

    try:
        chosen = [Assignment.named(n) for n in assignments] if assignments else all_assignments()
    except (AssignmentError, LookupError) as exc:
        raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None
    if watch:
        _watch(chosen, [a.name for a in chosen], out_root, seed, no_verify, no_cache)
        return
    from generator.authoring import AuthoringError
    from generator.build import build_and_report

    try:
        ok = build_and_report([a.name for a in chosen], out_root, seed, verify=not no_verify, use_cache=not no_cache)
    except (AssignmentError, AuthoringError) as exc:
        if debug:
            raise
        raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None
    if not ok:
        raise SystemExit(1)


def _watch(chosen, names, out_root, seed, no_verify, no_cache):
    """Build now and after every save, each time in a new process: the edited cases, mistakes and
    reference are imported afresh, and an authoring mistake costs that build only."""
    import subprocess
    import sys

    import watchfiles

    command = [sys.executable, "-c", "from generator.cli import main; main()", "build", *names, "-o", str(out_root)]
    command += (["--seed", str(seed)] if seed is not None else []) + (["--no-verify"] if no_verify else [])
    command += ["--no-cache"] if no_cache else []
    watched = sorted({str(a.root) for a in chosen} | {str(_reference_file(a)) for a in chosen})
    subprocess.run(command)
    watching = False
    try:
        # It yields an empty set when nothing changed for a while: the first one says the watch is on.
        for changes in watchfiles.watch(*watched, watch_filter=_source_edit, debounce=300, rust_timeout=500,
                                        yield_on_timeout=True):
            if not watching:
                click.echo(f"watching {', '.join(watched)} (Ctrl-C to stop)", err=True)
                watching = True
            if changes:
                click.echo(f"saved: {', '.join(sorted(Path(p).name for _, p in changes))}; building again",
                           err=True)
                subprocess.run(command)
    except KeyboardInterrupt:
        pass


def _reference_file(assignment):
    import importlib.util

    return Path(importlib.util.find_spec(assignment.reference).origin)


def _source_edit(change, path):
    """A saved source file: not bytecode, an editor's swap or backup file, or a dot-file."""
    name = Path(path).name
    return not (name.startswith(".") or name.endswith(("~", ".pyc", ".swp", ".swx")) or "__pycache__" in path)


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("assignment", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(assignment, args):
    """Run ASSIGNMENT's own command: eecs182 run ASSIGNMENT COMMAND [OPTIONS]. Without a
    command (or an assignment), list what there is. Commands are declared in each
    assignment.toml's [commands]."""
    from assignment.model import Assignment, all_assignments

    if assignment is None:
        for each in all_assignments():
            click.echo(f"{each.name}: {', '.join(name for name, _ in each.commands) or '(no commands)'}")
        return
    try:
        chosen = Assignment.named(assignment)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    if not args:
        click.echo(f"{chosen.name}'s commands: {', '.join(name for name, _ in chosen.commands) or 'none'}")
        return
    try:
        command = chosen.command(args[0])
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    command.main(args=list(args[1:]), prog_name=f"eecs182 run {chosen.name} {args[0]}")
