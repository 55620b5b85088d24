"""Graded functions as the notebooks show them, taken from the reference module (one source).

The solution notebook shows a reference function verbatim; the student notebook shows the
same signature and docstring with the body replaced by a prompt.
"""

import ast
import inspect
import textwrap
from dataclasses import dataclass

from autograder import syntax

STUDENT_BODY = "# Your code here: replace the ... with your implementation.\n..."


@dataclass(frozen=True)
class FunctionSource:
    name: str
    header: str  # the def line(s) and the docstring, dedented
    body: str  # the statements after the docstring, dedented to the function's own level
    indent: str

    @property
    def solution(self):
        return self.header + textwrap.indent(self.body, self.indent)

    @property
    def student(self):
        return self.header + textwrap.indent(STUDENT_BODY, self.indent) + "\n"


def function_source(func):
    """Split a module-level function's source into its header (with docstring) and body."""
    source = textwrap.dedent(inspect.getsource(func))
    tree = syntax.parse(source)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"{func!r} is not a plain function")
    statements = node.body
    if ast.get_docstring(node) is None:
        raise ValueError(f"{node.name} needs a docstring: the student notebook shows it as the task")
    first_body = statements[1] if len(statements) > 1 else None
    if first_body is None:
        raise ValueError(f"{node.name} has a docstring but no body")
    lines = source.splitlines(keepends=True)
    header = "".join(lines[: first_body.lineno - 1])
    body_lines = lines[first_body.lineno - 1:]
    indent = body_lines[0][: len(body_lines[0]) - len(body_lines[0].lstrip())]
    body = textwrap.dedent("".join(body_lines))
    return FunctionSource(node.name, header, body, indent)
