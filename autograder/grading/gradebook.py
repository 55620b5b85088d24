"""``final_grades.csv`` in otter's layout, which TAs know: ``file``, one column per question,
``total_points_earned``, ``percent_correct``, ``grading_status``; the first row holds the points
per question. Student name, email and SID columns follow ``file`` when any are known. No cell
can run as a formula in a spreadsheet (``csvsafe``).

The written questions have a column each, after the autograded ones, filled from the TAs' hand
scores (``hand_scores``); an answer not graded yet is blank, never 0, and the totals
count what has been graded. The file is rebuilt whole, atomically, at the end of every grading
run and after every hand-score change, from the stored results and the hand scores.
"""

import io
from pathlib import Path

from autograder.files import write_atomically
from autograder.grading.csvsafe import SafeWriter
from autograder.grading.hand_scores import HandScores
from autograder.grading.store import ResultStore
from autograder.judge import Casebook

POINTS_ROW = "points-per-question"
STUDENT_FIELDS = ("name", "email", "sid")
CASEBOOK = "casebook.json"  # the run's casebook, kept in OUT for the gradebook and the review
GRADEBOOK = "final_grades.csv"


def _number(value):
    return f"{round(value, 4):g}"


def gradebook_csv(casebook, records, hand_scores=None):
    """The CSV text for ``records`` (stored results, in the order given) and ``hand_scores``
    ({(submission, written question): points})."""
    hand_scores = hand_scores or {}
    questions = [q.name for q in casebook.questions]
    written = [w["name"] for w in casebook.written]
    student_fields = [f for f in STUDENT_FIELDS if any(r["student"].get(f) for r in records)]
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow_as_is(["file", *student_fields, *questions, *written, "total_points_earned", "percent_correct",
                           "grading_status"])
    total = sum(q.points for q in casebook.questions) + sum(w["points"] for w in casebook.written)
    writer.writerow_as_is([POINTS_ROW, *([""] * len(student_fields)),
                           *(_number(q.points) for q in casebook.questions),
                           *(_number(w["points"]) for w in casebook.written), _number(total), "1", "--"])
    for record in records:
        scores = {q["name"]: q["score"] for q in record["verdict"]["questions"]}
        by_hand = {w: hand_scores.get((record["id"], w)) for w in written}
        earned = sum(scores.get(q, 0.0) for q in questions) + sum(s for s in by_hand.values() if s is not None)
        writer.writerow([record["id"], *(record["student"].get(f, "") for f in student_fields),
                         *(_number(scores.get(q, 0.0)) for q in questions),
                         *("" if by_hand[w] is None else _number(by_hand[w]) for w in written),
                         _number(earned), _number(earned / total if total else 0.0), record["grading_status"]])
    return out.getvalue()


def write_gradebook(out, casebook, records):
    """OUT/final_grades.csv from the records and OUT's hand scores."""
    scores = HandScores(out).scores(casebook.written)
    write_atomically(Path(out) / GRADEBOOK, gradebook_csv(casebook, records, scores))


def stored_casebook(out):
    return Casebook.from_json((Path(out) / CASEBOOK).read_text())


def stored_records(out):
    """Every stored result in OUT, in the order of their ids."""
    store = ResultStore(out)
    records = [store.load(path.stem) for path in sorted(store.results.glob("*.json"))]
    return [r for r in records if r is not None]
