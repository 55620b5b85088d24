"""The notebook's export cell: a submission zip that holds the work the kernel ran.

JupyterLab autosaves only every couple of minutes and ``grader.export`` zips whatever is on
disk, so a student could upload an untouched notebook. Here the export first asks the front end
to save; then, whether or not that worked, it compares every graded function the kernel knows
with its definition in the notebook on disk and refuses, removing any older zip, when they
differ. The zip also carries a PDF of the written answers for the hand-graded assignment.

Shipped beside the student's notebook as ``submit.py``; it needs otter and nbformat, and fpdf2
and matplotlib for the PDF (without fpdf2 the zip is still made, and the result says the PDF is
missing).
"""

import ast
import inspect
import io
import os
import re
import textwrap
import time
from dataclasses import dataclass, field
from html import escape, unescape

import nbformat

SAVE_WAIT_SECONDS = 3.0
# What a hand-graded answer's cell holds until the student writes in it: a copy of
# assignment.model.WRITTEN_PLACEHOLDER (this file ships alone; tests/test_submit.py compares).
PLACEHOLDER = "_Graded by hand: type your answer here, replacing this text._"


@dataclass
class Export:
    """What one run of the export cell did: shown as a short HTML note in the notebook."""

    notebook: str
    zip_path: str = None
    saved: bool = False
    stale: list = field(default_factory=list)  # graded functions the disk does not hold as run
    unreadable: str = None
    pdf: str = None
    pdf_problem: str = None
    checks: dict = field(default_factory=dict)  # question -> passed its public tests
    blank_written: list = field(default_factory=list)

    @property
    def ok(self):
        return self.zip_path is not None

    def _repr_mimebundle_(self, **kwargs):
        html = self._html()
        return {"text/html": html, "text/plain": _text(html)}

    def _html(self):
        if self.unreadable:
            return _note("red", f"Could not read {escape(self.notebook)}: {escape(self.unreadable)}. "
                                "Save it with Ctrl+S (File ▸ Save Notebook), then run this cell again.")
        if not self.ok:
            names = ", ".join(f"<code>{escape(n)}</code>" for n in self.stale)
            return _note("red", f"<b>Not exported: the saved notebook is older than what you ran.</b> "
                                f"On disk, {names} differ from the code your kernel ran. Save with "
                                f"<b>Ctrl+S</b>, then run this cell again. (No zip was left behind, so "
                                f"an outdated one cannot be uploaded by mistake.)")
        passed = sum(self.checks.values())
        failing = [q for q, ok in self.checks.items() if not ok]
        lines = [f"<b>Exported <a href='{escape(self.zip_path)}' download>{escape(self.zip_path)}</a></b>"
                 f" ({'saved just now' if self.saved else 'the saved notebook matches what you ran'}). "
                 "Upload this zip to Gradescope."]
        if self.checks:
            lines.append(f"Public checks: {passed} of {len(self.checks)} pass"
                         + (f"; not yet: {', '.join(failing)}." if failing else "."))
        if self.blank_written:
            lines.append(f"Written answers still blank: {', '.join(self.blank_written)}.")
        if self.pdf:
            lines.append(f"The zip holds <code>{escape(os.path.basename(self.pdf))}</code>, the PDF of "
                         "your written answers, for the hand-graded assignment.")
        else:
            lines.append(f"No PDF of the written answers: {escape(self.pdf_problem)}. The zip is complete "
                         "without it.")
        return _note("green" if not failing and not self.blank_written else "orange",
                     "<br>".join(lines))


def _text(html):
    return unescape(re.sub(r"<[^>]+>", "", html.replace("<br>", "\n"))).strip()


def _note(color, html):
    return f"<div style='border-left: 4px solid {color}; padding: 0.3em 0.8em'>{html}</div>"


def export(grader, notebook, zip_name=None, namespace=None):
    """Save, verify and zip ``notebook``. The graded functions are those defined in the cells
    that carry a ``question`` in their metadata; the hand-graded answers carry ``written``."""
    namespace = _user_namespace() if namespace is None else namespace
    zip_path = zip_name or os.path.splitext(notebook)[0] + "_submission.zip"
    result = Export(notebook)
    result.saved = save_from_front_end(notebook)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # empty, half-written or not JSON: the student must save again
        result.unreadable = f"{type(exc).__name__}: {exc}"
        _remove(zip_path)
        return result
    questions = graded_functions(nb)
    result.stale = stale_functions(nb, namespace, [f for names in questions.values() for f in names])
    if result.stale:
        _remove(zip_path)
        return result

    answers = written_answers(nb)
    result.blank_written = [name for name, (*_, answer) in answers.items() if not answer]
    pdf_path = os.path.splitext(notebook)[0] + "_written.pdf"
    try:
        write_pdf(pdf_path, _title(nb, notebook), answers)
        result.pdf = pdf_path
    except ImportError:
        result.pdf_problem = "fpdf2 is not installed here (pip install fpdf2)"
    except Exception as exc:  # the PDF is an extra: its failure must not cost the zip
        result.pdf_problem = f"{type(exc).__name__}: {exc}"

    _remove(zip_path)
    grader.export(notebook, export_path=zip_path, pdf=False, files=[result.pdf] if result.pdf else [],
                  display_link=False, force_save=False, run_tests=False)
    result.zip_path = zip_path
    result.checks = public_checks(grader, questions, namespace)
    return result


def graded_functions(nb):
    """question -> the functions its answer cell defines, from the notebook's cell metadata."""
    found = {}
    for cell in nb.cells:
        question = cell.metadata.get("question")
        if cell.cell_type == "code" and question:
            found[question] = sorted(_definitions_in(cell.source))
    return found


def _title(nb, notebook):
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return os.path.basename(notebook)


def _user_namespace():
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# --- saving -----------------------------------------------------------------------------------


def save_from_front_end(notebook, wait=None):
    """Ask JupyterLab (through ipylab) to save the open notebook; True once the file on disk
    is newer than before. Where no front end listens (nbclient, a plain console) the request
    goes nowhere and this returns False after ``wait`` seconds (default: SAVE_WAIT_SECONDS, read
    when called, so that a run known to have no front end may shorten it)."""
    wait = SAVE_WAIT_SECONDS if wait is None else wait
    try:
        from ipylab import JupyterFrontEnd
    except ImportError:
        return False
    try:
        before = os.path.getmtime(notebook)
    except OSError:
        before = 0.0
    try:
        JupyterFrontEnd().commands.execute("docmanager:save")
    except Exception:  # no comm to a front end: nothing will save
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if os.path.getmtime(notebook) > before and os.path.getsize(notebook) > 0:
                time.sleep(0.1)  # the front end writes in one go; let it finish the rename
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


# --- what the disk holds against what the kernel ran --------------------------------------------


def stale_functions(nb, namespace, names):
    """The graded functions the kernel has defined whose source is not in the notebook ``nb``
    as defined: unsaved edits. A function the kernel never ran is not stale: the grader runs the
    notebook from disk."""
    on_disk = definitions(nb)
    stale = []
    for name in names:
        fn = namespace.get(name)
        if not callable(fn):
            continue
        try:
            ran = _normalise(_from_def(inspect.getsource(fn)))
        except (OSError, TypeError):  # defined outside a cell (exec, a module): cannot compare
            continue
        if ran not in on_disk.get(name, ()):
            stale.append(name)
    return stale


def definitions(nb):
    """Every top-level function definition in the notebook's code cells: name -> sources."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            for name, source in _definitions_in(cell.source).items():
                found.setdefault(name, set()).add(source)
    return found


def _definitions_in(cell_source):
    """name -> normalised source of each function a cell defines at its top level."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(cell_source)  # magics to plain Python
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    return {node.name: _normalise(ast.get_source_segment(code, node)) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _from_def(source):
    """The source from its ``def`` line on (the kernel's includes decorators; ast's does not)."""
    lines = textwrap.dedent(source).splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("def ", "async def ")):
            return "\n".join(lines[i:])
    return source


def _normalise(source):
    return "\n".join(line.rstrip() for line in textwrap.dedent(source).strip().splitlines())


# --- written answers and their PDF --------------------------------------------------------------


def written_answers(nb):
    """question -> (title, prompt, answer) for each hand-graded question; a blank answer is ''."""
    found = {}
    for previous, cell in zip(nb.cells, nb.cells[1:]):
        name = cell.metadata.get("written")
        if name and cell.cell_type == "markdown":
            answer = cell.source.strip()
            found[name] = (*written_prompt(previous), "" if answer in ("", PLACEHOLDER) else answer)
    return found


def written_prompt(cell):
    """(title, prompt) of the markdown cell before a written answer: its last ``####`` heading
    (without the points the template adds) and the text below it."""
    if cell.cell_type != "markdown":
        return "", ""
    text = cell.source.strip()
    start = text.rfind("#### ")
    if start < 0:
        return "", text
    heading, _, prompt = text[start:].partition("\n")
    return heading[5:].split(" · ")[0].strip(), prompt.strip()


def write_pdf(path, title, answers):
    """The written answers as Gradescope's hand-graded assignment wants them: one page (or more)
    per question, headed by its name and title, so that its page matching finds each answer.
    The prompt and the answer keep their math: every ``$…$`` and ``$$…$$`` is drawn by
    matplotlib's mathtext. A formula mathtext cannot draw is shown as its TeX in a grey
    monospace box, and the page says so under the answer."""
    from fpdf import FPDF

    fonts = _dejavu_folder()
    pdf = FPDF(format="letter")
    pdf.set_title(f"{title}: written answers")
    pdf.set_author("submitted notebook")
    pdf.add_font("DejaVu", "", os.path.join(fonts, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(fonts, "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVuMono", "", os.path.join(fonts, "DejaVuSansMono.ttf"))
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(False)  # _Flow breaks pages itself, line by line
    for name, (heading, prompt, answer) in answers.items():
        pdf.add_page()
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(0, 4, f"{title}: written answers", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        flow = _Flow(pdf, f"{name} (continued)")
        flow.paragraphs(f"**{name}: {heading}**" if heading else f"**{name}**", size=14)
        flow.paragraphs(prompt, size=9.5, grey=True)
        pdf.set_draw_color(160, 160, 160)
        pdf.line(pdf.l_margin, pdf.get_y() + 1.5, pdf.w - pdf.r_margin, pdf.get_y() + 1.5)
        pdf.ln(4)
        flow.paragraphs(answer or "(no answer)", size=11)
        if flow.undrawn:
            flow.paragraphs(f"Note: {flow.undrawn} formula{'s' if flow.undrawn > 1 else ''} could not be "
                            "drawn and {} shown as typed, in a grey box.".format(
                                "are" if flow.undrawn > 1 else "is"), size=8.5, grey=True)
    pdf.output(str(path))
    return path


PAGE_MARGIN = 18  # mm
MATH_DPI = 600
MIN_MATH_SCALE = 0.5  # a formula wider than the line is drawn smaller, down to half its size
# LaTeX spellings mathtext does not know, and the ones it does (students type either).
MATH_ALIASES = {r"\le": r"\leq", r"\ge": r"\geq", r"\ne": r"\neq", r"\lVert": r"\Vert", r"\rVert": r"\Vert",
                r"\lvert": "|", r"\rvert": "|", r"\tfrac": r"\frac", r"\dfrac": r"\frac",
                r"\bigl": "", r"\bigr": "", r"\Bigl": "", r"\Bigr": ""}
_ALIAS = re.compile(r"(%s)(?![A-Za-z])" % "|".join(re.escape(a) for a in MATH_ALIASES))
_BARE_FRACTION = re.compile(r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])")  # \frac14: TeX allows it, mathtext not
# $$display$$ first, then $inline$ (not a lone dollar, not \$).
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])(.+?)(?<![\s\\])\$", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


class _Flow:
    """Lays out markdown paragraphs with inline formulas on the current page, breaking lines
    and pages. Words are text (so the PDF can be searched and read aloud); formulas are
    images drawn at 600 dpi, sat on the baseline of the text around them."""

    def __init__(self, pdf, continued):
        self.pdf, self.continued = pdf, continued
        self.undrawn = 0

    def paragraphs(self, markdown, size, grey=False):
        self.size, self.grey = size, grey
        for block in re.split(r"\n\s*\n", markdown.strip()):
            lines = [line.strip() for line in block.splitlines() if line.strip()]
            if any(_LIST_ITEM.match(line) for line in lines):
                for item in _list_items(lines):
                    self._paragraph(item, indent=5, bullet="•")
            else:
                self._paragraph(" ".join(line.lstrip("#").strip() for line in lines))
            self.pdf.ln(size * 0.25)

    def _paragraph(self, text, indent=0, bullet=None):
        pdf = self.pdf
        left = pdf.l_margin + indent
        width = pdf.w - pdf.r_margin - left
        line = []
        first = True

        def used():
            return sum(p.width for p in line)

        def break_line(carry=()):
            nonlocal line, first
            while line and line[-1].space:
                line.pop()
            self._emit(line, left, width, bullet if first else None)
            first, line = False, list(carry)

        for piece in (part for whole in self._pieces(text) for part in self._fit(whole, width)):
            if piece.display:  # its own centred line
                break_line()
                self._emit([piece], left + max(0.0, (width - piece.width) / 2), width, None)
                continue
            if line and used() + piece.width > width:
                # Punctuation glued to a formula goes to the next line with it, if the two fit there.
                carry = []
                if piece.glued and len(line) > 1 and not line[-1].space and line[-1].width + piece.width <= width:
                    carry = [line.pop()]
                break_line(carry)
            if line or not piece.space:
                line.append(piece)
        break_line()

    def _fit(self, piece, width):
        """A piece no wider than a line: a wider formula drawn smaller, a wider word (a long
        URL, a formula shown as typed) cut where the line ends."""
        if piece.width <= width:
            return [piece]
        if isinstance(piece, _Image):
            if width / piece.width >= MIN_MATH_SCALE:
                return [piece.scaled(width / piece.width)]
            self.undrawn += 1  # too wide to read at that size: as typed, cut into lines
            source = f"$${piece.tex}$$" if piece.display else f"${piece.tex}$"
            piece = _Word(self, source, False, False, mono=True)
        parts, start = [], 0
        self._font(piece.bold, piece.mono)
        for end in range(1, len(piece.text) + 1):
            if self.pdf.get_string_width(piece.text[start:end]) > width and end - 1 > start:
                parts.append(piece.text[start:end - 1])
                start = end - 1
        parts.append(piece.text[start:])
        return [_Word(self, text, piece.bold, piece.glued and i == 0, piece.mono, piece.display)
                for i, text in enumerate(parts)]

    def _emit(self, line, left, width, bullet):
        if not line:
            return
        pdf = self.pdf
        pt = 25.4 / 72
        above = max([self.size * pt * 0.8] + [p.above for p in line])
        below = max([self.size * pt * 0.35] + [p.below for p in line])
        if pdf.get_y() + above + below > pdf.h - PAGE_MARGIN:
            pdf.add_page()
            pdf.set_font("DejaVu", "", 8)
            pdf.set_text_color(110, 110, 110)
            pdf.cell(0, 4, self.continued, new_x="LMARGIN", new_y="NEXT")
        baseline = pdf.get_y() + above
        if bullet:
            self._font(False)
            pdf.text(left - 4, baseline, bullet)
        x = left
        for piece in line:
            piece.draw(self, x, baseline)
            x += piece.width
        pdf.set_y(baseline + below + self.size * pt * 0.25)

    def _font(self, bold, mono=False):
        self.pdf.set_font("DejaVuMono" if mono else "DejaVu", "" if mono else ("B" if bold else ""), self.size)
        grey = 90 if self.grey else 0
        self.pdf.set_text_color(grey, grey, grey)

    def _pieces(self, text):
        """Words (with their spaces) and formulas, in order; a formula is glued to the
        punctuation that follows it, so a line never starts with a comma."""
        pos = 0
        for match in _MATH.finditer(text):
            yield from self._words(text[pos:match.start()])
            display = match.group(1) is not None
            yield self._formula((match.group(1) if display else match.group(2)).strip(), display)
            pos = match.end()
        yield from self._words(text[pos:])

    def _words(self, text):
        pos = 0
        for match in _BOLD.finditer(text):
            yield from self._plain_words(text[pos:match.start()], False)
            yield from self._plain_words(match.group(1) or match.group(2), True)
            pos = match.end()
        yield from self._plain_words(text[pos:], False)

    def _plain_words(self, text, bold):
        text = re.sub(r"(?<![\w*])\*(\S[^*\n]*?)\*(?![\w*])", r"\1", text).replace("\\$", "$")
        for i, token in enumerate(re.split(r"(\s+)", text)):
            if token:
                glued = i == 0 and not token.isspace()
                yield _Word(self, " " if token.isspace() else token, bold, glued)

    def _formula(self, tex, display):
        spelled = _BARE_FRACTION.sub(r"\\frac{\1}{\2}", _ALIAS.sub(lambda m: MATH_ALIASES[m.group(1)], tex))
        image = _math_image(spelled,
                            self.size * (1.15 if display else 1.0), 90 if self.grey else 0)
        if image is None:
            self.undrawn += 1
            return _Word(self, f"$${tex}$$" if display else f"${tex}$", False, False, mono=True,
                         display=display)
        return _Image(tex, *image, display=display)  # the TeX stays as the image's alt text


class _Word:
    def __init__(self, flow, text, bold, glued, mono=False, display=False):
        self.text, self.bold, self.glued, self.mono, self.display = text, bold, glued, mono, display
        self.space = text == " "
        flow._font(bold, mono)
        self.width = flow.pdf.get_string_width(text)
        self.size = flow.size
        pt = 25.4 / 72
        self.above, self.below = self.size * pt * 0.8, self.size * pt * 0.3

    def draw(self, flow, x, baseline):
        flow.size = self.size
        flow._font(self.bold, self.mono)
        if self.mono:  # a formula that could not be drawn: its source in a grey box, said so below
            flow.pdf.set_fill_color(232, 232, 232)
            flow.pdf.rect(x, baseline - self.above, self.width, self.above + self.below, style="F")
        flow.pdf.text(x, baseline, self.text)


class _Image:
    glued = space = False

    def __init__(self, tex, png, width, above, below, display=False):
        self.tex, self.png, self.width, self.above, self.below = tex, png, width, above, below
        self.display = display

    def scaled(self, factor):
        return _Image(self.tex, self.png, self.width * factor, self.above * factor, self.below * factor,
                      self.display)

    def draw(self, flow, x, baseline):
        flow.pdf.image(io.BytesIO(self.png), x, baseline - self.above, self.width, self.above + self.below,
                       alt_text=self.tex)


def _list_items(lines):
    items = []
    for line in lines:
        if _LIST_ITEM.match(line) or not items:
            items.append(_LIST_ITEM.sub("", line))
        else:
            items[-1] += " " + line
    return items


def _math_image(tex, size, grey):
    """(png, width, height above the baseline, depth below it), in mm, of ``$tex$`` drawn by
    mathtext; None when mathtext cannot draw it (unknown commands, environments)."""
    import numpy as np
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser
    from PIL import Image

    try:
        drawn = MathTextParser("agg").parse(f"${tex}$", dpi=MATH_DPI, prop=FontProperties(size=size))
    except Exception:  # ValueError for TeX it does not know; anything else is as unreadable
        return None
    coverage = np.asarray(drawn.image, dtype=np.uint8)
    ink = np.full(coverage.shape, grey, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.stack([ink, coverage], axis=-1)).save(buffer, format="PNG")
    mm = 25.4 / MATH_DPI
    depth = drawn.depth * mm
    return buffer.getvalue(), coverage.shape[1] * mm, coverage.shape[0] * mm - depth, depth


def _dejavu_folder():
    import matplotlib

    return os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")


# --- public checks ------------------------------------------------------------------------------


def public_checks(grader, questions, namespace):
    """question -> whether its public tests pass, run quietly in the student's namespace."""
    results = {}
    for question in questions:
        try:
            results[question] = bool(grader.check(question, namespace).passed_all_public)
        except Exception:  # a missing test file or a crash in the student's code: not passing
            results[question] = False
    return results
