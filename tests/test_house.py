"""The house plan, enforced: each folder of ``autograder/`` is a process (or a place code runs),
and its imports say so. Read from the source with ``ast`` (imports inside functions count)."""

import ast
from pathlib import Path

import pytest

from assignment.model import all_assignments
from generator.gradescope import gradescope_code

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograder", "generator", "assignment", "solutions")

# (the importing modules, the modules they may not import, why)
RULES = [
    ("autograder.in_kernel", ("autograder.judge", "autograder.grading", "autograder.sandbox", "autograder.gradescope",
                              "autograder.files", "autograder.cases", "autograder.mathml", "autograder.cell_code",
                              "generator", "assignment", "solutions"),
     "runs where a student's code runs, sent as source: it may import only its own traveling files"),
    ("autograder.judge", ("autograder.grading", "autograder.sandbox", "generator", "assignment", "solutions"),
     "the judge runs on Gradescope too: it reads the casebook, never the build, the reference or local grading"),
    ("autograder.gradescope", ("autograder.grading", "autograder.sandbox", "generator", "assignment", "solutions"),
     "runs on Gradescope, where only the zip's code is"),
    ("autograder.grading", ("generator", "assignment", "solutions"),
     "local grading reads only the autograder zip, never the source tree"),
    ("autograder.sandbox", ("autograder.grading", "generator", "assignment", "solutions"),
     "the sandbox starts kernels; it knows nothing of grades or builds"),
    ("autograder.cases", ("autograder.grading", "autograder.sandbox", "generator", "solutions"),
     "what an assignment's cases are made of ships to Gradescope"),
    ("generator", ("autograder.grading", "autograder.sandbox", "autograder.gradescope"),
     "the build makes the zip; it does not grade (the command, generator.cli, is the one place that does both)"),
]
COMMAND = "generator.cli"


def _modules():
    """{module: path} of every Python file of the project's packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(PROJECT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(path, module):
    """Every module ``path`` (the module ``module``) imports, relative imports resolved; for
    ``from m import name``, both ``m`` and ``m.name`` (which may be a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def _within(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def violations(graph, rules=RULES):
    """["a imports b: why"] for each import in ``graph`` ({module: imported names}) that a rule forbids."""
    found = []
    for module, imported in sorted(graph.items()):
        if _within(module, COMMAND):
            continue
        for importer, forbidden, why in rules:
            if not _within(module, importer):
                continue
            for name in sorted(imported):
                if any(_within(name, f) for f in forbidden):
                    found.append(f"{module} imports {name}: {why}")
    return found


@pytest.fixture(scope="module")
def graph():
    return {module: imports_of(path, module) for module, path in _modules().items()}


def test_every_folder_imports_only_what_its_process_may(graph):
    assert violations(graph) == []


def test_a_forbidden_import_is_caught():
    # The checker itself: a judge module that reads local grading's store, an in-kernel file that
    # imports the judge, the build importing the sandbox; and the command, which may.
    graph = {"autograder.judge.verdict": {"autograder.grading.store"},
             "autograder.in_kernel.grade": {"autograder.judge.limits", "autograder.in_kernel.plain"},
             "generator.release": {"autograder.sandbox.warm"},
             "generator.cli.grading": {"autograder.grading.batch"}}
    found = violations(graph)
    assert [line.split(":")[0] for line in found] == [
        "autograder.in_kernel.grade imports autograder.judge.limits",
        "autograder.judge.verdict imports autograder.grading.store",
        "generator.release imports autograder.sandbox.warm"]


def test_the_review_app_is_reached_only_through_the_command(graph):
    users = {m for m, imported in graph.items() if any(_within(n, "autograder.grading.review") for n in imported)
             and not _within(m, "autograder.grading.review")}
    assert users <= {f"{COMMAND}.review"}, users


@pytest.mark.parametrize("assignment", all_assignments(), ids=lambda a: a.name)
def test_the_gradescope_code_is_closed_and_holds_nothing_of_the_build(assignment, graph):
    """Every project module the shipped files import is shipped too; none is the build's or the
    reference's, and none is local grading's."""
    shipped = {".".join(Path(name).with_suffix("").parts).removesuffix(".__init__")
               for name in gradescope_code(assignment) if name.endswith(".py")}
    modules = _modules()
    missing = {}
    for module in shipped:
        for name in graph[module]:
            if name in modules and name not in shipped:
                missing.setdefault(module, []).append(name)
    assert missing == {}
    assert not [m for m in shipped if m.split(".")[0] in ("generator", "solutions")
                or _within(m, "autograder.grading") or _within(m, "autograder.sandbox")]


def test_the_project_parses_python_through_the_one_lock():
    """Two threads in ``ast.parse`` at once can fail in CPython 3.11 (``autograder/syntax.py``):
    the judge and the release check parse from threads, so no module calls it but that one (and
    the in-kernel code, which runs alone in a student's kernel)."""
    direct = []
    for module, path in _modules().items():
        if module == "autograder.syntax" or _within(module, "autograder.in_kernel"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr == "parse" and isinstance(node.value, ast.Name)
                    and node.value.id == "ast"):
                direct.append(f"{module}, line {node.lineno}")
    assert direct == []
