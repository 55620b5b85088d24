"""Code that runs where a student's code runs, put together as source.

Two places get the judge's code as text, never as an import: the judge's kernel (``grade.py``'s
request) and otter's test files (``grader.check``). What they get are real files of this
project, whole, in an order where each file comes after the files its imports name. Those
project imports are dropped from the text: they document, and let the judge and the tests
import the same files, while the names they bring are already defined by the files shipped
ahead. So a shipped file may import the standard library, numpy (and torch inside a function)
and the names of files shipped before it; nothing else of the project.
"""

import ast
import inspect
from pathlib import Path

_AUTOGRADER = Path(__file__).resolve().parents[1]
# The judge's files that travel (the judge imports them too), and the kernel's own two.
PLAIN, ANSWER, COMPARE = (_AUTOGRADER / "judge" / name for name in ("plain.py", "answer.py", "compare.py"))
RUNTIME, GRADE = (_AUTOGRADER / "in_kernel" / name for name in ("runtime.py", "grade.py"))


def module_source(path):
    """The file's source without its docstring and its imports of the project."""
    source = Path(path).read_text()
    tree = ast.parse(source)
    drop = set()
    for i, node in enumerate(tree.body):
        docstring = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        own_import = (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "autograder"
                      or isinstance(node, ast.Import) and any(a.name.split(".")[0] == "autograder" for a in node.names))
        if docstring or own_import:
            drop.update(range(node.lineno, node.end_lineno + 1))
    lines = source.splitlines()
    kept = [line for number, line in enumerate(lines, 1) if number not in drop]
    return "\n".join(kept).strip("\n") + "\n"


def kind_files(kinds, role):
    """The files that define the ``role`` functions ("call", "compare", "matches") of
    ``kinds``, besides the generic ones: each once, in the order of the kinds."""
    files = []
    for kind in kinds:
        func = getattr(kind, role)
        path = Path(inspect.getsourcefile(func)).resolve() if func is not None else None
        if path is not None and path not in (PLAIN, ANSWER, COMPARE) and path not in files:
            files.append(path)
    return files


def kernel_source(kinds):
    """The judge's side of a graded run: ``grade.py`` and what it needs for ``kinds``."""
    return _joined([PLAIN, ANSWER, *kind_files(kinds, "call"), GRADE])


def test_file_source(kinds):
    """What an otter test file carries: the judge's call and comparison of a case, and the
    files of ``kinds`` (their callers, comparisons and mistake matchers)."""
    own = []
    for role in ("call", "compare", "matches"):
        own += [path for path in kind_files(kinds, role) if path not in own]
    return _joined([PLAIN, ANSWER, COMPARE, *own, RUNTIME])


def _joined(paths):
    return "\n\n".join(module_source(path) for path in paths)
