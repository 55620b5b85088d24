"""Render an assignment's Jinja template into notebook text, for one variant."""

import json

import jinja2
from markupsafe import Markup

from assignment.model import ANSWER_PLACEHOLDER
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

    def function(name):
        """A graded function: the reference code, or its signature and docstring to fill in."""
        source = function_source(getattr(reference, name))
        return (source.solution if solution else source.student).rstrip("\n")

    def answer_block(written=None, caller=None):
        """A markdown cell of its own: the worked answer (solution) or the student's space.

        ``written`` names a hand-graded question; its cell carries that name in metadata.
        """
        if caller is None:
            raise jinja2.TemplateRuntimeError("use {% call answer() %}...{% endcall %}")
        text = caller().strip("\n")
        body = f"**Solution.** {text.lstrip()}" if solution else ANSWER_PLACEHOLDER
        if solution and written:
            body += "\n\n" + rubric_markdown(assignment.written_question(written))
        meta = json.dumps({"written": written}) if written else ""
        return Markup(f"+++ {meta}".rstrip() + f"\n\n{body}\n\n+++\n")

    template = env.get_template(assignment.template)
    return template.render(
        assignment=assignment,
        solution=solution,
        seed=seed,
        function=function,
        answer=answer_block,
    )


def rubric_markdown(question):
    """A written question's rubric, as the solution notebook and the release's rubric file show it."""
    lines = [f"**Rubric ({question.points:g} points).**", ""]
    lines += [f"- **{item.points:g} pt**: {item.item}" for item in question.rubric]
    return "\n".join(lines)
