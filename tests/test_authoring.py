"""An instructor's mistakes in assignment.toml end in one line that names the file and the key
(and the question), never in a traceback: ``eecs182 build`` of a scaffolded assignment, each
time with one mistake made."""

import sys

import pytest
from click.testing import CliRunner

import assignment.model as model
from generator.cli import main
from generator.new import scaffold

# (what the instructor did to the scaffold's assignment.toml, what the message must say)
MISTAKES = {
    "a typo in a top-level key": (("term_seed = ", "term_sed = "),
                                  ["unknown key 'term_sed' (did you mean 'term_seed'?)"]),
    "an unknown key in a question": (('function = "mse"\n', 'function = "mse"\npionts = 1\n'),
                                     ["questions[0] (q1_mse): unknown key 'pionts' (did you mean 'points'?)"]),
    "points as text": (("points = 1\n", 'points = "1"\n'),
                       ["questions[0] (q1_mse).points: input should be a valid number, not the str '1'"]),
    "a missing function": (('function = "mse"\n', ""), ["questions[0] (q1_mse).function: missing"]),
    "no name at the top": (('name = "hw07"\n', ""), ["name: missing"]),
    "a name that is not the folder's": (('name = "hw07"\n', 'name = "hw7"\n'),
                                        ["name = 'hw7', but its folder is 'hw07'"]),
    "a term seed as text": (("term_seed = ", "term_seed = '2026' #"),
                            ["term_seed: input should be a valid integer, not the str '2026'"]),
    "a TOML syntax error": (('title = "', 'title = "unclosed\n'), ["not valid TOML", "line"]),
    "TeX's \\frac in a double-quoted string": (
        ('{ points = 1, item = "The minimizer', '{ points = 1, item = "\\frac{1}{N} The minimizer'),
        ["TOML took the \\f of TeX's \\frac for an escape (a form feed)", "literal"]),
    "TeX's \\lambda in a double-quoted string": (
        ('{ points = 1, item = "The minimizer', '{ points = 1, item = "\\lambda The minimizer'),
        ["not valid TOML", "literal"]),
    "TeX's \\top in a double-quoted string": (
        ('{ points = 1, item = "The minimizer', '{ points = 1, item = "X^\\top X: The minimizer'),
        ["written[0] (q1_mean).rubric[0].item: TOML took the \\t of TeX's \\top for an escape (a tab)"]),
    "a rubric that does not add up": (("points = 2\nrubric", "points = 3\nrubric"),
                                      ["written: q1_mean: the rubric's points add up to 2, not the question's 3"]),
    "negative points": (("points = 1\n", "points = -1\n"),
                        ["questions[0] (q1_mse).points: input should be greater than 0"]),
    "questions as a table, not a list": (("[[questions]]", "[questions]"), ["questions: input should be a valid list"]),
    "scores from cases that are not hidden or all": (("term_seed = ", 'score_from = "public"\nterm_seed = '),
                                                    ["score_from: input should be 'hidden' or 'all'"]),
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scaffolded hw07 in a folder of its own, importable as assignment.hw07 and solutions.hw07
    (the packages' paths reach into it for this test only)."""
    import assignment
    import solutions

    for package in ("assignment", "solutions"):
        (tmp_path / package).mkdir()
    monkeypatch.setattr(model, "ASSIGNMENTS_DIR", tmp_path / "assignment")
    for package in (assignment, solutions):
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path / package.__name__)])
    scaffold("hw07", root=tmp_path)
    yield tmp_path
    for name in [m for m in sys.modules if ".hw07" in m]:
        del sys.modules[name]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_assignment_toml_is_one_line_naming_the_file(project, mistake):
    (old, new), says = MISTAKES[mistake]
    toml = project / "assignment" / "hw07" / "assignment.toml"
    text = toml.read_text()
    assert old in text, f"the scaffold no longer has {old!r}"
    toml.write_text(text.replace(old, new, 1))
    result = CliRunner().invoke(main, ["build", "hw07", "-o", str(project / "dist")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {toml}: "), result.output
    for part in says:
        assert part in lines[0], (part, lines[0])


def test_an_assignment_that_does_not_exist_is_named_with_those_that_do(project):
    result = CliRunner().invoke(main, ["build", "hw7", "-o", str(project / "dist")])
    assert result.exit_code == 1 and "no assignment 'hw7'" in result.output and "hw07" in result.output
    assert "Traceback" not in result.output


# (what the instructor wrote into the scaffold's mistakes.py or reference, what the build says)
SILENT_MISTAKES = {
    "a mistake equal to the reference": (
        "mistakes.py", 'return float(np.sum((X @ w - y) ** 2))', 'return float(np.mean((X @ w - y) ** 2))',
        "assignment/hw07/mistakes.py: the mistake 'sum instead of mean' of q1_mse returns what the reference "
        "returns on every case"),
    "a mistake that raises everywhere": (
        "mistakes.py", 'return float(np.sum((X @ w - y) ** 2))', 'return undefined_name',
        "assignment/hw07/mistakes.py: the mistake 'sum instead of mean' of q1_mse raises on every case"),
    "a mistake only hidden cases tell apart": (
        "mistakes.py", 'return float(np.sum((X @ w - y) ** 2))',
        'return float(np.mean((X @ w - y) ** 2)) * (1 if len(y) == 5 else 2)',
        "differs from the reference on hidden cases only, so students running grader.check never see its hint"),
    "a reference that fails on a case": (
        "reference", "return float(np.mean(residuals**2))",
        "return float(np.mean(residuals**2)) if len(y) == 5 else missing_name",
        "solutions/hw07.py: mse gave no answer on q1_mse's case 3 (hidden, made by assignment/hw07/cases.py)"),
    "a hint that states the formula": (
        "mistakes.py", '"N times too large: the loss is the mean of the squared "',
        '"N times too large: L(w) = Σ(y_i - x_i · w)² / N, the mean of the squared "',
        "assignment/hw07/mistakes.py: the hint of q1_mse's mistake 'sum instead of mean' states a formula "
        "('…large: L(w) = Σ(y_i - x_i…'): hints ship to every student in the public test files"),
    "a hint that repeats the reference's code": (
        "mistakes.py", '"N times too large: the loss is the mean of the squared "',
        '"N times too large: return float(np.mean(residuals**2)), the mean of the squared "',
        "assignment/hw07/mistakes.py: the hint of q1_mse's mistake 'sum instead of mean' repeats the "
        "reference's code ('float(np.mean(residuals ** 2))')"),
    "a question with no hidden case": (
        "cases.py", "[make(hidden_rng, True) for _ in range(3)]", "[]",
        "assignment/hw07/cases.py: q1_mse has no hidden case, and scores count hidden cases (score_from = "
        "\"hidden\", assignment.toml's default): add hidden cases, or set score_from = \"all\""),
}


# (the file, what the instructor changed in it, what the build says): names that disagree across
# assignment.toml, the template, the reference, cases.py and mistakes.py, and code that fails.
SOURCE_MISTAKES = {
    "a question the template has no block for": (
        "assignment.toml", "[[questions]]", '[[questions]]\nname = "q2_fit"\nfunction = "mse"\npoints = 1\n\n[[questions]]',
        "hw07.md.j2: the template has no block for these questions: q2_fit (each question of assignment.toml "
        "needs its autograded() or written() block)"),
    "a function the reference does not define": (
        "assignment.toml", 'function = "mse"', 'function = "mse_loss"',
        "assignment.toml: questions[0] (q1_mse).function = 'mse_loss': "),
    "a reference module that does not exist": (
        "assignment.toml", 'reference = "solutions.hw07"', 'reference = "solutions.hw7"',
        "assignment.toml: reference = 'solutions.hw7': there is no such module (the reference of hw07 is "
        "solutions/hw07.py"),
    "a support file that is not there": (
        "assignment.toml", "support_files = [", 'support_files = ["missing.py", ',
        "assignment.toml: support_files: missing.py is not in "),
    "a question with no case maker": (
        "cases.py", '"q1_mse": _mse,', "", "cases.py, line 41: cases('q1_mse', seed) raised KeyError: 'q1_mse': "
                                             "give q1_mse a case maker in CASES"),
    "a case of a kind that does not exist": (
        "cases.py", 'hidden, "float")', 'hidden, "flaot")',
        ("cases.py, line 28: cases('q1_mse', seed) raised ValueError: case kind must be one of ['array', ",
         "], not 'flaot'")),
    "cases.py that does not parse": (
        "cases.py", "PUBLIC_SEED = 182", "PUBLIC_SEED = = 182", "cases.py, line 15: importing it raised SyntaxError"),
    "a mistake of a question that does not exist": (
        "mistakes.py", 'Mistake("q1_mse"', 'Mistake("q1_mes"',
        "mistakes.py: the mistake 'sum instead of mean' is of 'q1_mes', which is no question of hw07 (its "
        "questions: q1_mse)"),
    "a Jinja syntax error in the template": (
        "hw07.md.j2", "{%", "{% if %}{%", "hw07.md.j2, line 11: Expected an expression, got 'end of statement block' "
                                          "(Jinja syntax)"),
}


@pytest.mark.parametrize("mistake", SOURCE_MISTAKES)
def test_names_that_disagree_and_code_that_fails_are_one_line_naming_the_file(project, mistake):
    name, old, new, says = SOURCE_MISTAKES[mistake]
    path = project / "assignment" / "hw07" / name
    assert old in path.read_text(), f"the scaffold no longer has {old!r}"
    path.write_text(path.read_text().replace(old, new, 1))
    result = CliRunner().invoke(main, ["build", "hw07", "--no-verify", "-o", str(project / "dist")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1 and all(part in lines[0] for part in ([says] if isinstance(says, str) else says)), \
        result.output


def test_debug_shows_the_traceback_too(project):
    path = project / "assignment" / "hw07" / "cases.py"
    path.write_text(path.read_text().replace('"q1_mse": _mse,', "", 1))
    result = CliRunner().invoke(main, ["build", "hw07", "--no-verify", "--debug", "-o", str(project / "dist")])
    assert result.exit_code == 1 and "give q1_mse a case maker" in str(result.exception)
    assert result.exc_info is not None and result.exc_info[2] is not None  # raised, with its traceback


@pytest.mark.parametrize("mistake", SILENT_MISTAKES)
def test_the_build_refuses_a_catalogue_that_cannot_tell_its_mistakes_apart(project, mistake):
    where, old, new, says = SILENT_MISTAKES[mistake]
    path = project / "solutions" / "hw07.py" if where == "reference" else project / "assignment" / "hw07" / where
    assert old in path.read_text(), f"the scaffold no longer has {old!r}"
    path.write_text(path.read_text().replace(old, new, 1))
    result = CliRunner().invoke(main, ["build", "hw07", "-o", str(project / "dist")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert says in result.output, result.output
