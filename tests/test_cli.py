"""The ``eecs182`` command as course staff meet it: an assignment's own commands, and which
assignment it means when none is named."""

from click.testing import CliRunner

import assignment.model as model
from generator.cli import main


def test_run_lists_each_assignments_commands():
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 0 and "disc01: experiment" in result.output
    result = CliRunner().invoke(main, ["run", "disc01"])
    assert result.exit_code == 0 and "disc01's commands: experiment" in result.output


def test_run_passes_options_to_the_assignments_command():
    result = CliRunner().invoke(main, ["run", "disc01", "experiment", "--help"])
    assert result.exit_code == 0
    assert "Usage: eecs182 run disc01 experiment [OPTIONS]" in result.output and "--seeds" in result.output


def test_run_names_what_exists_when_asked_for_what_does_not():
    result = CliRunner().invoke(main, ["run", "no_such_one", "experiment"])
    assert result.exit_code != 0 and "no assignment 'no_such_one'" in result.output
    assert all(a.name in result.output for a in model.all_assignments())
    result = CliRunner().invoke(main, ["run", "disc01", "plot"])
    assert result.exit_code != 0 and "disc01 has no command 'plot' (it has: experiment" in result.output


def test_grade_defaults_to_the_only_assignment(tmp_path, monkeypatch):
    only = [model.Assignment.named("disc01")]
    monkeypatch.setattr(model, "all_assignments", lambda: only)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EECS182_PROJECT", str(tmp_path))  # a project with no dist/, built or not here
    (tmp_path / "section").mkdir()
    result = CliRunner().invoke(main, ["grade", "section", "-o", "out"])
    assert result.exit_code != 0 and "disc01 has no autograder zip at " in result.output
    assert "dist/disc01/disc01-autograder.zip: build it with `eecs182 build disc01`" in result.output


def test_grade_with_several_assignments_asks_which(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "section").mkdir()
    result = CliRunner().invoke(main, ["grade", "section", "-o", "out"])
    assert result.exit_code != 0
    names = ", ".join(a.name for a in model.all_assignments())
    assert f"--assignment NAME (one of {names})" in result.output


def test_grade_finds_an_assignments_zip_from_any_folder_and_names_a_typo(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.chdir(tmp_path)  # not the project
    notebook = tmp_path / "disc01.ipynb"
    notebook.write_text("{}")
    typo = CliRunner().invoke(main, ["grade", str(notebook), "-o", str(tmp_path / "out"), "--assignment", "disc1"])
    assert typo.exit_code == 2 and "no assignment 'disc1'; there are disc01, disc02" in typo.output
    monkeypatch.setenv("EECS182_PROJECT", str(tmp_path / "project"))
    missing = CliRunner().invoke(main, ["grade", str(notebook), "-o", str(tmp_path / "out"), "--assignment", "disc01"])
    assert missing.exit_code == 1 and "build it with `eecs182 build disc01`" in missing.output
    assert str(tmp_path / "project" / "dist" / "disc01" / "disc01-autograder.zip") in missing.output
    built = tmp_path / "project" / "dist" / "disc01" / "disc01-autograder.zip"
    built.parent.mkdir(parents=True)
    with zipfile.ZipFile(built, "w") as zf:
        zf.writestr("README", "not an autograder")
    found = CliRunner().invoke(main, ["grade", str(notebook), "-o", str(tmp_path / "out"), "--assignment", "disc01"])
    assert found.exit_code == 1 and f"{built} has no casebook.json" in found.output  # that very zip was opened


def test_a_build_logged_to_a_file_prints_plain_lines_and_no_kernel_warning(tmp_path):
    import subprocess
    import sys

    # The real command, its output to a pipe as to a log file: kernels write to the same stderr.
    result = subprocess.run([sys.executable, "-c", "from generator.cli import main; main()", "build", "disc02",
                             "--no-verify", "-o", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    log = result.stdout + result.stderr
    assert "\r" not in log and "disc02: student notebook\n" in log and "solution notebook (executing)\n" in log
    assert "without encryption" not in log, log
