"""An instructor's mistakes in assignment.toml end in one line that names the file and the key
(and the question), never in a traceback: ``eecs182 build`` of a scaffolded assignment, each
time with one mistake made."""

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
        ('{ points = 1, item = "The minimiser', '{ points = 1, item = "\\frac{1}{N} The minimiser'),
        ["TOML took the \\f of TeX's \\frac for an escape (a form feed)", "literal"]),
    "TeX's \\lambda in a double-quoted string": (
        ('{ points = 1, item = "The minimiser', '{ points = 1, item = "\\lambda The minimiser'),
        ["not valid TOML", "literal"]),
    "TeX's \\top in a double-quoted string": (
        ('{ points = 1, item = "The minimiser', '{ points = 1, item = "X^\\top X: The minimiser'),
        ["written[0] (q1_mean).rubric[0].item: TOML took the \\t of TeX's \\top for an escape (a tab)"]),
    "a rubric that does not add up": (("points = 2\nrubric", "points = 3\nrubric"),
                                      ["written: q1_mean: the rubric's points add up to 2, not the question's 3"]),
    "negative points": (("points = 1\n", "points = -1\n"),
                        ["questions[0] (q1_mse).points: input should be greater than 0"]),
    "questions as a table, not a list": (("[[questions]]", "[questions]"), ["questions: input should be a valid list"]),
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    for package in ("assignment", "solutions"):
        (tmp_path / package).mkdir()
    monkeypatch.setattr(model, "ASSIGNMENTS_DIR", tmp_path / "assignment")
    scaffold("hw07", root=tmp_path)
    return tmp_path


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
