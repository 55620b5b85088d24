"""The TAs' commands: ``eecs182 grade``, ``gradescope`` and ``sandbox``."""

from pathlib import Path

import click

from generator.layout import DIST, autograder_zip_path


@click.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for final_grades.csv, results/, feedback/ (kept between runs).")
@click.option("--assignment", default=None,
              help="Grade with the project's dist/<assignment>/<assignment>-autograder.zip (from `eecs182 "
                   "build`), from any folder; needed only when there are several assignments.")
@click.option("-a", "--autograder", "autograder_zip", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Grade with this autograder zip instead (the one on Gradescope).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once (default: one more than the CPU cores).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds per submission, on its kernels' clocks (time waiting for a CPU "
                   "is not charged; at most 3 times this on the wall).")
@click.option("--cpu", "cpu_seconds", type=click.IntRange(min=1), default=300, show_default=True,
              help="CPU seconds per submission's kernel.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Memory (MB) per submission's kernel.")
@click.option("--force", is_flag=True, help="Regrade everything, not only what has no current result.")
@click.option("--require-sandbox", is_flag=True, help="Refuse to grade if the sandbox cannot be used.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
@click.option("--show-hidden", is_flag=True,
              help="The students' feedback files show hidden cases whole (inputs, expected values); by default "
                   "only whether each passed and the known mistake it matches.")
def grade(submissions, out_dir, assignment, autograder_zip, workers, timeout, cpu_seconds, memory_mb, force,
          require_sandbox, no_progress, show_hidden):
    """Grade SUBMISSIONS (notebooks, folders, export zips, a Gradescope export) into OUT."""
    from autograder.grading.batch import GradingError
    from autograder.grading.batch import grade as grade_batch
    from autograder.grading.summary import summary_text
    from autograder.judge import Limits

    zip_path = autograder_zip if autograder_zip is not None else _built_zip(assignment or _only_assignment())
    limits = Limits(total_timeout=timeout, cpu_seconds=cpu_seconds, memory_mb=memory_mb)
    try:
        summary = grade_batch(submissions, out_dir, zip_path, workers=workers, limits=limits, force=force,
                              require_sandbox=require_sandbox, progress=not no_progress,
                              log=lambda text: click.echo(text, err=True), show_hidden=show_hidden)
    except GradingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary_text(summary, out_dir))
    if summary.interrupted:
        raise SystemExit(130)


@click.command()
@click.argument("autograder_zip", metavar="ZIP", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A submission_metadata.json to lay beside it, as Gradescope does.")
@click.option("--published", is_flag=True, help="Show what the student sees once grades are published.")
@click.option("--json", "as_json", is_flag=True, help="Print results.json itself.")
def gradescope(autograder_zip, submission, metadata, published, as_json):
    """Try ZIP as Gradescope will: its own run_autograder on SUBMISSION, in Gradescope's layout
    (/autograder's source/, submission/, results/) in a folder of its own; then the results page
    as the student reads it (before grades are published, unless --published)."""
    import json

    from autograder.gradescope.local import as_student_reads_it, run_zip

    try:
        results, _ = run_zip(autograder_zip, submission,
                             json.loads(metadata.read_text()) if metadata is not None else None)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(results, indent=2) if as_json else as_student_reads_it(results, published), nl=False)


def _built_zip(name):
    """The autograder zip ``eecs182 build NAME`` made: in the project's dist/, found from any
    folder (the project is the installed checkout, or $EECS182_PROJECT)."""
    import os

    from assignment.model import ASSIGNMENTS_DIR, all_assignments

    project = Path(os.environ.get("EECS182_PROJECT") or ASSIGNMENTS_DIR.parent)
    names = [a.name for a in all_assignments()]
    if name not in names:
        raise click.UsageError(f"no assignment {name!r}; there are {', '.join(names) or 'none'} (in {project})")
    path = autograder_zip_path(project / DIST, name)
    if not path.is_file():
        raise click.ClickException(f"{name} has no autograder zip at {path}: build it with `eecs182 build {name}` "
                                   f"(from {project}), or pass -a ZIP")
    return path


def _only_assignment():
    from assignment.model import all_assignments

    names = [a.name for a in all_assignments()]
    if len(names) != 1:
        raise click.UsageError(f"say which assignment's autograder to grade with: --assignment NAME "
                               f"(one of {', '.join(names) or 'none'}), or -a ZIP")
    return names[0]


@click.command("sandbox")
def sandbox_check():
    """Say which grading sandbox (bubblewrap) works on this machine, and why the other does not."""
    from autograder.sandbox.bubblewrap import SandboxUnavailable, mode, probe, rootless, userns_switch_off

    try:
        click.echo(f"grading sandbox: works ({mode()}; bubblewrap at {probe()})")
    except SandboxUnavailable as exc:
        click.echo(f"grading sandbox: NOT available: {exc}", err=True)
        if not rootless():  # as root it should work: the set-up is broken
            raise SystemExit(1) from None
        return
    from autograder.judge.memory import cgroup_parent
    from autograder.sandbox.zygote import no_other_process_filter

    group, what = cgroup_parent()
    rule, how = no_other_process_filter()
    click.echo(f"memory cap: {what}" if group is not None else
               f"memory cap: per process (data and address space, shared mappings included), as {what}; "
               + ("a kernel may start threads but no other process (a seccomp filter), so the cap is all it uses"
                  if rule is not None else f"and a kernel cannot be kept to one process here ({how}): grading "
                  "refuses to start kernels until libseccomp is installed"))
    if rootless():
        click.echo("the root mode (a uid of its own per grading slot) needs root: run eecs182 grade with sudo "
                   "for it; the rootless mode isolates as well, short of that")
    else:
        switch = userns_switch_off()
        click.echo("plain users can use the rootless mode here" if not switch else
                   f"plain users cannot use the rootless mode here: unprivileged user namespaces are off ({switch})")

