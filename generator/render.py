"""Render an assignment's Jinja template into notebook text, for one variant.

The template names each question once, in a block that emits everything else from
``assignment.toml``: the heading with its points, the function cell and its check cell, or the
hand-graded answer cell.

    {% call autograded("(i) The gradient", "q1a_grad") %} prompt, practice answers {% endcall %}
    {% call written("(v) Do all points get the same vote?", "q1b_votes") %}
        prompt {% call answer() %} the key {% endcall %}
    {% endcall %}

    {% call practice("Where would you put the elbows?") %} prompt, answers {% endcall %}

An ``answer()`` outside ``written`` is a practice answer: shown in the solution, not graded.
"""

import json

import jinja2
from markupsafe import Markup

from assignment.model import PRACTICE_PLACEHOLDER, WRITTEN_PLACEHOLDER
from generator.authoring import AuthoringError, at, shown
from generator.source import function_source

VARIANTS = ("student", "solution")


def render_source(assignment, variant, seed):
    """The template rendered for ``variant``: jupytext MyST markdown text."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    solution = variant == "solution"
    reference = assignment.reference_module()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(assignment.root),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    used = []  # every question name the template emits, in order
    inside_written = []  # the written question whose block is being rendered

    def code_cell(metadata, source):
        meta = "".join(f"{key}: {json.dumps(value)}\n" for key, value in metadata.items())
        return f"```{{code-cell}} ipython3\n---\n{meta}---\n{source}\n```\n"

    def autograded(title, *names, caller):
        """Heading with points, the caller's prompt, then each question's function to fill in
        (the reference code in the solution) and its check cell."""
        questions = [assignment.question(name) for name in names]
        used.extend(names)
        if len(questions) == 1:
            points = f"autograded, {_points(questions[0].points)}"
        else:
            points = "autograded: " + ", ".join(f"`{q.function}` {_points(q.points)}" for q in questions)
        cells = []
        for q in questions:
            source = function_source(getattr(reference, q.function))
            cells.append(code_cell({"question": q.name},
                                   (source.solution if solution else source.student).rstrip("\n")))
            cells.append(code_cell({"check": q.name, "deletable": False, "editable": False},
                                   f'grader.check("{q.name}")'))
        return Markup(f"#### {title} · {points}\n\n{caller().strip()}\n\n" + "\n".join(cells))

    def written(title, name, caller):
        """Heading with points, the caller's prompt and its ``answer()``, the hand-graded cell."""
        question = assignment.written_question(name)
        used.append(name)
        inside_written.append(name)
        try:
            body = caller().strip()
        finally:
            inside_written.pop()
        if f'"written": "{name}"' not in body:
            raise jinja2.TemplateRuntimeError(f"written question {name!r} has no answer() in its block")
        return Markup(f"#### {title} · graded by hand, {_points(question.points)}\n\n{body}\n")

    def practice(title, caller):
        """Heading of an ungraded exercise, then the caller's prompt and its ``answer()``."""
        return Markup(f"#### {title} · practice, not graded\n\n{caller().strip()}\n")

    def answer(caller=None):
        """A markdown cell of its own: the worked answer (solution) or the student's space."""
        if caller is None:
            raise jinja2.TemplateRuntimeError("use {% call answer() %}...{% endcall %}")
        text = caller().strip("\n")
        name = inside_written[-1] if inside_written else None
        if solution:
            body = f"**Solution.** {text.lstrip()}"
            if name:
                body += "\n\n" + rubric_markdown(assignment.written_question(name))
        else:
            body = WRITTEN_PLACEHOLDER if name else PRACTICE_PLACEHOLDER
        meta = json.dumps({"written": name}) if name else ""
        return Markup(f"+++ {meta}".rstrip() + f"\n\n{body}\n\n+++\n")

    path = assignment.root / assignment.template
    try:
        template = env.get_template(assignment.template)
        text = template.render(assignment=assignment, solution=solution, seed=seed,
                               autograded=autograded, written=written, practice=practice,
                               answer=answer)
    except jinja2.TemplateSyntaxError as exc:
        raise AuthoringError(f"{shown(path)}, line {exc.lineno}: {exc.message} (Jinja syntax)") from None
    except (jinja2.TemplateError, LookupError, ValueError, TypeError) as exc:
        # A block naming no question, an answer() out of place, a name the template does not know.
        raise AuthoringError(f"{at(path, exc)}: {exc}") from None
    _check_every_question_once(assignment, used, shown(path))
    return text


def _check_every_question_once(assignment, used, where):
    twice = sorted({name for name in used if used.count(name) > 1})
    if twice:
        raise AuthoringError(f"{where}: the template emits these questions more than once: {', '.join(twice)}")
    missing = [q.name for q in (*assignment.questions, *assignment.written) if q.name not in used]
    if missing:
        raise AuthoringError(f"{where}: the template has no block for these questions: {', '.join(missing)} "
                             "(each question of assignment.toml needs its autograded() or written() block)")


def _points(points):
    return f"{points:g} point{'' if points == 1 else 's'}"


def rubric_markdown(question):
    """A written question's rubric, as the solution notebook and the release's rubric file show it."""
    lines = [f"**Rubric ({question.points:g} points).**", ""]
    lines += [f"- **{item.points:g} pt**: {item.item}" for item in question.rubric]
    return "\n".join(lines)
