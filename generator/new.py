"""``eecs182 new NAME``: a new assignment that builds and verifies as it is.

Its files come from the templates in ``generator/scaffold/``, laid out as they land in the
project: ``NAME`` in a path stands for the new assignment's name, and the last ``.j2`` is
dropped. They are Jinja templates with the delimiters ``<< >>``, ``<% %>`` and ``<# #>``, so
that the notebook template among them keeps its own ``{{ }}`` and ``{% %}`` for the build.
Nothing is written unless every file can be: a bad or taken name, or any file already there,
refuses the whole scaffold.
"""

import datetime
import json
import keyword
from pathlib import Path

import jinja2

import assignment.model as model

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
# The project's packages that hold an assignment's files: a new name must shadow nothing in them.
PACKAGES = ("assignment", "solutions")


class ScaffoldError(ValueError):
    """Why the scaffold was refused. Nothing was written."""


def project_root():
    """The folder that holds ``assignment/``, ``solutions/`` and ``autograder/``."""
    return model.ASSIGNMENTS_DIR.parent


def check_name(name):
    if not name.isidentifier() or not name.isascii():
        raise ScaffoldError(f"{name!r} is not a Python identifier: use lowercase letters, digits and "
                            f"underscores, not starting with a digit (it names a package and modules)")
    if name != name.lower():
        raise ScaffoldError(f"{name!r} has capitals: assignment names are lowercase ({name.lower()!r}?)")
    if keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} is a Python keyword: it cannot name a module")


def planned(name, root):
    """(template, target) for every file of the scaffold."""
    plan = [(t, root / t.relative_to(SCAFFOLD).with_suffix("").as_posix().replace("NAME", name))
            for t in SCAFFOLD.rglob("*.j2") if t.is_file()]
    return sorted(plan, key=lambda pair: pair[1])


def conflicts(name, root, targets):
    """What is already there: the assignment itself, any target, or a module the new files
    would shadow (``assignment/model.py`` for ``model``) or be shadowed by."""
    if (root / "assignment" / name).exists():
        return [f"there is already an assignment folder assignment/{name}/: choose another name"]
    found = [path for package in PACKAGES for path in (root / package / name, root / package / f"{name}.py")]
    found += targets
    return [f"{path.relative_to(root)} already exists" for path in dict.fromkeys(found) if path.exists()]


def render(template, **values):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SCAFFOLD),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
    )
    env.filters["toml"] = lambda text: json.dumps(text, ensure_ascii=False)  # a TOML basic string
    return env.get_template(template.relative_to(SCAFFOLD).as_posix()).render(**values)


def scaffold(name, title=None, root=None):
    """Write the new assignment ``name``; the paths written, in order."""
    root = Path(root) if root is not None else project_root()
    check_name(name)
    title = f"{name}: a new assignment" if title is None else title.strip()
    if not title or "\n" in title or "\r" in title:
        raise ScaffoldError("the title must be one line of text, not empty")
    plan = planned(name, root)
    problems = conflicts(name, root, [target for _, target in plan])
    if problems:
        raise ScaffoldError("nothing written: " + "; ".join(problems))
    values = dict(name=name, title=title, term_seed=datetime.date.today().year)
    texts = [(target, render(template, **values)) for template, target in plan]  # all, before writing
    for target, text in texts:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return [target for target, _ in texts]


def next_steps(name):
    return "\n".join([
        "Next:",
        f"  eecs182 build {name}                                build and verify its release in dist/{name}/",
        f"  eecs182 grade SUBMISSIONS... -o OUT --assignment {name}  grade with its autograder",
        "Then grow it: docs/instructor-guide.md, \"Writing a new assignment\" (questions, mistakes, case kinds, "
        "support files, commands).",
    ])
