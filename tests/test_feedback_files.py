"""The feedback files students receive (OUT/student_feedback/, feedback.zip): hidden cases keep
their verdicts and hints but not their inputs or expected values, no TA path shows, and every
student gets a file of their own, whatever their name."""

import os
import zipfile

from autograder.grading.feedback import feedback_markdown, file_name, write_feedback
from autograder.judge.casebook import Casebook, JudgedQuestion
from autograder.judge.upload import escape_problem
from autograder.judge.verdict import CaseResult, QuestionResult, Verdict

HIDDEN_CALL = "grad_const(theta=-1.9223, y=[0.5, 2.25])"
HIDDEN = f"{HIDDEN_CALL} returned -7.46841; expected -4.43687."
CASEBOOK = Casebook("hw", 1, (JudgedQuestion("q1a_grad", "grad_const", 1.0, ()),), "assignment.hw.cases")


def _record(name="Ada Lovelace", sid="3031000001", id_="submission_1001"):
    cases = [CaseResult(True, False),
             CaseResult(False, False, "grad_const(theta=1, y=[1]) returned 1; expected 0.", "grad_const(theta=1, y=[1])"),
             CaseResult(False, True, HIDDEN, HIDDEN_CALL),
             CaseResult(False, True, f"{HIDDEN_CALL} returned 2; expected 4. Looks like a known mistake: exactly half.",
                        HIDDEN_CALL, "exactly half.")]
    verdict = Verdict(questions=[QuestionResult("q1a_grad", "grad_const", 1.0, 0.25, cases)])
    return {"id": id_, "student": {"name": name, "sid": sid}, "verdict": verdict.to_dict(),
            "grading_status": "Completed"}


def test_hidden_cases_keep_their_verdicts_and_hints_but_not_their_inputs():
    text = feedback_markdown(CASEBOOK, _record(), {})
    assert "case 3 (hidden) failed" in text and "exactly half." in text
    assert "-1.9223" not in text and "-4.43687" not in text and "-7.46841" not in text
    assert "grad\\_const(theta=1, y=\\[1\\])" in text or "grad_const(theta=1, y=[1])" in text  # public: whole
    shown = feedback_markdown(CASEBOOK, _record(), {}, show_hidden=True)
    assert "-1.9223" in shown and "-4.43687" in shown


def test_the_review_pages_button_keeps_what_the_grading_run_chose(tmp_path):
    write_feedback(tmp_path, CASEBOOK, [_record()], show_hidden=True)
    write_feedback(tmp_path, CASEBOOK, [_record()])  # the button: None
    assert "-4.43687" in next((tmp_path / "student_feedback").iterdir()).read_text()
    write_feedback(tmp_path, CASEBOOK, [_record()], show_hidden=False)
    write_feedback(tmp_path, CASEBOOK, [_record()])
    assert "-4.43687" not in next((tmp_path / "student_feedback").iterdir()).read_text()


def test_long_names_keep_sid_and_id_and_never_collide(tmp_path):
    group = "The Extremely Long Study Group Name Of Many Members " * 5
    records = [_record(group, f"30310000{i:02d}", f"submission_{i}") for i in range(9)]
    write_feedback(tmp_path, CASEBOOK, records, show_hidden=False)
    files = sorted(p.name for p in (tmp_path / "student_feedback").iterdir())
    assert len(files) == 9
    assert all(f"30310000{i:02d}_submission_{i}.md" in " ".join(files) for i in range(9))
    with zipfile.ZipFile(tmp_path / "feedback.zip") as zf:
        assert len(zf.namelist()) == 9


def test_a_name_cannot_make_a_hidden_file_or_leave_the_folder():
    for name in ("../../etc/x", ".bashrc", "...", "/"):
        made = file_name(_record(name, "", "s1"))
        assert not made.startswith(".") and "/" not in made and made.endswith(".md"), made


def test_a_link_out_of_the_submission_does_not_name_the_tas_path(tmp_path):
    outside = tmp_path / "ta_downloads" / "late_submission.ipynb"
    outside.parent.mkdir()
    outside.write_text("{}")
    folder = tmp_path / "student"
    folder.mkdir()
    os.symlink(outside, folder / "hw.ipynb")
    problem = escape_problem(folder / "hw.ipynb", folder)
    assert "outside its submission's folder" in problem and str(tmp_path) not in problem and "ta_downloads" not in problem
