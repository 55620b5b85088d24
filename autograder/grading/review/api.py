"""The review's JSON API: every change a TA makes, written to SQLite before it is acknowledged.
Bad input gets a 400 with a short reason (``app.py`` turns every error into JSON here)."""

from flask import Blueprint, abort, jsonify, request

from autograder.grading.feedback import write_feedback
from autograder.grading.hand_scores import MAX_COMMENT_CHARS
from autograder.grading.review.pages import question_or_404, section

MAX_REASON_CHARS = 500

api = Blueprint("api", __name__)


def body():
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested past Python's limit: not a request this page makes
        data = None
    if not isinstance(data, dict):
        abort(400, "send a JSON object")
    return data


def submission_in(data):
    submission = data.get("submission")
    if not isinstance(submission, str) or submission not in section().gradable:
        abort(400, "no such submission, or one whose upload could not be read")
    return submission


def text_in(data, key, limit=MAX_COMMENT_CHARS):
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > limit or not _encodable(value):
        abort(400, f"{key} must be text of at most {limit} characters")
    return value


def _encodable(text):
    """Text SQLite can store: a lone surrogate (JSON allows "\\ud800") cannot be."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def changed(question, submission):
    s = section()
    s.rebuild_gradebook()
    state = s.hand.question_state(question)  # read once for the answer and the progress
    return jsonify(answer=s.answer_state(question, submission, state), progress=s.progress(question, state))


@api.get("/q/<question>/state")
def question_state(question):
    s = section()
    s.refresh_if_graded_since()
    question_or_404(question)
    state = s.hand.question_state(question)
    return jsonify(answers={r["id"]: s.answer_state(question, r["id"], state) for r in s.readable()},
                   progress=s.progress(question, state), saved=s.hand.saved_comments(question))


@api.post("/q/<question>/tick")
def tick(question):
    w = question_or_404(question)
    data = body()
    submission, item, ticked = submission_in(data), data.get("item"), data.get("ticked")
    if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < len(w.get("rubric") or []):
        abort(400, "item must be the number of one of the question's rubric items")
    if not isinstance(ticked, bool):
        abort(400, "ticked must be true or false")
    section().hand.tick(submission, question, item, ticked, section().fingerprint(submission, question))
    return changed(question, submission)


@api.post("/q/<question>/zero")
def zero(question):
    question_or_404(question)
    submission = submission_in(body())
    section().hand.give_zero(submission, question, section().fingerprint(submission, question))
    return changed(question, submission)


@api.post("/q/<question>/ungrade")
def ungrade(question):
    question_or_404(question)
    submission = submission_in(body())
    section().hand.ungrade(submission, question)
    return changed(question, submission)


@api.post("/q/<question>/note")
def note(question):
    """Any of comment, adjustment and reason: only those sent change."""
    w = question_or_404(question)
    data = body()
    submission = submission_in(data)
    fields = {}
    if "adjustment" in data:
        adjustment = data["adjustment"]
        if (not isinstance(adjustment, (int, float)) or isinstance(adjustment, bool)
                or not abs(adjustment) <= w["points"]):  # NaN fails this too; a huge int is compared exactly
            abort(400, f"the adjustment must be a number between -{w['points']:g} and {w['points']:g}")
        fields["adjustment"] = float(adjustment)
    if "comment" in data:
        fields["comment"] = text_in(data, "comment")
    if "reason" in data:
        fields["reason"] = text_in(data, "reason", MAX_REASON_CHARS)
    if not fields:
        abort(400, "send a comment, an adjustment or a reason")
    try:
        section().hand.note(submission, question, section().fingerprint(submission, question), **fields)
    except ValueError as exc:
        abort(400, str(exc))
    return changed(question, submission)


@api.post("/feedback")
def feedback():
    s = section()
    s.refresh_if_graded_since()
    path = write_feedback(s.out, s.casebook, s.records)
    return jsonify(zip=str(path), files=len(s.records))


@api.post("/q/<question>/saved-comments")
def save_comment(question):
    question_or_404(question)
    text = text_in(body(), "text").strip()
    if not text:
        abort(400, "an empty comment is not worth saving")
    section().hand.save_comment(question, text)
    return jsonify(saved=section().hand.saved_comments(question))


@api.delete("/q/<question>/saved-comments/<int:comment_id>")
def forget_comment(question, comment_id):
    question_or_404(question)
    if comment_id >= 2 ** 63:  # past SQLite's integers: no such comment
        abort(404, "no such comment")
    section().hand.forget_comment(comment_id)
    return jsonify(saved=section().hand.saved_comments(question))
