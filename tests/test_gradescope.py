"""The built Gradescope zip, run as Gradescope runs it: ``run_autograder`` in a copy of
Gradescope's layout (source/, submission/, results/), offline, with the project's environment
and without setup.sh. The judge grades; the results file follows Gradescope's spec."""

import json
import re
import zipfile

import jsonschema
import pytest
import yaml
from submissions import kernel_user, notebooks, solution_answers, submission  # noqa: F401 - a fixture

from assignment.model import Assignment
from autograder.gradescope.local import gradescope_root, run_zip

DISC01 = Assignment.named("disc01")

# Gradescope's results.json, as its autograder documentation specifies it.
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "output"],
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "output": {"type": "string"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
            },
        }},
    },
}


def run_autograder(autograder_zip, upload, tmp_path, root=None, metadata=None):
    """Gradescope's layout and the zip's own run_autograder (``gradescope/local.py``, what
    ``eecs182 gradescope`` runs): the results it wrote, checked against Gradescope's schema."""
    data, _ = run_zip(autograder_zip, upload, metadata, kernel_user=kernel_user("gs"), timeout=600, root=root)
    jsonschema.validate(data, RESULTS_SCHEMA)
    return data


def unescaped(markdown):
    """Gradescope's Markdown output as the text it shows (escaped characters as themselves)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def question_tests(results):
    return {t["name"]: t for t in results["tests"] if "max_score" in t}


def test_the_solution_earns_full_marks_with_results_gradescope_reads(autograder_zip, notebooks, tmp_path):
    upload = submission(notebooks, tmp_path, base="solution")
    results = run_autograder(autograder_zip, upload, tmp_path)
    tests = question_tests(results)
    assert list(tests) == [q.name for q in DISC01.questions]
    assert all(tests[q.name]["score"] == tests[q.name]["max_score"] == q.points for q in DISC01.questions)
    assert results["score"] == 20 and results["execution_time"] > 0
    # each question in full once published; the public summary visible from the start
    assert {t["visibility"] for t in tests.values()} == {"after_published"}
    public = next(t for t in results["tests"] if t["name"] == "Public Tests")
    assert public["visibility"] == "visible" and "q1a\\_grad: 2 of 2 public cases pass" in public["output"]
    assert results["output_format"] == results["test_output_format"] == "md"


def test_feedback_reads_as_markdown_with_the_call_as_code_the_hint_in_bold_and_what_to_fix_first(
        autograder_zip, notebooks, tmp_path):
    """A gradient with the factor 2 dropped: its question names the mistake, the step that uses it
    says so, and the top of the page says which question to fix first. Rendered as Gradescope
    renders Markdown, and looked at in Chromium."""
    from lab_browser import CHROMIUM_FLAGS, chromium
    from markdown_it import MarkdownIt
    from playwright.sync_api import sync_playwright

    from assignment.disc01.mistakes import MISTAKES

    half = next(m for m in MISTAKES if m.question == "q1a_grad" and m.name == "factor 2 dropped")
    upload = submission(notebooks, tmp_path, base="solution", answers={"q1a_grad": half.source})
    results = run_autograder(autograder_zip, upload, tmp_path)
    tests = question_tests(results)
    public = next(t for t in results["tests"] if t["name"] == "Public Tests")["output"]
    assert "Fix first: **q1a\\_grad**, `grad_const`" in results["output"], results["output"]
    assert "**Looks like a known mistake:** exactly half" in tests["q1a_grad"]["output"]
    assert "- case 1 failed: `grad_const(theta=" in tests["q1a_grad"]["output"]
    page_md = "\n\n".join([results["output"], "## Public Tests", public]
                           + [f"## {name}\n\n{t['output']}" for name, t in tests.items()])
    html = f"<html><body style='font-family: sans-serif; max-width: 60em'>{MarkdownIt().render(page_md)}</body></html>"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.set_content(html)
        page.screenshot(path=str(tmp_path / "gradescope-feedback.png"), full_page=True)
        strong = page.eval_on_selector_all("strong", "els => els.map(e => e.textContent)")
        code = page.eval_on_selector_all("code", "els => els.map(e => e.textContent)")
        items = page.eval_on_selector_all("li", "els => els.map(e => e.textContent)")
        browser.close()
    print(f"\nscreenshot: {tmp_path / 'gradescope-feedback.png'}")
    assert "Looks like a known mistake:" in strong and "q1a_grad" in strong
    assert any(c.startswith("grad_const(theta=") for c in code)
    assert any("gd_step_const uses grad_const, which fails q1a_grad: fix that first." in i for i in items)
    assert not any("\\_" in text for text in strong + items)  # escapes render away


def test_a_submission_cannot_write_its_own_results_or_read_the_answers(autograder_zip, notebooks, tmp_path):
    root = gradescope_root()
    cheat = f"""
        import json, os, glob
        for path in glob.glob("/tmp/**/results", recursive=True) + [{str(root / "results")!r}]:
            try:
                with open(os.path.join(path, "results.json"), "w") as f:
                    json.dump({{"score": 100, "tests": []}}, f)
            except OSError:
                pass
        os._exit(0)
    """
    # an answer that looks itself up in the grader's casebook
    answers = solution_answers(notebooks, "q1a_grad")
    answers["q1a_opt"] = f"""
        import json, numpy as np
        def theta_star_const(y):
            book = json.load(open({str(root / "source" / "casebook.json")!r}))
            for q in book["questions"]:
                for case in q["cases"]:
                    if q["name"] == "q1a_opt" and np.allclose(case["args"][0]["array"], y):
                        return case["expected"]
    """
    upload = submission(notebooks, tmp_path, answers=answers, extra_cells=[cheat])
    results = run_autograder(autograder_zip, upload, tmp_path, root=root)
    assert results["score"] == 1
    assert question_tests(results)["q1a_grad"]["score"] == 1
    assert "PermissionError" in question_tests(results)["q1a_opt"]["output"]


def _casebook(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        return json.loads(zf.read("casebook.json"))


def test_earlier_results_in_gradescopes_metadata_stay_out_of_the_kernels_reach(autograder_zip, notebooks, tmp_path):
    """Gradescope keeps every earlier submission's results, hidden feedback with its expected
    values included, in /autograder/submission_metadata.json. A student who replays them scores
    nothing; and nothing under /autograder is readable by the kernel at all."""
    root = gradescope_root()
    book = _casebook(autograder_zip)
    leaked = {q["name"]: [[c["args"], c["expected"]] for c in q["cases"]] for q in book["questions"]}
    metadata = {"id": 7, "previous_submissions": [{"submission_time": "2026-09-05T23:00:00", "score": 0.0,
                                                   "results": {"tests": [{"name": "leak", "output": json.dumps(leaked)}]}}]}
    answers = {}
    for q in book["questions"][:4]:  # each function answers with what the metadata recorded
        answers[q["name"]] = f"""
            import json
            def {q["function"]}(*args):
                meta = json.load(open({str(root / "submission_metadata.json")!r}))
                leaked = json.loads(meta["previous_submissions"][0]["results"]["tests"][0]["output"])
                return leaked[{q["name"]!r}][0][1]
        """
    answers[book["questions"][4]["name"]] = f"""
        import os
        def {book["questions"][4]["function"]}(*args):
            readable = []
            for top, dirs, files in os.walk({str(root)!r}):
                readable.append(top)
            for path in {sorted(str(p) for p in [root / "submission_metadata.json", root / "source" / "casebook.json",
                                                  root / "source" / "run_autograder", root / "results"])!r}:
                try:
                    open(path).read(1)
                    readable.append(path)
                except OSError as exc:
                    pass
            raise RuntimeError("READABLE" + repr(readable) + "READABLE")
    """
    upload = submission(notebooks, tmp_path, answers=answers)
    results = run_autograder(autograder_zip, upload, tmp_path, root=root, metadata=metadata)
    tests = question_tests(results)
    assert results["score"] == 0
    for q in book["questions"][:4]:
        assert "PermissionError" in tests[q["name"]]["output"], tests[q["name"]]["output"]
    probe = unescaped(tests[book["questions"][4]["name"]]["output"])
    assert "READABLE[]READABLE" in probe, probe


@pytest.mark.parametrize("name, content, says", [
    ("disc01.ipynb", b"", "the file is empty"),
    ("disc01.ipynb", b"<html>not json</html>", "not a notebook"),
    ("disc01.pdf", b"%PDF-1.5 ...", "this is a PDF"),
    (None, None, "no file was submitted"),
])
def test_uploads_that_are_not_notebooks_get_a_result_that_says_why(autograder_zip, tmp_path, name, content, says):
    upload = None
    if name is not None:
        upload = tmp_path / name
        upload.write_bytes(content)
    results = run_autograder(autograder_zip, upload, tmp_path)
    assert results["score"] == 0
    assert says in results["output"]
    assert all(t["score"] == 0 for t in question_tests(results).values())


def test_the_zip_pins_every_package_it_installs(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        environment = yaml.safe_load(zf.read("environment.yml"))
        names = set(zf.namelist())
    (pip,) = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    packages = [p for p in pip if not p.startswith("--")]
    assert len(packages) >= 10
    assert [p for p in packages if "==" not in p] == []
    assert {"casebook.json", "run_autograder", "run_otter.py", "autograder/judge/runner.py"} <= names
    assert not any(n.startswith("solutions/") for n in names)
    # only what runs there: no local grading, no sandbox, no export tool, no other assignment's cases
    assert not any(n.startswith(("autograder/grading/", "autograder/sandbox/")) for n in names)
    assert "autograder/in_kernel/submit.py" not in names and "assignment/disc01/cases.py" in names
    # Of the assignments, only its own cases, mistakes and kinds: no reference, support file or command.
    assert sorted(n for n in names if n.startswith(("assignment/", "solutions/"))) == [
        "assignment/__init__.py", "assignment/disc01/__init__.py", "assignment/disc01/cases.py",
        "assignment/disc01/kinds.py", "assignment/disc01/mistakes.py"]


def test_eecs182_gradescope_shows_the_zips_results_as_the_student_reads_them(autograder_zip, notebooks, tmp_path,
                                                                             monkeypatch):
    from click.testing import CliRunner

    from generator.cli import main

    monkeypatch.setenv("EECS182_KERNEL_USER", kernel_user("gs"))
    upload = submission(notebooks, tmp_path, base="solution")
    before = CliRunner().invoke(main, ["gradescope", str(autograder_zip), str(upload)])
    assert before.exit_code == 0, before.output
    assert "== Public Tests" in before.output and "q1a_grad: 2 of 2 public cases pass" in before.output
    assert "Score:" not in before.output and "== q1a_grad (" not in before.output  # not published yet
    after = CliRunner().invoke(main, ["gradescope", str(autograder_zip), str(upload), "--published"])
    assert after.exit_code == 0 and after.output.startswith("Score: 20 of 20\n"), after.output
    assert "== q1a_grad (1 / 1)" in after.output and "\\_" not in after.output and "**" not in after.output
