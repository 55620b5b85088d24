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
def build(assignments, out_root, seed, no_verify):
    """Build the release of ASSIGNMENTS (default: all) and verify it."""
    from assignment.model import AssignmentError
    from generator.casebook import AuthoringError
    from generator.build import build_and_report

    try:
        ok = build_and_report(assignments, out_root, seed, verify=not no_verify)
    except (AssignmentError, AuthoringError, LookupError) as exc:
        raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None
    if not ok:
        raise SystemExit(1)


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
