"""A notebook's HTML page that works with no network: the solution page students open on trains,
in exam rooms and behind firewalls.

Every formula of the markdown cells is turned into MathML at build time (``latex2mathml``), which
Chromium, Firefox and Safari draw themselves; nbconvert's page is rendered without the scripts
it would fetch from a CDN (MathJax, require.js, mermaid, the widget manager). A widget shows the
picture it saved in its output. A formula that cannot be converted is shown as its TeX source in
a monospace box that says so, never silently.
"""

import html

import jinja2

from autograder.mathml import MATH_CSS, MATHML_NAMESPACE, markdown_with_mathml

# nbconvert's lab page, less everything it loads from a CDN.
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>
""" + MATH_CSS + """
</style>
{%- endblock extra_css -%}
"""


def offline_html(nb):
    """(the notebook as a page that needs no network, the formulas that could not be rendered)."""
    from xml.etree import ElementTree

    import nbformat
    from nbconvert import HTMLExporter

    # nbconvert gives each heading its anchor by parsing it as XML and writing it back: MathML
    # in a heading came back as <ns0:math>, which a browser shows as plain text. With MathML
    # as the default namespace it comes back as <math>.
    ElementTree.register_namespace("", MATHML_NAMESPACE)

    page = nbformat.from_dict(nb)  # a copy: the notebook itself keeps its TeX
    unrendered = []
    for cell in page.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_with_mathml(cell.source, unrendered)
    exporter = HTMLExporter(extra_loaders=[jinja2.DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})],
                            template_file="offline.html.j2")
    body, _ = exporter.from_notebook_node(page)
    return body, unrendered


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
{math_css}
</style></head>
<body><main class="markdown-page">
{body}
</main></body></html>
"""


def markdown_page(markdown, title):
    """A Markdown document (our own, never a student's) as a page that needs no network:
    formulas as MathML, rendered by mistune (nbconvert's Markdown renderer)."""
    import mistune

    unrendered = []
    body = mistune.html(markdown_with_mathml(markdown, unrendered))
    return PAGE.format(title=html.escape(title), body=body, math_css=MATH_CSS), unrendered
