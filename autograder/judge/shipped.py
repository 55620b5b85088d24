"""Code that runs where a student's code runs, put together as source.

Two places get the judge's code as text, never as an import: the judge's kernel (``grade.py``'s
request) and otter's test files (``grader.check``). What they get are real files of this
project, whole, in an order where each file comes after the files its imports name. Those
project imports are dropped from the text: they document, and let the judge and the tests
import the same files, while the names they bring are already defined by the files shipped
ahead. So a shipped file may import the standard library, numpy (and torch inside a function)
and names from the travelling files of ``in_kernel/`` (``TRAVELLING``); nothing else of the project.
Everything lands in one namespace, so no two shipped files may define the same name.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from autograder import syntax

if TYPE_CHECKING:
    from autograder.judge.kinds import Kind

_AUTOGRADER = Path(__file__).resolve().parents[1]
# The kernel-side files the judge and the build import too (they travel first), and the two that
# only ever run where a student's code runs.
PLAIN, ANSWER, COMPARE, RUNTIME, GRADE = (_AUTOGRADER / "in_kernel" / f"{name}.py"
                                          for name in ("plain", "answer", "compare", "runtime", "grade"))
TRAVELLING = {"autograder.in_kernel.plain": PLAIN, "autograder.in_kernel.answer": ANSWER,
              "autograder.in_kernel.compare": COMPARE}


class NotShippable(ValueError):
    """A file that cannot stand alone where it is sent."""


def module_source(path: str | Path) -> str:
    """The file's source without its docstring and its imports of the travelling files."""
    path = Path(path)
    source = path.read_text()
    tree = syntax.parse(source)
    drop: set[int] = set()
    for i, node in enumerate(tree.body):
        end = node.end_lineno or node.lineno  # (always set by ast.parse)
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            drop.update(range(node.lineno, end + 1))
        elif _imports_the_project(path, node):
            lines = range(node.lineno, end + 1)
            if any(other is not node and other.lineno in lines for other in tree.body):
                raise NotShippable(f"{path.name}:{node.lineno}: put the project import on lines of its own")
            drop.update(lines)
    kept = [line for number, line in enumerate(source.splitlines(), 1) if number not in drop]
    return "\n".join(kept).strip("\n") + "\n"


def _imports_the_project(path: Path, node: ast.stmt) -> bool:
    """Whether ``node`` imports from the project: only ``from <travelling file> import name``
    may, since those names are shipped ahead; any other import of the project is refused."""
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level or module.split(".")[0] == "autograder":
            if node.level or module not in TRAVELLING:
                raise NotShippable(f"{path.name}:{node.lineno}: a shipped file may import from the project "
                                   f"only {sorted(TRAVELLING)}, not {'.' * node.level}{module}")
            return True
    if isinstance(node, ast.Import):
        project = [a.name for a in node.names if a.name.split(".")[0] == "autograder"]
        if project:
            raise NotShippable(f"{path.name}:{node.lineno}: write `from {project[0]} import name`: "
                               "a shipped file's project imports are dropped")
    return False


def kind_files(kinds: Iterable[Kind], role: str) -> list[Path]:
    """The files that define the ``role`` functions ("call", "compare", "matches") of
    ``kinds``, besides the travelling ones: each once, in the order of the kinds."""
    files: list[Path] = []
    for kind in kinds:
        func = getattr(kind, role)
        # (A function without a source file cannot be shipped: Path(None) refuses it.)
        path = Path(inspect.getsourcefile(func)).resolve() if func is not None else None  # type: ignore[arg-type]
        if path is not None and path not in TRAVELLING.values() and path not in files:
            files.append(path)
    return files


def kernel_source(kinds: Sequence[Kind]) -> str:
    """The judge's side of a graded run: ``grade.py`` and what it needs for ``kinds``."""
    return _joined([PLAIN, ANSWER, COMPARE, *kind_files(kinds, "call"), GRADE])


def test_file_source(kinds: Sequence[Kind]) -> str:
    """What an otter test file carries: the judge's call and comparison of a case, and the
    files of ``kinds`` (their callers, comparisons and mistake matchers)."""
    own: list[Path] = []
    for role in ("call", "compare", "matches"):
        own += [path for path in kind_files(kinds, role) if path not in own]
    return _joined([PLAIN, ANSWER, COMPARE, *own, RUNTIME])


def _joined(paths: list[Path]) -> str:
    defined: dict[str, str] = {}
    for path in paths:
        for name in _top_level_names(path):
            if name in defined:
                raise NotShippable(f"{Path(path).name} defines {name}, as {defined[name]} does: shipped files "
                                   "share one namespace")
            defined[name] = Path(path).name
    return "\n\n".join(module_source(path) for path in paths)


def _top_level_names(path: Path) -> list[str]:
    """The names a file defines at its top (its imports aside: two files may import numpy)."""
    names = []
    for node in syntax.parse(Path(path).read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names

