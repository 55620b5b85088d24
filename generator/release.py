"""``eecs182 build``: the release of one assignment, from its one source, into dist/<name>/
(``generator/layout.py`` says what goes where): the student's and the solution's folders and
zips, the rubric, and the Gradescope autograder (``generator/gradescope.py``); then the
verification (``generator/verify.py``) that the release is sound.
"""

from pathlib import Path

import nbformat

from autograder.in_kernel.submit import written_prompt
from generator import pipelines
from generator.authoring import check_sources
from generator.gradescope import build_autograder
from generator.layout import Release, fresh_folder, lay_out, staged
from generator.offline_html import markdown_page, offline_html
from generator.requirements import write_requirements
from generator.steps import run_pipeline
from generator.zipping import zip_folder


def build_student(release, progress=lambda msg: None):
    a = release.assignment
    progress("student notebook")
    folder = fresh_folder(release.student_dir)
    nb = release.student_notebook
    nbformat.write(nb, folder / a.notebook)
    lay_out(release, folder, include_hidden=False)
    write_requirements(folder, nb, a)
    zip_folder(release.student_zip, folder)
    release.artifacts["student zip"] = release.student_zip


def build_solution(release, progress=lambda msg: None):
    """Render, then execute in a folder laid out like the student's (support files, tests)."""
    a = release.assignment
    progress("solution notebook (executing)")
    folder = fresh_folder(release.solution_dir)
    with staged(release, include_hidden=False) as work:
        resources = dict(assignment=a, variant="solution", seed=release.seed, workdir=work, cache=release.cache,
                         run_name="the solution notebook")
        nb = run_pipeline(pipelines.SOLUTION, resources)
    nbformat.write(nb, folder / a.notebook)
    html, _ = offline_html(nb)  # every formula as MathML, nothing from a CDN
    release.solution_page.write_text(html)
    # Laid out like the student's: with the public tests, grader.check runs in the solution too.
    lay_out(release, folder, include_hidden=False)
    write_requirements(folder, nb, a)
    zip_folder(release.solution_zip, folder)
    release.artifacts["solution zip"] = release.solution_zip


def build_rubric(release):
    """``<assignment>-rubric.md``: every written question with its heading, prompt, key and
    rubric, taken from the built solution notebook; what a TA grades from on Gradescope."""
    a = release.assignment
    nb = nbformat.read(release.solution_dir / a.notebook, as_version=4)
    sections = {}
    for previous, cell in zip(nb.cells, nb.cells[1:]):
        name = cell.metadata.get("written")
        if name:
            title, prompt = written_prompt(previous)
            sections[name] = (title, prompt, cell.source.strip())
    total = sum(w.points for w in a.written)
    lines = [f"# {a.title}: written questions", "",
             f"Graded by hand on Gradescope: {len(a.written)} question{'' if len(a.written) == 1 else 's'}, "
             f"{total:g} points.", ""]
    for w in a.written:
        title, prompt, key = sections[w.name]
        lines += [f"## {w.name}: {title} ({w.points:g} points)", "", prompt, "", key, ""]
    release.rubric.write_text("\n".join(lines))
    release.artifacts["rubric"] = release.rubric
    # The same, as a page with its formulas drawn, for TAs who open it in a browser.
    page, _ = markdown_page("\n".join(lines), f"{a.title}: written questions")
    release.rubric_page.write_text(page)
    release.artifacts["rubric page"] = release.rubric_page


def build_release(assignment, out_root, seed=None, progress=lambda msg: None, student_built=lambda release: None,
                  cache=None):
    """``student_built(release)`` is called once the student folder and zip exist; ``cache``: a
    ``generator.cache.BuildCache`` (default: none)."""
    check_sources(assignment)
    seed = assignment.term_seed if seed is None else int(seed)
    release = Release(assignment, seed, Path(out_root) / assignment.name, cache=cache)
    release.root.mkdir(parents=True, exist_ok=True)
    build_student(release, progress)
    student_built(release)
    build_solution(release, progress)
    build_rubric(release)
    build_autograder(release, progress)
    return release
