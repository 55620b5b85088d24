"""requirements.txt for the student's and the solution's folders: the packages that the
notebook and its support files import, pinned to the versions the release was built with, so a
student can run the notebook off the course hub (``pip install -r requirements.txt``)."""

import ast
import sys
from importlib.metadata import packages_distributions, version

HEADER = """\
# The packages {notebook} imports, at the versions it was tested with.
# Off the course hub: pip install -r requirements.txt
# (torch's CPU-only build is much smaller: add --extra-index-url https://download.pytorch.org/whl/cpu)
"""


def imported_modules(sources):
    """Top-level names of every module imported anywhere in ``sources`` (Python code)."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython magics; the notebook's own cells have none
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def requirements(notebook_name, sources):
    """The pinned third-party distributions behind the imports of ``sources``."""
    distributions = packages_distributions()
    pins = set()
    for module in imported_modules(sources) - set(sys.stdlib_module_names):
        for dist in distributions.get(module, []):
            # A local build tag (torch's "+cpu") names a wheel index, not a version pip can find.
            pins.add(f"{dist}=={version(dist).split('+')[0]}")
    return HEADER.format(notebook=notebook_name) + "\n".join(sorted(pins, key=str.lower)) + "\n"


def write_requirements(folder, nb, assignment):
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    sources += [path.read_text() for path in sorted(folder.glob("*.py"))]  # support files
    path = folder / "requirements.txt"
    path.write_text(requirements(assignment.notebook, sources))
    return path
