"""An instructor's mistakes, told as one line: the file, the line where there is one, the
question and the case, and what to do. ``eecs182 build`` prints the message alone (``--debug``
shows the traceback too).

``check_sources`` runs before anything is built: the reference and every function the questions
name exist, and so does every support file. The casebook (``generator/casebook.py``) and the
template's rendering (``generator/render.py``) raise ``AuthoringError`` for what they find.
"""

import importlib
import traceback
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


class AuthoringError(ValueError):
    """The assignment's source cannot make a sound release; the message says where and why."""


def shown(path):
    """A path as the instructor knows it: inside the project, relative to it."""
    path = Path(path).resolve()
    return path.relative_to(PROJECT).as_posix() if path.is_relative_to(PROJECT) else str(path)


def line_in(exc, path):
    """The line of ``path`` nearest the error in ``exc``'s traceback, or None: where to look."""
    path = str(Path(path).resolve())
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__)
             if str(Path(frame.filename).resolve()) == path]
    if isinstance(exc, SyntaxError) and exc.filename and str(Path(exc.filename).resolve()) == path:
        lines.append(exc.lineno)
    return lines[-1] if lines else None


def at(path, exc=None):
    """``file`` or ``file, line N`` for a message."""
    line = line_in(exc, path) if exc is not None else None
    return f"{shown(path)}" + (f", line {line}" if line else "")


def check_sources(assignment):
    """What assignment.toml names must exist: the reference module, each question's function in
    it, each support file in the assignment's folder."""
    toml = shown(assignment.root / "assignment.toml")
    try:
        reference = importlib.import_module(assignment.reference)
    except ModuleNotFoundError as exc:
        if exc.name and assignment.reference.startswith(exc.name):
            raise AuthoringError(f"{toml}: reference = {assignment.reference!r}: there is no such module (the "
                                 f"reference of {assignment.name} is solutions/{assignment.name}.py, "
                                 f"reference = \"solutions.{assignment.name}\")") from None
        raise _failed_import(assignment.reference, exc) from None
    except Exception as exc:  # the reference itself fails as it is imported
        raise _failed_import(assignment.reference, exc) from None
    defined = sorted(name for name, value in vars(reference).items() if callable(value) and not name.startswith("_")
                     and getattr(value, "__module__", None) == reference.__name__)
    for i, q in enumerate(assignment.questions):
        if not callable(getattr(reference, q.function, None)):
            raise AuthoringError(f"{toml}: questions[{i}] ({q.name}).function = {q.function!r}: "
                                 f"{shown(reference.__file__)} defines no {q.function} (it defines: "
                                 f"{', '.join(defined) or 'nothing'})")
    for name in assignment.support_files:
        if not (assignment.root / name).is_file():
            raise AuthoringError(f"{toml}: support_files: {name} is not in {shown(assignment.root)}/: add it, or "
                                 "take it off the list")


def _failed_import(module, exc):
    path = Path(PROJECT, *module.split(".")).with_suffix(".py")
    return AuthoringError(f"{at(path, exc)}: importing {module} raised {type(exc).__name__}: {exc}")
