"""The review's pages: the questions with their progress, and one question's answers beside its rubric."""

from flask import Blueprint, abort, current_app, render_template, request

from autograder.mathml import answer_html

POLL_SECONDS = 2

pages = Blueprint("review", __name__, template_folder="templates")


def section():
    return current_app.extensions["review.section"]


def question_or_404(question):
    if question not in section().written:
        abort(404, f"no written question {question!r}")
    return section().written[question]


@pages.get("/")
def index():
    s = section()
    s.refresh_if_graded_since()
    questions = [(w, s.progress(w["name"])) for w in s.casebook.written]
    return render_template("index.html", assignment=s.casebook.assignment, questions=questions,
                           unreadable=s.unreadable())


@pages.get("/q/<question>")
def question_page(question):
    s = section()
    s.refresh_if_graded_since()
    w = question_or_404(question)
    show_names = request.args.get("names") == "1"
    state = s.hand.question_state(question)
    answers = []
    for number, record in enumerate(s.readable(), 1):
        text = s.answer(record, question)
        student = (record.get("student") or {}).get("name")
        answers.append({"id": record["id"], "number": number, "text": text,
                        "html": answer_html(text) if text else "",
                        "who": (f"{student} ({record['id']})" if student else record["id"]) if show_names else None,
                        "state": s.answer_state(question, record["id"], state)})
    return render_template("question.html", assignment=s.casebook.assignment, question=w, answers=answers,
                           show_names=show_names, progress=s.progress(question, state), unreadable=s.unreadable(),
                           saved=s.hand.saved_comments(question), poll_seconds=POLL_SECONDS,
                           others=[n for n in s.written if n != question])
