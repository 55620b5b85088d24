"""The Gradescope autograder zip: otter's, with the judge, its casebook and its entry points.

otter generate makes the zip (its environment, its test files for ``otter run -a``); the judge's
code, the casebook and Gradescope's scripts then go in (``repack``). What the zip installs is
what the student notebook, its support files and its case kinds' kernel code import, pinned.
"""

import ast
import inspect
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from autograder import syntax
from autograder.cell_code import canonical_form, notebook_functions
from autograder.judge import shipped
from autograder.judge.kinds import KINDS
from autograder.judge.request import gradable_cells
from generator.layout import staged, support_sources
from generator.requirements import imported_module_paths, imported_modules, pinned_distributions, third_party
from generator.zipping import repack

PROJECT = Path(__file__).resolve().parents[1]
TEMPLATES = PROJECT / "autograder" / "gradescope" / "templates"
# What the judge itself needs on Gradescope, besides what the assignment's notebook imports.
JUDGE_PACKAGES = ("numpy", "nbclient", "nbformat", "ipykernel", "jupyter_client")
# otter installs itself there; the export cell's tool and the support files are files, not packages.
NOT_INSTALLED = ("otter", "submit", "written_pdf")
# What runs on Gradescope: the judge, its entry point and the kernel's side of a graded run (sent as
# source); the assignment's cases modules come after. Local grading, its sandbox, the build, the
# export tool and the test files' own check (they carry it) stay out.
CODE = ("autograder/__init__.py", "autograder/files.py", "autograder/cell_code.py", "autograder/syntax.py",
        "autograder/judge", "autograder/gradescope",
        *(f"autograder/in_kernel/{name}.py" for name in ("__init__", "plain", "answer", "compare", "grade")),
        "autograder/cases.py")


def build_autograder(release, progress=lambda msg: None):
    import otter.generate

    a = release.assignment
    progress("autograder zip (otter generate)")
    with staged(release, include_hidden=True) as work:
        (work / "requirements.txt").write_text(gradescope_requirements(release))
        config = {"lang": "python", "pdf": False, "zips": False, "show_stdout": False,
                  "show_hidden": False, "assignment_name": a.name, "plugins": []}
        (work / "otter_config.json").write_text(json.dumps(config, indent=2))
        with _working_directory(work):
            otter.generate.main(
                tests_dir="tests", output_path="autograder.zip", config="otter_config.json",
                lang="python", requirements="requirements.txt", no_environment=True,
                python_version=a.python_version, files=list(a.support_files),
            )
        release.autograder_zip.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "autograder.zip", release.autograder_zip)
    repack(release.autograder_zip, _judge_files(release))
    release.artifacts["autograder zip"] = release.autograder_zip


def gradescope_requirements(release):
    """What Gradescope installs (otter merges it into its environment.yml): the judge's packages
    and every package the student notebook, its support files and its case kinds' kernel code
    import, each pinned to the version the release was built and verified with. torch comes from
    its CPU wheel index: a plain `torch` there pulls the multi-GB CUDA build."""
    a = release.assignment
    sources = [cell.source for cell in release.student_notebook.cells if cell.cell_type == "code"]
    sources += support_sources(a)
    kinds = sorted({case.kind for q in release.casebook.questions for case in q.cases})
    sources.append(shipped.kernel_source([KINDS[kind] for kind in kinds]))
    own = [Path(name).stem for name in a.support_files] + list(NOT_INSTALLED)
    modules = third_party(imported_modules(sources), own=own) + list(JUDGE_PACKAGES)
    pins = pinned_distributions(modules, keep_local=True)
    index = ["--extra-index-url https://download.pytorch.org/whl/cpu"] if any("+cpu" in p for p in pins) else []
    return "\n".join(index + pins) + "\n"


@contextmanager
def _working_directory(path):
    # otter generate resolves its inputs against the current directory and refuses files outside it
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def gradescope_code(assignment):
    """{name in the zip: path} of the code that runs on Gradescope for ``assignment``: the
    generic part, and its cases module with the modules of its folder that one imports."""
    files = {}
    for entry in CODE:
        path = PROJECT / entry
        for p in (sorted(path.glob("*.py")) if path.is_dir() else [path]):
            files[p.relative_to(PROJECT).as_posix()] = p
    # Its packages' (empty) faces, its cases module, and what that imports from its own folder
    # (mistakes, kinds): never its notebook's support files or commands, never the reference.
    own = assignment.cases_module.rsplit(".", 1)[0]
    for package in (own.split(".")[0], own):
        path = PROJECT / package.replace(".", "/") / "__init__.py"
        files[path.relative_to(PROJECT).as_posix()] = path
    pending = [assignment.cases_module]
    while pending:
        path = PROJECT / (pending.pop().replace(".", "/") + ".py")
        files[path.relative_to(PROJECT).as_posix()] = path
        tree = syntax.parse(path.read_text())
        pending += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith(own + ".")
                    and f"{node.module.replace('.', '/')}.py" not in files]
    return files


def _judge_files(release):
    """The judge, its casebook and the entry points that run it, for the Gradescope zip."""
    files = gradescope_code(release.assignment)
    casebook = replace(release.casebook, preload=tuple(_notebook_imports(release)),
                       known_forms=_known_forms(release))
    files["casebook.json"] = casebook.to_json().encode()
    # Gradescope's scripts, as they are: run_autograder runs run_otter.py, which runs the judge.
    for name in ("run_autograder", "run_otter.py"):
        files[name] = TEMPLATES / name
    return files


def _known_forms(release):
    """question -> the canonical forms of the code the student notebook gives for it and of the
    reference's function: what unanswered submissions share, and what the course itself wrote,
    neither of which is evidence of copying."""
    reference = release.assignment.reference_module()
    module_source = inspect.getsource(reference)
    functions = {q.function: q.name for q in release.casebook.questions}
    forms = {}
    for function, question in functions.items():
        func = getattr(reference, function)
        forms[question] = [canonical_form(inspect.getsource(func), func.__name__, context=[module_source])]
    given = [cell.source for cell in release.student_notebook.cells if cell.cell_type == "code"]
    for function, (form, _) in notebook_functions(given, set(functions)).items():
        forms[functions[function]].append(form)
    return {q: sorted({f for f in found if f}) for q, found in forms.items()}


def _notebook_imports(release):
    """What the cells of the student notebook the judge runs, and the support files, import as
    they run: the modules the local grader's warm sandbox imports once for all kernels."""
    sources = [cell.source for _, cell in gradable_cells(release.student_notebook)]
    sources += support_sources(release.assignment)
    own = [Path(name).stem for name in release.assignment.support_files]
    return third_party(imported_module_paths(sources, when_run=True), own=own)
