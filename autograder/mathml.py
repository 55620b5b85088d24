"""Formulas as MathML, which Chromium, Firefox and Safari draw themselves: no MathJax, no
network. One place for the solution page, the rubric page, the grading report and the review
pages.

Our own Markdown (templates, rubrics) is trusted; a student's answer is not, and goes through
``answer_html``: its raw HTML escaped, its formulas converted, and the result cut down to an
allowlist of plain HTML and MathML elements, so nothing in it can run or fetch anything.
"""

import html
import re
import secrets

from latex2mathml.converter import convert

# $$ display $$ first, then $ inline $ (not \$, and not across a blank line).
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\\n]|\n(?!\s*\n))+?)\$")

# How every page shows formulas: a display formula set off, one that could not be converted marked.
MATH_CSS = ("math[display=\"block\"] { margin: .8em 0; }\n"
            ".tex-unrendered { font-family: monospace; background: #fff3f3; border: 1px solid #d99; padding: 0 .3em; }")

MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
               "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
               "mphantom", "menclose", "merror", "semantics", "annotation"}
MATHML_ATTRIBUTES = {"display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
                     "accent", "accentunder", "linethickness", "columnalign", "rowspacing", "columnspacing",
                     "width", "height", "depth", "displaystyle", "scriptlevel", "minsize", "maxsize",
                     "movablelimits", "symmetric", "form", "notation"}
ANSWER_TAGS = {"p", "br", "em", "strong", "del", "code", "pre", "ul", "ol", "li", "blockquote", "hr",
               "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a"}


MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# TeX sets a thin space around an operator name (x \log p) but none before a bracket
# (\log(p)); latex2mathml writes the name as a plain <mi>, which browsers run into its
# neighbours ("xlogp").
_OPERATOR_NAME = re.compile(r"(</(?:mi|mn|msub|msup|msubsup)>)?(<mi>(?:arccos|arcsin|arctan|arg|cos|cosh|cot|coth|"
                            r"csc|deg|det|dim|exp|gcd|hom|ker|lg|ln|log|Pr|sec|sin|sinh|tan|tanh)</mi>)"
                            r"(?!<mo stretchy=\"false\">&#x0002[89];|</)")
THIN_SPACE = '<mspace width="0.1667em"></mspace>'


class UnrenderedFormula(ValueError):
    """A formula latex2mathml cannot convert."""


def mathml(tex, display):
    """One formula as MathML; UnrenderedFormula when it cannot be converted."""
    try:
        converted = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises a family of its own errors, and others
        raise UnrenderedFormula(f"{type(exc).__name__}: {exc}") from None
    return _OPERATOR_NAME.sub(lambda m: (m.group(1) + THIN_SPACE if m.group(1) else "") + m.group(2) + THIN_SPACE,
                              converted)


def formula_html(tex, display, unrendered):
    """The formula as MathML, or its TeX in a monospace box that says it could not be drawn
    (and ``unrendered`` gains it): never silently."""
    try:
        return mathml(tex, display)
    except UnrenderedFormula as exc:
        unrendered.append((tex, str(exc)))
        return (f'<code class="tex-unrendered" title="this formula could not be rendered: '
                f'{html.escape(str(exc), quote=True)}">{html.escape(tex)}</code>')


def markdown_with_mathml(text, unrendered=None):
    """``text`` (our own Markdown) with each $…$ and $$…$$ formula replaced by MathML."""
    unrendered = [] if unrendered is None else unrendered
    text = DISPLAY_MATH.sub(lambda m: "\n\n" + formula_html(m.group(1), True, unrendered) + "\n\n", text)
    return INLINE_MATH.sub(lambda m: formula_html(m.group(1), False, unrendered), text)


# latex2mathml copies \text{…} into <mtext> unescaped: a student's "<h1>" there would be HTML.
# Angle brackets go in as private-use characters and come back out as text.
_ANGLES = (("<", "\ue000", "&lt;"), (">", "\ue001", "&gt;"))


def _without_angles(tex):
    for char, stand_in, _ in _ANGLES:
        tex = tex.replace(char, stand_in)
    return tex


def _angles_back(html_text):
    for _, stand_in, entity in _ANGLES:
        html_text = html_text.replace(f"<mi>{stand_in}</mi>", f"<mo>{entity}</mo>").replace(stand_in, entity)
    return html_text


def answer_html(markdown):
    """A student's Markdown answer as HTML that shows what they wrote and can do nothing else.

    The formulas are taken out before the Markdown is parsed (so ``_`` and ``*`` in them stay
    TeX), the Markdown is rendered with raw HTML escaped, the formulas come back as MathML, and
    nh3 keeps only plain text elements and MathML: no scripts, styles, images, forms or event
    handlers, and links only to http(s) and mail."""
    import mistune
    import nh3

    formulas, unrendered = [], []
    marker = f"math{secrets.token_hex(6)}n"  # a student cannot guess it to smuggle a formula in

    def hold(match, display):
        formulas.append(_angles_back(formula_html(_without_angles(match.group(1)), display, unrendered)))
        token = f"{marker}{len(formulas) - 1}x"
        return f"\n\n{token}\n\n" if display else token

    text = DISPLAY_MATH.sub(lambda m: hold(m, True), markdown)
    text = INLINE_MATH.sub(lambda m: hold(m, False), text)
    rendered = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])(text)
    rendered = re.sub(rf"{marker}(\d+)x", lambda m: formulas[int(m.group(1))], rendered)
    return nh3.clean(rendered, tags=ANSWER_TAGS | MATHML_TAGS,
                     attributes={"*": {"title"}, "code": {"class", "title"}, "a": {"href"},
                                 **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
