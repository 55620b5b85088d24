"""Rendering, otter test files, leak checking and the built release itself."""

import dataclasses
import importlib
import re
import shutil
import subprocess
import time
import zipfile

import nbformat
import numpy as np
import pytest

from assignment.model import PRACTICE_PLACEHOLDER, WRITTEN_PLACEHOLDER, Assignment, all_assignments
from generator.casebook import build_casebook
from generator.pipelines import RENDER
from generator.source import STUDENT_BODY, function_source
from generator.steps import run_pipeline
from generator.testfiles import literal, write_tests
from generator.verify import _source_segment, find_leaks, secrets
from generator.zipping import PROJECT as ROOT
from generator.zipping import write_zip

DISC01 = Assignment.named("disc01")


def render(variant, seed=DISC01.term_seed, assignment=DISC01):
    return run_pipeline(RENDER, dict(assignment=assignment, variant=variant, seed=seed))


@pytest.fixture(scope="module", params=[a.name for a in all_assignments()])
def assignment(request):
    """Each assignment in the repo: what holds for one must hold for all."""
    return Assignment.named(request.param)


@pytest.fixture(scope="module")
def notebooks(assignment):
    return {v: render(v, assignment.term_seed, assignment) for v in ("student", "solution")}


def code(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_questions_carry_the_spec_names_and_exist_in_the_reference():
    assert [q.name for q in DISC01.questions] == [
        "q1a_grad", "q1a_opt", "q1a_gd", "q1a_sgd", "q1a_contrib",
        "q1b_grad", "q1b_opt", "q1b_gd", "q1b_sgd", "q1b_contrib",
        "q2_forward", "q2_elbows", "q2_slopes", "q2_features", "q2_ridge", "q2_train",
    ]
    for q in DISC01.questions:
        assert callable(DISC01.reference_function(q.name))


def test_assignments_are_discovered_from_their_folders():
    folders = sorted(p.parent.name for p in (ROOT / "assignment").glob("*/assignment.toml"))
    assert [a.name for a in all_assignments()] == folders and "disc01" in folders
    with pytest.raises(LookupError, match=rf"no assignment 'no_such_one' under .* \(known: {', '.join(folders)}\)"):
        Assignment.named("no_such_one")


@pytest.mark.parametrize("variant", ["student", "solution"])
def test_both_variants_are_valid_notebooks(notebooks, assignment, variant):
    nb = notebooks[variant]
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.otter == {"assignment_name": assignment.name}
    assert "jupytext" not in nb.metadata
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")


def test_variants_differ_only_where_the_template_says(notebooks):
    student, solution = notebooks["student"], notebooks["solution"]
    assert len(student.cells) == len(solution.cells)
    differing = [i for i, (a, b) in enumerate(zip(student.cells, solution.cells)) if a.source != b.source]
    for i in differing:
        s, t = student.cells[i], solution.cells[i]
        assert s.metadata.get("question") or s.metadata.get("written") or PRACTICE_PLACEHOLDER in s.source \
            or "Solutions" in t.source, f"cell {i} differs unexpectedly"


def test_solution_shows_reference_code_and_student_gets_the_prompt(notebooks, assignment):
    reference = assignment.reference_module()
    for q in assignment.questions:
        src = function_source(getattr(reference, q.function))
        assert src.solution.strip() in code(notebooks["solution"])
        assert src.student.strip() in code(notebooks["student"])
        assert src.body.strip() not in code(notebooks["student"])
    assert STUDENT_BODY.splitlines()[0] in code(notebooks["student"])


def test_every_question_has_one_check_cell_after_its_answer(notebooks, assignment):
    cells = notebooks["student"].cells
    for q in assignment.questions:
        (i,) = [k for k, c in enumerate(cells) if c.metadata.get("question") == q.name]
        assert cells[i + 1].source == f'grader.check("{q.name}")'
    assert 'grader = otter.Notebook(tests_dir="tests")' in cells[1].source
    assert cells[-1].source == f"import submit\n\nsubmit.export(grader, '{assignment.notebook}')"


def test_every_question_heading_shows_how_it_counts(notebooks, assignment):
    """Points come from assignment.toml; practice answers say they are not graded."""
    cells = notebooks["student"].cells
    headings = {}
    for k, cell in enumerate(cells):
        name = cell.metadata.get("question") or cell.metadata.get("written")
        if name:
            lines = [line for c in cells[:k] if c.cell_type == "markdown" for line in c.source.splitlines()]
            headings[name] = next(line for line in reversed(lines) if line.startswith("#### "))
    for q in assignment.questions:
        points = f"{q.points:g} point{'' if q.points == 1 else 's'}"
        assert "autograded" in headings[q.name] and points in headings[q.name], headings[q.name]
    for w in assignment.written:
        assert headings[w.name].endswith(f"· graded by hand, {w.points:g} points"), headings[w.name]
    # numbered, as Gradescope's page matching and office hours name them: "(b) Elbows and slopes"
    unnumbered = [h for h in headings.values() if not re.match(r"#### \([a-z]+\) \S", h)]
    assert unnumbered == []
    practice = [c for c in cells if c.source == PRACTICE_PLACEHOLDER]
    assert practice and all(c.metadata.get("written") is None for c in practice)
    assert any("· practice, not graded" in c.source for c in cells if c.cell_type == "markdown")
    unexplained = [c.source for c in cells if "Type your answer" in c.source and "graded" not in c.source]
    assert unexplained == []


def test_the_template_names_each_question_once(tmp_path):
    """The block emits the function, the metadata and the check; naming a question twice or
    leaving one out is a build error, not a silent gap."""
    from generator.render import render_source

    template = (DISC01.root / DISC01.template).read_text()
    for q in (*DISC01.questions, *DISC01.written):
        assert template.count(f'"{q.name}"') == 1, q.name
    for q in DISC01.questions:  # its function cell comes from assignment.toml, not the template
        assert f"def {q.function}(" not in template and "question:" not in template, q.function
    broken = dataclasses.replace(DISC01, root=tmp_path)
    shutil.copy(DISC01.root / "relu_lab.py", tmp_path)
    (tmp_path / DISC01.template).write_text(template.replace('"q2_train"', '"q2_forward"'))
    with pytest.raises(ValueError, match="more than once: q2_forward"):
        render_source(broken, "student", DISC01.term_seed)
    (tmp_path / DISC01.template).write_text(template.replace(
        '{% call written("(g) Ridge or SGD?", "q2_ridge_vs_sgd") %}', '{% call practice("(g) Ridge or SGD?") %}'))
    with pytest.raises(ValueError, match="no block for these questions: q2_ridge_vs_sgd"):
        render_source(broken, "student", DISC01.term_seed)


def test_written_questions_have_answer_cells(notebooks, assignment):
    for variant, nb in notebooks.items():
        written = [c for c in nb.cells if c.metadata.get("written")]
        assert [c.metadata.written for c in written] == [w.name for w in assignment.written]
        for c in written:
            assert (c.source == WRITTEN_PLACEHOLDER) == (variant == "student")


def test_the_solution_shows_each_written_questions_rubric_and_the_student_does_not(notebooks, assignment):
    for variant, nb in notebooks.items():
        text = {c.metadata.written: c.source for c in nb.cells if c.metadata.get("written")}
        for question in assignment.written:
            assert question.rubric, f"{question.name} has no rubric in assignment.toml"
            shown = [item.item in text[question.name] for item in question.rubric]
            assert all(shown) if variant == "solution" else not any(shown)
            assert (f"**Rubric ({question.points:g} points).**" in text[question.name]) == (variant == "solution")


def test_demonstrations_and_plots_are_skipped_when_grading(notebooks, assignment):
    """The judge runs what defines the graded functions; a figure costs it a tenth of a second."""
    nb = notebooks["student"]
    for cell in nb.cells:
        if cell.cell_type == "code" and any(call in cell.source for call in (
                "run_experiment()", "history_slider", "plt.", "_plot(", "subplots(")):
            assert "otter_ignore" in cell.metadata.get("tags", []), cell.source[:80]


def test_rendering_is_reproducible_and_the_seed_changes_the_data():
    a = nbformat.writes(render("student"))
    assert a == nbformat.writes(render("student"))
    assert a != nbformat.writes(render("student", seed=DISC01.term_seed + 1))


# --- otter test files ------------------------------------------------------------------------


def test_literals_round_trip():
    values = [1.0 / 3, -2.5e-17, np.nan, np.array([[0.1, 2.0], [np.nan, -7.0]]), [1, (2.0,), True]]
    for v in values:
        back = eval(literal(v), {"np": np})
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(back, v)
        elif isinstance(v, float) and np.isnan(v):
            assert np.isnan(back)
        else:
            assert back == (v if not isinstance(v, list) else [1, (2.0,), True])


def test_public_test_files_hold_no_hidden_case(tmp_path):
    casebook, reference = build_casebook(DISC01, DISC01.term_seed), DISC01.reference_module()
    public = write_tests(casebook, reference, tmp_path / "public", include_hidden=False)
    full = write_tests(casebook, reference, tmp_path / "full", include_hidden=True)
    assert [p.name for p in public] == [f"{q.name}.py" for q in DISC01.questions]
    checks = importlib.import_module(DISC01.cases_module)
    for q, p, f in zip(DISC01.questions, public, full):
        hidden = sum(c.hidden for c in checks.cases(q.name, DISC01.term_seed))
        assert hidden >= 4  # random ones and edge cases
        assert "hidden=True" not in p.read_text() and "_hidden_" not in p.read_text()
        assert f.read_text().count("hidden=True") == hidden


def test_hidden_cases_follow_the_term_seed(tmp_path):
    reference = DISC01.reference_module()
    a = write_tests(build_casebook(DISC01, 1), reference, tmp_path / "a", include_hidden=True)
    b = write_tests(build_casebook(DISC01, 2), reference, tmp_path / "b", include_hidden=True)
    for x, y in zip(a, b):
        public = lambda t: re.sub(r"_hidden_.*", "", t, flags=re.S)
        assert public(x.read_text()) == public(y.read_text())  # public cases stay
        assert x.read_text() != y.read_text()  # hidden cases change


# --- leak check ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def leak_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaks")
    hidden = root / "hidden"
    write_tests(build_casebook(DISC01, DISC01.term_seed), DISC01.reference_module(), hidden, include_hidden=True)
    nb = render("student")
    return root, hidden, nb


def student_zip(root, nb, extra=None):
    files = {"disc01.ipynb": nbformat.writes(nb).encode(),
             "relu_lab.py": (DISC01.root / "relu_lab.py").read_bytes()}
    files.update(extra or {})
    return write_zip(root / f"student-{len(list(root.glob('*.zip')))}.zip", files)


def test_clean_student_zip_has_no_leaks(leak_setup):
    root, hidden, nb = leak_setup
    assert find_leaks(student_zip(root, nb), secrets(DISC01, hidden)) == []


def test_leak_check_catches_an_injected_reference_body(leak_setup):
    root, hidden, nb = leak_setup
    leaky = nbformat.from_dict(nb)
    body = function_source(DISC01.reference_function("q2_ridge")).body
    leaky.cells.append(nbformat.v4.new_code_cell("# a TA's note\n" + body))
    leaks = find_leaks(student_zip(root, leaky), secrets(DISC01, hidden))
    assert any("fit_last_layer_ridge" in leak for leak in leaks)


def test_leak_check_catches_a_rubric(leak_setup):
    root, hidden, nb = leak_setup
    leaky = nbformat.from_dict(nb)
    leaky.cells.append(nbformat.v4.new_markdown_cell(DISC01.written[2].rubric[0].item))
    leaks = find_leaks(student_zip(root, leaky), secrets(DISC01, hidden))
    assert leaks == [f"rubric of {DISC01.written[2].name} in disc01.ipynb"]


def test_leak_check_catches_a_hidden_expected_value_and_a_hidden_test(leak_setup):
    root, hidden, nb = leak_setup
    text = (hidden / "q1b_opt.py").read_text()
    value = re.search(r"_hidden_3_expected = (\S+)", text).group(1)
    leaks = find_leaks(student_zip(root, nb, {"notes.txt": f"theta* is {value}".encode()}),
                       secrets(DISC01, hidden))
    assert any("q1b_opt _hidden_3" in leak for leak in leaks)
    leaks = find_leaks(student_zip(root, nb, {"tests/q1b_opt.py": text.encode()}), secrets(DISC01, hidden))
    assert any("hidden test" in leak for leak in leaks)


def test_zips_are_reproducible(tmp_path):
    files = {"b.txt": b"2", "a/x.py": b"1"}
    one = write_zip(tmp_path / "one.zip", files).read_bytes()
    two = write_zip(tmp_path / "two.zip", dict(reversed(list(files.items())))).read_bytes()
    assert one == two
    assert zipfile.ZipFile(tmp_path / "one.zip").namelist() == ["a/x.py", "b.txt"]


def test_zip_entries_carry_the_source_date(tmp_path, monkeypatch):
    files = {"a.txt": b"a"}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764331200")  # 2025-11-28 12:00:00 UTC
    with zipfile.ZipFile(write_zip(tmp_path / "set.zip", files)) as zf:
        assert zf.getinfo("a.txt").date_time == (2025, 11, 28, 12, 0, 0)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    last_commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    committed = time.gmtime(int(last_commit))
    with zipfile.ZipFile(write_zip(tmp_path / "git.zip", files)) as zf:
        # a zip holds times to two seconds
        assert zf.getinfo("a.txt").date_time == (*committed[:5], committed[5] - committed[5] % 2)


def test_every_legend_sits_beside_its_plot(notebooks, assignment):
    """A legend inside the axes covers curves; every legend the notebook draws is placed to
    the right of its axes (in the notebook's cells and in relu_lab)."""
    import ast

    sources = [c.source for c in notebooks["solution"].cells if c.cell_type == "code"]
    sources += [(assignment.root / name).read_text() for name in assignment.support_files]
    legends = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython magics
            continue
        legends += [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                    and getattr(n.func, "attr", None) == "legend"]
    if not legends:
        pytest.skip(f"{assignment.name} draws no legend")
    for call in legends:
        anchor = {k.arg: k.value for k in call.keywords}.get("bbox_to_anchor")
        assert anchor is not None and ast.literal_eval(anchor)[0] > 1, ast.unparse(call)


def test_an_executed_notebooks_prints_are_one_output_however_the_kernel_flushed_them():
    """A loaded machine once split a cell's prints in two outputs and the solution zip differed
    between two builds: the solution pipeline merges them after it executes."""
    from generator.pipelines import SOLUTION
    from generator.steps import CoalesceStreams, Execute

    kinds = [type(step) for step in SOLUTION]
    assert kinds.index(CoalesceStreams) == kinds.index(Execute) + 1
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("...", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="dW1: relative error 2e-11\n"),
        nbformat.v4.new_output("stream", name="stdout", text="db1: relative error 3e-11\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "figure"}),
        nbformat.v4.new_output("stream", name="stdout", text="done\n")])]
    merged = CoalesceStreams()(nb, {}).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "dW1: relative error 2e-11\ndb1: relative error 3e-11\n"),
        ("stream", "stderr", "a warning\n"), ("display_data", None, None), ("stream", "stdout", "done\n")]


def test_hidden_values_are_cut_from_their_file_as_ast_would():
    """The leak check reads each hidden value's source with lines split once; it must cut exactly
    what ``ast.get_source_segment`` cuts: one line or several, after non-ASCII text."""
    import ast

    text = ('_hidden_a = [1.2345678901, -2.5e-07]\n'
            'label = "θ ≥ 0"; _hidden_b = {"β": (0.1234567891,\n'
            '                                  0.9876543219)}\n'
            '_hidden_c = np.array([[1, 2],\n    [3, 4]],\n    dtype=float)  # trailing\n')
    lines = text.splitlines(keepends=True)
    values = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.expr)]
    assert len(values) > 10
    for node in values:
        assert _source_segment(lines, node) == ast.get_source_segment(text, node)
