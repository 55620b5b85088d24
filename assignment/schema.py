"""What ``assignment.toml`` may hold: every key, its type, its default and what it is for, in one
place. ``read_toml`` checks a file against it and turns every mistake into one line that names
the file, the key and the question, instead of a traceback: an unknown key ("did you mean …"),
a missing one, a value of the wrong type, a TOML syntax error, or TeX whose backslashes TOML took
for escapes.
"""

import difflib
import re
from pathlib import Path
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


class AssignmentError(ValueError):
    """An assignment's source is wrong; the message names the file and says what to change."""


class _Strict(BaseModel):
    # Unknown keys are mistakes, and "2" is not a number: nothing is guessed.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class QuestionData(_Strict):
    name: str = Field(description="the question's name, as the template and the cases know it (q1_mse)")
    function: str = Field(description="the reference function that answers it, in solutions/<name>.py")
    points: float = Field(gt=0, description="its points")


class RubricItemData(_Strict):
    points: float = Field(ge=0, description="what saying this earns")
    item: str = Field(min_length=1, description="what an answer must say to earn these points")


class WrittenData(_Strict):
    name: str = Field(description="the written question's name, as the template knows it")
    points: float = Field(gt=0, description="its points; its rubric items add up to them")
    rubric: List[RubricItemData] = Field(default=[], description="the rubric the TAs tick")


class AssignmentData(_Strict):
    name: str = Field(description="the assignment's name: its folder under assignment/")
    title: str = Field(description="the notebook's title")
    notebook: str = Field(description="the notebook's file name (hw99.ipynb)")
    template: str = Field(description="the notebook's Jinja template, in the assignment's folder")
    reference: str = Field(description="the module of reference functions (solutions.hw99)")
    support_files: List[str] = Field(default=[], description="files of its folder the students get")
    python_version: str = Field(description="the Python of Gradescope's image (3.11)")
    term_seed: int = Field(description="picks the data set and the hidden cases: change it every term")
    questions: List[QuestionData] = Field(min_length=1, description="the autograded questions")
    written: List[WrittenData] = Field(default=[], description="the questions graded by hand")
    commands: Dict[str, str] = Field(default={}, description="its own commands: name = \"module:attribute\"")
    build_cell_timeout: Optional[float] = Field(default=None, gt=0,
                                                description="seconds a notebook cell may take in the build")
    score_from: Literal["hidden", "all"] = Field(
        default="hidden", description="which cases a question's score counts: the hidden ones (public cases are "
                                      "the check students run, so hard-coding them earns nothing), or all")

    @field_validator("python_version", mode="before")
    @classmethod
    def _version_as_text(cls, value):
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# What TOML makes of TeX in a "double-quoted" string: \t, \b, \f and \r are escapes (\top,
# \beta, \frac, \rho), and no text of an assignment.toml has those control characters otherwise.
_ESCAPED_TEX = re.compile(r"[\t\b\f\r][a-zA-Z]{2,}")
_TEX_HINT = ("write TeX in a 'single-quoted' (literal) TOML string, or '''…''' over several lines, "
             "where a backslash is a backslash")


def read_toml(path):
    """The checked contents of ``path`` (an assignment.toml), as ``AssignmentData``."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssignmentError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise AssignmentError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        hint = f": {_TEX_HINT}" if "escape" in str(exc).lower() else ""  # "Unescaped '\\'", "Invalid escape"
        raise AssignmentError(f"{path}: not valid TOML: {exc}{hint}") from None
    _refuse_escaped_tex(path, data)
    try:
        return AssignmentData.model_validate(data)
    except ValidationError as exc:
        # An unknown key first: it is most often the cause of a "missing" beside it (a typo).
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise AssignmentError(f"{path}: {describe(errors[0], data)}") from None


def describe(error, data):
    """One pydantic error as an instructor reads it: where (the question by its name), then what."""
    loc, kind = error["loc"], error["type"]
    where = _where(loc[:-1] if kind == "extra_forbidden" else loc, data)
    key = loc[-1]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(key), known, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        return f"{where + ': ' if where else ''}unknown key {key!r}{suggestion}"
    if kind == "missing":
        return f"{where}: missing (every assignment.toml needs it)" if len(loc) == 1 else f"{where}: missing"
    given = error.get("input")
    shown = f"{type(given).__name__} {given!r}" if not isinstance(given, (dict, list)) else type(given).__name__
    return f"{where}: {error['msg'][0].lower() + error['msg'][1:]}, not the {shown}"


def _where(loc, data):
    parts, node = [], data
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{step}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def _known_keys(loc):
    """The keys allowed where ``loc`` points (a table of the file)."""
    model = AssignmentData
    for step in loc:
        if isinstance(step, int):
            continue
        annotation = model.model_fields[step].annotation
        model = next((a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)
                      and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def _refuse_escaped_tex(path, data, where=""):
    """A string with a tab or form feed before letters is TeX that TOML escaped (\\top, \\frac)."""
    if isinstance(data, dict):
        for key, value in data.items():
            _refuse_escaped_tex(path, value, f"{where}.{key}" if where else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            name = value.get("name") if isinstance(value, dict) else None
            _refuse_escaped_tex(path, value, f"{where}[{index}]" + (f" ({name})" if name else ""))
    elif isinstance(data, str) and (found := _ESCAPED_TEX.search(data)):
        letter, name = {"\t": ("t", "a tab"), "\b": ("b", "a backspace"), "\f": ("f", "a form feed"),
                        "\r": ("r", "a carriage return")}[found.group()[0]]
        word = letter + found.group()[1:]
        raise AssignmentError(f"{path}: {where}: TOML took the \\{letter} of TeX's \\{word} for an escape "
                              f"({name}): {_TEX_HINT}")
