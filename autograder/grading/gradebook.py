"""``final_grades.csv`` in otter's layout, which TAs know: ``file``, one column per question,
``total_points_earned``, ``percent_correct``, ``grading_status``; the first row holds the points
per question. Student name, email and SID columns follow ``file`` when any are known."""

import csv
import io

from autograder.files import write_atomically

POINTS_ROW = "points-per-question"
STUDENT_FIELDS = ("name", "email", "sid")


def _number(value):
    return f"{round(value, 4):g}"


def gradebook_csv(casebook, records):
    """The CSV text for ``records`` (stored results, in the order given)."""
    questions = [q.name for q in casebook.questions]
    student_fields = [f for f in STUDENT_FIELDS if any(r["student"].get(f) for r in records)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", *student_fields, *questions, "total_points_earned", "percent_correct",
                     "grading_status"])
    total = sum(q.points for q in casebook.questions)
    writer.writerow([POINTS_ROW, *([""] * len(student_fields)),
                     *(_number(q.points) for q in casebook.questions), _number(total), "1", "--"])
    for record in records:
        scores = {q["name"]: q["score"] for q in record["verdict"]["questions"]}
        earned = sum(scores.get(q, 0.0) for q in questions)
        writer.writerow([record["id"], *(record["student"].get(f, "") for f in student_fields),
                         *(_number(scores.get(q, 0.0)) for q in questions), _number(earned),
                         _number(earned / total if total else 0.0), record["grading_status"]])
    return out.getvalue()


def write_gradebook(path, casebook, records):
    write_atomically(path, gradebook_csv(casebook, records))
