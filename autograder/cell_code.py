"""One reader of the Python a notebook's code cells hold: parsed, never run, magics handled once.

- ``parse_cell``: a cell's IPython magics become the plain Python IPython runs, then ``ast``.
- ``canonical_form``: a function reduced to what survives disguise: comments, whitespace,
  docstrings and its own name gone, its local names (arguments, variables, loop and
  comprehension targets) renamed in order of first use. Two submissions that share a form share
  that function's code up to those changes. A stub (``pass``, ``...``, ``raise
  NotImplementedError``) has no form: two students who left the same function blank share nothing.

The judge reads which graded functions call which (``judge/uses.py``), the grading worker reads
forms and sources (``grading/written.py``), and the build the forms of the course's own code
(``generator/gradescope.py``), each through this module.
"""

import ast
import hashlib

from autograder import syntax

MAX_CELL_CHARS = 200_000  # longer cells are not read
MAX_SOURCE_CHARS = 4_000  # of a function's text kept for showing


class _Canonical(ast.NodeTransformer):
    def __init__(self, local, aliases):
        self.local, self.aliases, self.names = local, aliases, {}

    def _name(self, name):
        if name in self.local:
            return self.names.setdefault(name, f"v{len(self.names)}")
        return self.aliases.get(name, name)

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_Attribute(self, node):
        """``np.linalg.norm`` with ``import numpy as np`` reads as the one name ``numpy.linalg.norm``,
        as ``from numpy.linalg import norm`` makes ``norm`` read."""
        chain, root = [], node
        while isinstance(root, ast.Attribute):
            chain.append(root.attr)
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.aliases and root.id not in self.local:
            return ast.copy_location(ast.Name(".".join([self.aliases[root.id], *reversed(chain)]), node.ctx), node)
        return self.generic_visit(node)

    def visit_arg(self, node):
        node.arg, node.annotation = self._name(node.arg), None
        return node


def parse_cell(cell_source):
    """(code, tree) of a code cell: its IPython magics turned into the plain Python IPython runs
    (``%time x = f()`` defines x as well), parsed, never run. None when it is too long or is not
    Python that parses."""
    if len(cell_source) > MAX_CELL_CHARS:
        return None
    try:
        code = _transform(cell_source)
        return code, syntax.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _transform(cell_source):
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell_source)


def imported_names(trees):
    """{name: the dotted name it stands for} of the top-level imports of the parsed cells
    ``trees``, in order (a later import of a name wins, as when the cells run): ``import numpy
    as np`` gives np -> numpy, ``from numpy import exp`` exp -> numpy.exp."""
    names = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:  # `import numpy.linalg` binds numpy
                        names[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def top_level_functions(tree):
    """{name: the last top-level definition of that name} in a parsed cell."""
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _definition(cell_source, function):
    """(code, the cell's last top-level definition of ``function``), or None (not there, or the
    cell is not Python that parses)."""
    parsed = parse_cell(cell_source)
    if parsed is None:
        return None
    code, tree = parsed
    node = top_level_functions(tree).get(function)
    return (code, node) if node is not None else None


def _is_stub(body):
    """Whether a function's body (its docstring left out) is no work at all: ``pass``, ``...``,
    ``raise NotImplementedError``, a bare ``return`` or ``return None``, alone or together.
    Two students who left the same functions blank share nothing."""
    def empty(statement):
        if isinstance(statement, ast.Pass):
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            return statement.value.value is Ellipsis
        if isinstance(statement, ast.Return):
            return statement.value is None or (isinstance(statement.value, ast.Constant)
                                               and statement.value.value is None)
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
        return False
    return all(empty(statement) for statement in body)


def _canonical(node, aliases=None):
    """The definition ``node``, canonical (see the module's doc; it is changed in place) and
    dumped as text, its imported names read as what they stand for (``aliases``, from
    ``imported_names``); None if it is nested too deep to dump, or if it is a stub (``_is_stub``)."""
    local = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    body = node.body[1:] if (node.body and isinstance(node.body[0], ast.Expr)
                             and isinstance(getattr(node.body[0], "value", None), ast.Constant)
                             and isinstance(node.body[0].value.value, str)) else node.body
    if _is_stub(body):
        return None
    node.body, node.name, node.decorator_list, node.returns = body, "f", [], None
    try:
        return ast.dump(_Canonical(local, aliases or {}).visit(node), annotate_fields=False, include_attributes=False)
    except RecursionError:
        return None


def _digest(dump):
    """What crosses from the worker: a digest of the whole canonical dump (a prefix would make
    two long functions with a common beginning look the same)."""
    return hashlib.sha256(dump.encode("utf-8", "replace")).hexdigest() if dump is not None else None


def canonical_dump(cell_source, function, context=()):
    """``function`` as the cell defines it, canonical and dumped as text, with the imports of the
    cell and of the ``context`` sources (the rest of its module) resolved; None when it is not there."""
    found = _definition(cell_source, function)
    if found is None:
        return None
    trees = [tree for _, tree in filter(None, map(parse_cell, context))] + [syntax.parse(found[0])]
    return _canonical(found[1], imported_names(trees))


def canonical_form(cell_source, function, context=()):
    """The digest of ``function``'s canonical form, or None."""
    return _digest(canonical_dump(cell_source, function, context))


def notebook_functions(cell_sources, functions):
    """{function: (canonical form, the definition as written, capped)} for each of ``functions``
    that the cells define at their top level, wherever they do: the last definition, as after
    the cells run in order, its imported names resolved from every cell's imports. A stub has
    no form and is left out."""
    parsed = [found for found in map(parse_cell, cell_sources) if found is not None]
    aliases = imported_names([tree for _, tree in parsed])
    last = {}
    for code, tree in parsed:
        for name, node in top_level_functions(tree).items():
            if name in functions:
                last[name] = (code, node)
    found = {}
    for name, (code, node) in last.items():
        source = (ast.get_source_segment(code, node) or "")[:MAX_SOURCE_CHARS]  # before _canonical changes it
        form = _digest(_canonical(node, aliases))
        if form is not None:
            found[name] = (form, source)
    return found
