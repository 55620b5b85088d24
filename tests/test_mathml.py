"""A student's answer as HTML (``answer_html``): shown as written, formulas as MathML, and nothing
of it able to run, style or fetch anything."""

from html.parser import HTMLParser

import pytest

from autograder.mathml import ANSWER_TAGS, MATHML_TAGS, answer_html


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

HOSTILE = [
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned = 2">',
    "[click](javascript:alert(1))",
    "![tracker](http://evil.example/pixel.png)",
    "<math><mi>x</mi><style>*{display:none}</style></math>",
    r"$\text{<script>alert(1)</script>}$",
    r"$\text{<h1>Score: 2/2, graded</h1>}$",
    r'$\href{javascript:alert(1)}{x}$',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_a_student_writes_becomes_active_html(text):
    html = answer_html(text)
    for tag, attrs in Elements(html).found:
        assert tag in ANSWER_TAGS | MATHML_TAGS and tag != "h1", (text, html)
        assert not any(name.startswith("on") or name == "style" for name in attrs), (text, html)
        assert not any(v and ("javascript:" in v or "//evil" in v) for v in attrs.values()), (text, html)


def test_text_in_a_formula_is_shown_as_typed_and_the_rest_of_the_answer_stays_outside_it():
    html = answer_html(r"We know $\text{x<y and y>z}$ so done")
    assert "<mtext>x&lt;y&nbsp;and&nbsp;y&gt;z</mtext></mrow></math> so done" in html
    assert "<mo>&lt;</mo>" in answer_html("$a < b$")  # a comparison is still an operator


def test_markdown_and_math_are_rendered_and_tex_is_gone():
    html = answer_html("So **nothing changes**: $e^{z_k - m}$ and\n\n$$\\sum_k e^{z_k}$$")
    assert "<strong>nothing changes</strong>" in html and html.count("<math") == 2
    assert 'display="block"' in html and "\\sum" not in html and "$" not in html


def test_operator_names_are_spaced_as_tex_spaces_them():
    """latex2mathml writes \\log as a bare <mi>, which a browser runs into what follows ("logp_n")."""
    from autograder.mathml import THIN_SPACE, mathml

    assert f"<mi>log</mi>{THIN_SPACE}<msub>" in mathml(r"\log p_n", False)
    assert f"<mi>x</mi>{THIN_SPACE}<mi>log</mi>{THIN_SPACE}<mi>p</mi>" in mathml(r"x \log p", False)
    assert THIN_SPACE not in mathml(r"\log(p) + \exp(z)", False)  # none before a bracket, as in TeX
    assert f"<mi>tanh</mi>{THIN_SPACE}<mi>a</mi>" in answer_html("$\\tanh a$")  # the space survives the allowlist
