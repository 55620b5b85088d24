"""The notebook's export cell: a submission zip that holds the work the kernel ran.

JupyterLab autosaves only every couple of minutes and ``grader.export`` zips whatever is on
disk, so a student could upload an untouched notebook. Here the export first asks the front end
to save; then, whether or not that worked, it compares every graded function the kernel knows
with its definition in the notebook on disk and refuses, removing any older zip, when they
differ. The zip also carries a PDF of the written answers for the hand-graded assignment.

Shipped beside the student's notebook as ``submit.py``, with the PDF's typesetter
(``written_pdf.py``); it needs otter and nbformat, and fpdf2 and matplotlib for the PDF (without
fpdf2 the zip is still made, and the result says the PDF is missing).
"""

import ast
import inspect
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
        _write_pdf(pdf_path, _title(nb, notebook), answers)
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
    """name -> normalized source of each function a cell defines at its top level."""
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


def _write_pdf(path, title, answers):
    """The typesetter is a file of its own, shipped beside this one as ``written_pdf.py``."""
    if __package__:  # the project's own copy (the tests)
        from .written_pdf import write_pdf
    else:  # beside the student's notebook, a top-level module like this one
        from written_pdf import write_pdf
    return write_pdf(path, title, answers)


def public_checks(grader, questions, namespace):
    """question -> whether its public tests pass, run quietly in the student's namespace."""
    results = {}
    for question in questions:
        try:
            results[question] = bool(grader.check(question, namespace).passed_all_public)
        except Exception:  # a missing test file or a crash in the student's code: not passing
            results[question] = False
    return results
