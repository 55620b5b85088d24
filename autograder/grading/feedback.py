"""Feedback a TA can send back: for each submission, one Markdown file with its score, the
autograder's feedback per question and, for each written question, the rubric items given, the
adjustment and the comment (``OUT/student_feedback/``); and ``OUT/feedback.zip`` with one such
file per student, named by name, SID and submission so that it can be mailed or uploaded as it
is. What students may keep: hidden cases say whether they passed and which catalogued mistake
an answer matches, never their inputs or expected values (``--show-hidden`` for staff who
publish them).

Written at the end of every grading run and from the review page's "Write feedback" button,
from the stored results and the hand scores (never from anything a kernel produced but the
stored verdict's plain text).
"""

import io
import re
import zipfile
from pathlib import Path

from autograder.files import write_atomically
from autograder.grading.hand_scores import HandScores, score_of
from autograder.judge.verdict import VERDICTS_ONLY, Verdict, markdown_text

FOLDER = "student_feedback"  # OUT/feedback/ holds the grader's own log of each result
ZIP = "feedback.zip"
SHOWS_HIDDEN = ".student-feedback-shows-hidden"  # in OUT: `eecs182 grade --show-hidden` was given


def _safe(text, limit):
    """Letters, digits, dots and dashes only, at most ``limit`` of them, never a leading dot (no
    hidden file, no ``..``)."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._-")[:limit].strip("._-")


def file_name(record):
    """``Ada_Lovelace_3031000001_submission_1001.md``: readable, and unique because the id is
    always there whole (a long name is cut, never the SID or the id); safe on every file system."""
    student = record.get("student") or {}
    parts = [_safe(student.get("name", ""), 60), _safe(student.get("sid", ""), 40), _safe(record["id"], 120)]
    return f"{'_'.join(p for p in parts if p) or 'submission'}.md"


def feedback_markdown(casebook, record, hand_state, show_hidden=VERDICTS_ONLY):
    """``hand_state``: {written question: its state in HandScores.question_state, or absent}.
    Hidden cases show their verdicts and hints, not their inputs or expected values, unless
    ``show_hidden`` is True (for staff who publish them)."""
    verdict = Verdict.from_dict(record["verdict"])
    written_points = sum(w["points"] for w in casebook.written)
    hand = {w["name"]: score_of(hand_state[w["name"]], w.get("rubric") or [], w["points"])
            for w in casebook.written if hand_state.get(w["name"], {}).get("graded")}
    total = verdict.score + sum(hand.values())
    student = (record.get("student") or {}).get("name")
    lines = [f"# {markdown_text(casebook.assignment)}: feedback for {markdown_text(student or record['id'])}", "",
             f"**Score: {total:g} of {verdict.max_score + written_points:g}** "
             f"({verdict.score:g} of {verdict.max_score:g} autograded"
             + (f", {sum(hand.values()):g} of {written_points:g} graded by hand" if casebook.written else "")
             + (f"; not graded yet: "
                f"{', '.join(markdown_text(w['name']) for w in casebook.written if w['name'] not in hand)}"
                if len(hand) < len(casebook.written) else "") + ")", "",
             f"Status: {markdown_text(record['grading_status'])}", "", "## Autograded questions", ""]
    for question in verdict.questions:
        lines += [question.feedback_markdown(show_hidden=show_hidden), ""]
    if casebook.written:
        lines += ["## Written questions", ""]
    for w in casebook.written:
        name = w["name"]
        state = hand_state.get(name)
        lines.append(f"### {markdown_text(name)}: " + (f"{hand[name]:g} of {w['points']:g}" if name in hand
                                                        else "not graded yet"))
        if name in hand:
            for i, item in enumerate(w.get("rubric") or []):
                mark = "x" if i in state["ticked"] else " "
                lines.append(f"- [{mark}] {markdown_text(item['item'])} ({item['points']:+g})")
            if state["adjustment"]:
                lines.append(f"- Adjustment {state['adjustment']:+g}: {markdown_text(state['reason'])}")
        if state and state["comment"].strip():
            lines += ["", "> " + "\n> ".join(markdown_text(line) for line in state["comment"].strip().splitlines())]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(out, casebook, records, show_hidden=None):
    """OUT/student_feedback/<file_name>.md for every record, and OUT/feedback.zip holding them
    all. Returns the zip's path. ``show_hidden``: whether hidden cases are shown whole; None
    keeps what the last grading run into OUT chose (the review page's button passes None)."""
    out = Path(out)
    setting = out / SHOWS_HIDDEN
    if show_hidden is None:
        show_hidden = setting.exists()
    elif show_hidden:
        setting.touch()
    else:
        setting.unlink(missing_ok=True)
    show_hidden = True if show_hidden else VERDICTS_ONLY
    hand = HandScores(out)
    states = {w["name"]: hand.question_state(w["name"]) for w in casebook.written}
    files = {}
    for record in records:
        text = feedback_markdown(casebook, record, {q: s[record["id"]] for q, s in states.items()
                                                    if record["id"] in s}, show_hidden)
        files[file_name(record)] = text
        write_atomically(out / FOLDER / file_name(record), text)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), files[name])
    write_atomically(out / ZIP, buffer.getvalue())
    return out / ZIP
