import jupytext

from generator.render import render_source


class RenderTemplate:
    """Start of every pipeline: the Jinja template, rendered for the variant, as a notebook."""

    def __call__(self, nb, resources):
        text = render_source(resources["assignment"], resources["variant"], resources["seed"])
        return jupytext.reads(text, fmt="md:myst")
