"""requirements.txt for the student's and the solution's folders: the packages that the
notebook and its support files import, pinned to the versions the release was built with, so a
student can run the notebook off the course hub (``pip install -r requirements.txt``)."""

import ast
import sys
from importlib.metadata import packages_distributions, version

from autograder import syntax

HEADER = """\
# The packages {notebook} imports, at the versions it was tested with.
# Off the course hub: pip install -r requirements.txt
"""
TORCH_NOTE = "# (torch's CPU-only build is much smaller: add --extra-index-url https://download.pytorch.org/whl/cpu)\n"


def imported_module_paths(sources, when_run=False):
    """The full dotted name of every module imported anywhere in ``sources`` (notebook cells,
    IPython magics and all, or plain Python files); ``when_run``: only those imported as the
    code runs, not inside a function or class (which may never be called)."""
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell  # %magics become get_ipython() calls
    names = set()
    for source in sources:
        try:
            tree = syntax.parse(transform(source))
        except SyntaxError:  # not Python: nothing it imports can be known
            continue
        for node in _walk(tree, when_run):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def _walk(tree, skip_definitions):
    deferred = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack += [child for child in ast.iter_child_nodes(node)
                  if not (skip_definitions and isinstance(child, deferred))]


def imported_modules(sources):
    """Top-level names of every module imported anywhere in ``sources``."""
    return {name.split(".")[0] for name in imported_module_paths(sources)}


def third_party(names, own=()):
    """``names`` less the standard library's modules and ``own`` (the support files')."""
    return sorted(n for n in names if n.split(".")[0] not in set(sys.stdlib_module_names) | set(own))


def pinned_distributions(modules, keep_local=False):
    """"name==version" of the installed distribution behind each module. A local build tag
    (torch's "+cpu") names a wheel index, not a version pip finds on PyPI: dropped unless
    ``keep_local`` (for an install that adds that index)."""
    distributions = packages_distributions()
    pins = set()
    for module in modules:
        for dist in distributions.get(module.split(".")[0], []):
            pins.add(f"{dist}=={version(dist) if keep_local else version(dist).split('+')[0]}")
    return sorted(pins, key=str.lower)


def requirements(notebook_name, sources):
    """The pinned third-party distributions behind the imports of ``sources``."""
    pins = pinned_distributions(third_party(imported_modules(sources)))
    header = HEADER.format(notebook=notebook_name) + (TORCH_NOTE if any(p.startswith("torch==") for p in pins) else "")
    return header + "\n".join(pins) + "\n"


def write_requirements(folder, nb, assignment):
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    sources += [path.read_text() for path in sorted(folder.glob("*.py"))]  # support files
    path = folder / "requirements.txt"
    path.write_text(requirements(assignment.notebook, sources))
    return path
