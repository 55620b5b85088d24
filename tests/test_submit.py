"""The export cell (``submit.py``) in a real kernel: the zip holds the work the kernel ran, or
there is no zip and the student is told to save; the PDF holds the written answers."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader
from submissions import DISC01, notebooks, solution_answers  # noqa: F401 (fixture)

from generator.notebook_client import HeadlessNotebookClient

WRONG_GRAD = """\
def grad_linear(theta, x, y):
    return 0.0
"""
VOTES_ANSWER = "No: point i votes (θx_i − y_i)·x_i, so points far from 0 pull harder."


def _is_demo(cell):
    """Plots and the experiment: not needed to export, and slow."""
    return (cell.cell_type == "code" and not cell.metadata.get("question")
            and not cell.source.startswith(("import", "# Initialize Otter")))


def _notebook(notebooks, answers, written=None):
    nb = nbformat.reads(nbformat.writes(notebooks["student"]), as_version=4)
    nb.cells = [c for c in nb.cells if not _is_demo(c)]
    for cell in nb.cells:
        if cell.metadata.get("question") in answers:
            cell.source = answers[cell.metadata["question"]]
        if written and cell.metadata.get("written") in written:
            cell.source = written[cell.metadata["written"]]
    return nb


def _save(nb, path):
    path.write_text(nbformat.writes(nb))  # writes() leaves nb as it is; write() splits its lines


def _run(folder, nb):
    """Execute ``nb`` in ``folder``, as JupyterLab would run it (every cell, export included).
    No front end listens here, so no save ever comes: the export waits for it 0.5 s, not 3 s."""
    no_front_end = nbformat.v4.new_code_cell("# no front end\nimport submit\nsubmit.SAVE_WAIT_SECONDS = 0.5")
    nb.cells.insert(0, no_front_end)
    HeadlessNotebookClient(nb, timeout=60, kernel_name="python3",
                           resources={"metadata": {"path": str(folder)}}).execute()
    nb.cells.remove(no_front_end)
    return nb


def _text(cell):
    return "\n".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                     for o in cell.outputs)


def _export_cells(nb):
    return [c for c in nb.cells if c.source.startswith("import submit")]


@pytest.fixture
def folder(student_folder, tmp_path):
    work = tmp_path / "student"
    shutil.copytree(student_folder, work)
    return work


def test_the_export_zips_the_saved_work_with_a_pdf_and_says_what_passes(notebooks, folder):
    answers = {**solution_answers(notebooks, "q1a_grad", "q1a_opt"), "q1b_grad": WRONG_GRAD}
    nb = _notebook(notebooks, answers, written={"q1b_votes": VOTES_ANSWER})
    _save(nb, folder / "disc01.ipynb")
    # A second export without fpdf2: the zip is still made, and the note says why no PDF.
    nb.cells += [nbformat.v4.new_code_cell("import sys\nsys.modules['fpdf'] = None"),
                 nbformat.v4.new_code_cell(_export_cells(nb)[0].source)]
    on_disk = (folder / "disc01.ipynb").read_bytes()

    first, second = (_text(c) for c in _export_cells(_run(folder, nb)))

    assert "Exported disc01_submission.zip" in first, first
    assert "the saved notebook matches what you ran" in first
    assert "Upload this zip to Gradescope" in first
    public = first.split("Public checks: ")[1].split("\n")[0]
    assert public.startswith(f"2 of {len(DISC01.questions)} pass; not yet: ")
    assert "q1b_grad" in public and "q1a_grad" not in public and "q1a_opt" not in public
    assert "Written answers still blank: q2_elbows_move, q2_test_below_train, q2_ridge_vs_sgd" in first
    assert "Traceback" not in first and "Error" not in first

    with zipfile.ZipFile(folder / "disc01_submission.zip") as zf:
        assert zf.read("disc01.ipynb") == on_disk
        assert "disc01_written.pdf" not in zf.namelist()  # the second export replaced the first
    assert "No PDF of the written answers: fpdf2 is not installed" in second

    reader = PdfReader(folder / "disc01_written.pdf")  # the first export's, still on disk
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "written answers" in text
    for question in DISC01.written:
        assert question.name in text
    assert "points far from 0 pull harder" in text
    assert text.count("(no answer)") == len(DISC01.written) - 1


def test_unsaved_edits_leave_no_zip_and_ask_to_save(notebooks, folder):
    on_disk = _notebook(notebooks, solution_answers(notebooks, "q1a_grad"))
    _save(on_disk, folder / "disc01.ipynb")
    (folder / "disc01_submission.zip").write_bytes(b"an older export")
    # The kernel runs an edit the student never saved.
    edited = _notebook(notebooks, {"q1a_grad": solution_answers(notebooks, "q1a_grad")["q1a_grad"]
                                   .replace("2.0 * np.mean", "2 * np.mean")})

    (out,) = (_text(c) for c in _export_cells(_run(folder, edited)))

    assert "Not exported: the saved notebook is older than what you ran" in out, out
    assert "grad_const" in out and "Ctrl+S" in out
    assert "gd_step_const" not in out  # unchanged functions are not blamed
    assert not (folder / "disc01_submission.zip").exists()


def test_an_unreadable_notebook_on_disk_is_reported_not_zipped(notebooks, folder):
    nb = _notebook(notebooks, {})
    _save(nb, folder / "disc01.ipynb")
    export = _export_cells(nb)[0]
    nb.cells.insert(nb.cells.index(export), nbformat.v4.new_code_cell(
        "open('disc01.ipynb', 'w').write('{\"cells\": [')"))

    (out,) = (_text(c) for c in _export_cells(_run(folder, nb)))

    assert "Could not read disc01.ipynb" in out and "Ctrl+S" in out, out
    assert not (folder / "disc01_submission.zip").exists()


GRADIENT = r"\frac{2}{N}\sum_{i=1}^{N}(\theta x_i - y_i)\,x_i"
MATH_ANSWER = (f"No: point $i$ votes $(\\theta x_i - y_i)\\,x_i$, so the gradient is ${GRADIENT}$ and points "
               "far from $0$ pull harder.\n\n$$\\sigma(z)(1-\\sigma(z)) \\le \\tfrac14$$\n\n"
               "- a **list** item with $x^\\top x$\n- and one that mathtext cannot draw: "
               "$\\begin{cases} 1 \\end{cases}$")


def _ink(png):
    from matplotlib.image import imread

    page = imread(png)
    return (page[..., :3].mean(axis=2) < 0.5).mean()


def test_the_pdf_gives_each_question_a_page_and_draws_its_math(tmp_path):
    from autograder.in_kernel.written_pdf import write_pdf

    answers = {"q1b_votes": ("(v) Votes", "Do **all** points get the same vote $x_i$?", MATH_ANSWER),
               "q2_ridge_vs_sgd": ("Ridge or SGD?", "Which is better?", ""),
               "q3_plain": ("Plain text", "Say it in words.", VOTES_ANSWER)}
    path = write_pdf(tmp_path / "answers.pdf", "Discussion 1", answers)
    pages = PdfReader(path).pages
    assert len(pages) == 3  # one page per question: Gradescope's page matching finds each
    texts = [page.extract_text() for page in pages]
    for text, (name, (heading, *_)) in zip(texts, answers.items()):
        first_lines = text.splitlines()[:2]
        assert first_lines == ["Discussion 1: written answers", f"{name}: {heading}"]
    votes, blank, plain = texts
    assert "Do all points get the same vote" in votes and "points far from" in votes and "list item" in votes
    # Every formula mathtext draws is an image, its TeX gone from the text; the one it cannot
    # draw is shown as typed, and the page says so.
    drawn = votes.replace(r"$\begin{cases} 1 \end{cases}$", "")
    for tex in ("\\frac", "\\theta", "\\sum", "\\sigma", "\\top", "$"):
        assert tex not in drawn
    assert r"$\begin{cases} 1 \end{cases}$" in votes
    assert "Note: 1 formula could not be drawn and is shown as typed, in a gray box." in votes
    assert len(pages[0].images) == 7  # $i$, the vote, the gradient, $0$, the display, $x_i$, $x^T x$
    assert "(no answer)" in blank and "could not be drawn" not in blank
    assert "θx_i − y_i" in plain and not pages[2].images  # Unicode survives: the fonts are DejaVu

    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    ink = [_ink(tmp_path / f"page-{n}.png") for n in (1, 2, 3)]
    assert all(0.0005 < share < 0.2 for share in ink)  # text on a white page, neither blank nor black
    assert ink[0] > ink[2]  # the formulas drew ink


def test_nothing_runs_past_the_right_margin(tmp_path):
    """A long word or URL is cut at the line's end; a formula a little too wide is drawn smaller,
    and one far too wide is shown as typed (said so), cut into lines."""
    from autograder.in_kernel.written_pdf import PAGE_MARGIN, write_pdf

    answer = ("See https://example.com/" + "x" * 300 + " and " + "a" * 400 + ".\n\n"
              "A wide one: $" + "+".join(f"x_{{{i}}}" for i in range(24)) + "$, then punctuation.\n\n"
              "A far too wide one: $" + "x+" * 300 + "x$.")
    path = write_pdf(tmp_path / "wide.pdf", "Discussion 1", {"q": ("Wide", "Be wide.", answer)})
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(tmp_path / "page")], check=True)
    from matplotlib.image import imread

    pages = sorted(tmp_path.glob("page-*.png"))
    margin = int((PAGE_MARGIN - 2) / 25.4 * 72)  # the right margin, less 2 mm of slack
    for png in pages:
        page = imread(png)[..., :3].mean(axis=2)
        assert (page[:, -margin:] > 0.9).all(), png.name  # nothing drawn in the right margin
    text = PdfReader(path).pages[0].extract_text()
    assert "Note: 1 formula could not be drawn" in text and "x+x+x+" in text


def test_a_long_answer_runs_onto_a_page_that_says_whose_it_is(tmp_path):
    from autograder.in_kernel.written_pdf import write_pdf

    long_answer = "\n\n".join(f"Paragraph {n}: the step is ${GRADIENT}$ again." for n in range(60))
    path = write_pdf(tmp_path / "long.pdf", "Discussion 1", {"q1b_votes": ("(v) Votes", "Why?", long_answer),
                                                             "q2": ("Next", "And?", "Yes.")})
    texts = [page.extract_text() for page in PdfReader(path).pages]
    assert len(texts) >= 3 and texts[1].startswith("q1b_votes (continued)")
    assert "Paragraph 59" in texts[-2] and texts[-1].splitlines()[1] == "q2: Next"


def test_the_note_reads_the_same_as_text_and_escapes_what_it_quotes():
    from autograder.in_kernel.submit import Export

    note = Export("disc01.ipynb", unreadable="JSONDecodeError: <'cells'> & \"more\"")
    bundle = note._repr_mimebundle_()
    assert "&lt;&#x27;cells&#x27;&gt; &amp;" in bundle["text/html"]  # nothing the student wrote runs
    assert bundle["text/plain"] == ("Could not read disc01.ipynb: JSONDecodeError: <'cells'> & \"more\". "
                                    "Save it with Ctrl+S (File ▸ Save Notebook), then run this cell again.")


def test_the_export_tool_spots_blank_answers_by_the_renderers_placeholder():
    """submit.py ships alone beside the notebook, so it holds its own copy of the text a blank
    written answer has; the two must stay equal or blank answers would read as answered."""
    from assignment.model import WRITTEN_PLACEHOLDER
    from autograder.in_kernel import submit

    assert submit.PLACEHOLDER == WRITTEN_PLACEHOLDER
    source = (Path(submit.__file__)).read_text()
    assert "import assignment" not in source and "from assignment" not in source
