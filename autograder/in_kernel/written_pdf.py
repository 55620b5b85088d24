"""The PDF of a notebook's written answers, as Gradescope's hand-graded assignment wants it: one
page (or more) per question, headed by its name and title, so that its page matching finds each
answer; formulas drawn by matplotlib's mathtext. Shipped beside the student's notebook with
``submit.py``, which calls it; it needs fpdf2 and matplotlib, imported when a PDF is made.
"""

import io
import os
import re


def write_pdf(path, title, answers):
    """The written answers as Gradescope's hand-graded assignment wants them: one page (or more)
    per question, headed by its name and title, so that its page matching finds each answer.
    The prompt and the answer keep their math: every ``$…$`` and ``$$…$$`` is drawn by
    matplotlib's mathtext. A formula mathtext cannot draw is shown as its TeX in a gray
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
        flow.paragraphs(prompt, size=9.5, gray=True)
        pdf.set_draw_color(160, 160, 160)
        pdf.line(pdf.l_margin, pdf.get_y() + 1.5, pdf.w - pdf.r_margin, pdf.get_y() + 1.5)
        pdf.ln(4)
        flow.paragraphs(answer or "(no answer)", size=11)
        if flow.undrawn:
            flow.paragraphs(f"Note: {flow.undrawn} formula{'s' if flow.undrawn > 1 else ''} could not be "
                            "drawn and {} shown as typed, in a gray box.".format(
                                "are" if flow.undrawn > 1 else "is"), size=8.5, gray=True)
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

    def paragraphs(self, markdown, size, gray=False):
        self.size, self.gray = size, gray
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
            if piece.display:  # its own centered line
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
        gray = 90 if self.gray else 0
        self.pdf.set_text_color(gray, gray, gray)

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
                            self.size * (1.15 if display else 1.0), 90 if self.gray else 0)
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
        if self.mono:  # a formula that could not be drawn: its source in a gray box, said so below
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


def _math_image(tex, size, gray):
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
    ink = np.full(coverage.shape, gray, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.stack([ink, coverage], axis=-1)).save(buffer, format="PNG")
    mm = 25.4 / MATH_DPI
    depth = drawn.depth * mm
    return buffer.getvalue(), coverage.shape[1] * mm, coverage.shape[0] * mm - depth, depth


def _dejavu_folder():
    import matplotlib

    return os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")


# --- public checks ------------------------------------------------------------------------------
