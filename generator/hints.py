"""Hints point at the error; they never state the answer.

A question's public test file in the student zip holds every catalogued mistake's hint in plain
text (``grader.check`` shows one only when an answer matches its mistake, but the file is there
to read). So a hint tells a student where to look, in the notebook's own names, and the build
refuses one that states a formula or repeats the reference's code.

What counts as a formula is deliberately broad, since a hint needs none to point:
- arithmetic between two operands (``+ - − · × * / ÷ ^ ±``), unless both are plain numbers
  ("inf / inf is NaN" is a fact about floating point, not an answer);
- a relation (``= ≈ ≠ < > ≤ ≥``), unless one side is a plain number ("a unit with w_j = 0" is a
  condition);
- a sum, product, root or derivative sign applied to something (``Σx``, ``√n``, ``∂L``);
- a power or an inverse written on something (``x²``, ``(FᵀF)⁻¹``).
A derivative's name such as ``dL/dθ`` is a name, and a hyphen between letters is a word
("one-sample"). Code counts when it is a call, an operation or an index taken from the
reference's own body (``np.mean(y)``).
"""

import ast
import inspect
import re
import textwrap

from autograder.syntax import parse
from generator.authoring import AuthoringError

_LETTER = r"A-Za-z\u0370-\u03ff\u1d00-\u1dbf"  # Latin, Greek, the small superscript letters (ᵀ)
_SCRIPT = "²³¹⁰⁴⁵⁶⁷⁸⁹⁻ᵀᵢⱼₙ′'"
_OPERAND_END = re.compile(rf"[{_LETTER}0-9_)\]}}|{_SCRIPT}]")
_OPERAND_START = re.compile(rf"[{_LETTER}0-9_(\[{{|−Σ∑∏√∂∇]")
_ARITHMETIC = "+−·×*/÷^±"
_RELATION = "=≈≠<>≤≥"
_BIG = re.compile(r"[Σ∑∏√∂∇]\s*[(\w]")
_POWER = re.compile(rf"[{_LETTER}0-9_)\]|][²³⁻]")
_NUMBER = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?(?:e-?[0-9]+)?|inf|nan|NaN)$")
_DERIVATIVE = re.compile(rf"\bd[{_LETTER}]+/d[{_LETTER}]+\b")
_TOKEN = re.compile(rf"[{_LETTER}0-9_.{_SCRIPT}]+$")


def formula_in(text):
    """The first formula ``text`` states, a little of it around the operator; or None."""
    said = text
    text = _DERIVATIVE.sub(lambda m: "D" * len(m.group()), text)  # keep positions, lose the slash
    for i, char in enumerate(text):
        if char == "-":
            if not _binary_hyphen(text, i):
                continue
        elif char == "*" and i > 0 and _OPERAND_END.match(text[i - 1]) and text[i + 1:i + 2] in ("", " ", ",", ".",
                                                                                               ";", ":", ")"):
            continue  # written tight to a name and loose after it, a star names an optimum: "θ* is"
        elif char not in _ARITHMETIC and char not in _RELATION:
            continue
        if char in "+−±" and text[i - 1:i] == " " and text[i + 1:i + 2] not in ("", " ", "="):
            continue  # a sign, written tight to what it signs: "±inf", "gives −1"
        left, right = _operand_before(text, i), _operand_after(text, i)
        if left is None or right is None:
            continue
        numbers = [bool(_NUMBER.match(side)) for side in (left, right)]
        if char in _RELATION and any(numbers):
            continue
        if char not in _RELATION and all(numbers):
            continue
        return _around(said, i)
    for pattern in (_BIG, _POWER):
        match = pattern.search(text)
        if match:
            return _around(said, match.start())
    return None


def _binary_hyphen(text, i):
    """An ASCII hyphen is minus when spaced on both sides ("θ - y") or written tight after a
    number or a bracket ("2-x", "(a)-b"); between letters it joins a word."""
    before, after = text[i - 1:i], text[i + 1:i + 2]
    if before == " " and after == " ":
        return True
    return before != "" and after != "" and (before.isdigit() or before in ")]") and bool(_OPERAND_START.match(after))


def _operand_before(text, i):
    j = i
    while j > 0 and text[j - 1] == " ":
        j -= 1
    if j == 0 or not _OPERAND_END.match(text[j - 1]):
        return None
    token = _TOKEN.search(text[:j])
    return token.group() if token else text[j - 1]


def _operand_after(text, i):
    j = i + 1
    if j < len(text) and text[j] == "=" and text[i] in "+-*/=<>":  # += -= == <= >=
        j += 1
    while j < len(text) and text[j] == " ":
        j += 1
    if j == len(text) or not _OPERAND_START.match(text[j]):
        return None
    token = re.match(rf"[{_LETTER}0-9_.{_SCRIPT}]+", text[j:])
    return token.group() if token else text[j]


def _around(text, i):
    """The formula around ``text[i]`` for a message: a dozen characters each side, out to whole words."""
    start, end = max(0, i - 12), min(len(text), i + 13)
    while start > max(0, i - 30) and text[start - 1] != " ":
        start -= 1
    while end < min(len(text), i + 30) and text[end] != " ":
        end += 1
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def reference_code_in(hint, function):
    """The first call, operation or computed index of ``function``'s body that ``hint`` repeats, or
    None. Spaces are ignored; anything shorter than six characters is too common to count."""
    try:
        tree = parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):  # no source to compare with (a built-in, a lambda)
        return None
    squeezed = re.sub(r"\s+", "", hint)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            continue  # a part by its index names it, as the notebook does ("net[2]")
        if isinstance(node, (ast.Call, ast.BinOp, ast.Subscript, ast.Compare)):
            code = re.sub(r"\s+", "", ast.unparse(node))
            if len(code) >= 6 and code in squeezed:
                return ast.unparse(node)
    return None


def check_hints(assignment, mistakes, reference):
    """Refuse (``AuthoringError``) a hint that states a formula or repeats the reference's code."""
    functions = {q.name: getattr(reference, q.function, None) for q in assignment.questions}
    for mistake in mistakes:
        found = formula_in(mistake.hint)
        what = f"states a formula ({found!r})" if found else None
        if not what and functions.get(mistake.question) is not None:
            code = reference_code_in(mistake.hint, functions[mistake.question])
            what = f"repeats the reference's code ({code!r})" if code else None
        if what:
            raise AuthoringError(f"assignment/{assignment.root.name}/mistakes.py: the hint of {mistake.question}'s "
                                 f"mistake {mistake.name!r} {what}: hints ship to every student in the public test "
                                 "files, so a hint points at the error in the notebook's words and never states the "
                                 "answer")
