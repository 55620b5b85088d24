"""The review app (Flask): the written answers of one question across the whole section, with
the rubric beside each, for the TAs to grade in the browser.

Every route sits under ``/<token>/``, a secret made per run: anything else is a 404, so another
user of a shared machine, who can reach the loopback port, can neither read nor write. The
stylesheets and scripts, the same for everyone, are served outside it (``/static/``), so that no
page answered without the token (an error, a 404) names it. Requests
must name this machine by its loopback name (no DNS rebinding), changes come as JSON (which a
page elsewhere cannot post without the browser asking first), and a change is written to SQLite
before it is acknowledged. Bad input gets a 4xx with a short JSON reason, never a traceback.
"""

import threading
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from autograder.grading.gradebook import CASEBOOK, stored_casebook, stored_records, write_gradebook
from autograder.grading.feedback import write_feedback
from autograder.grading.hand_scores import (MAX_COMMENT_CHARS, HandScores, answer_fingerprint,
                                                   score_of)
from autograder.mathml import MATH_CSS, answer_html

LOOPBACK_NAMES = {"127.0.0.1", "localhost"}
MAX_BODY = 64 * 1024  # bytes of a request body; the server refuses a longer one before reading it
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
POLL_SECONDS = 2


class Section:
    """What OUT holds for the review: the casebook's written questions and every stored result,
    read again whenever a grading run has written since (``refresh_if_graded_since``)."""

    def __init__(self, out):
        self.out = out
        self.hand = HandScores(out)
        self._gradebook_lock = threading.Lock()
        self._seen = None
        self.refresh()

    def _stamp(self):
        """Changes when a grading run stores a result (each is renamed into results/) or a casebook."""
        out = Path(self.out)
        return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (out / "results", out / CASEBOOK))

    def refresh_if_graded_since(self):
        """Read the results again if a grading run wrote any since they were read: a tick must
        never rebuild the gradebook from results a regrade has replaced."""
        if self._stamp() != self._seen:
            self.refresh()

    def refresh(self):
        """Read the casebook and the results. A file caught mid-write by a grading run (it writes
        each whole, by rename, so only a reader racing the rename) keeps what was read before,
        and the next request tries again."""
        stamp = self._stamp()
        try:
            casebook, records = stored_casebook(self.out), stored_records(self.out)
        except (OSError, ValueError):
            if self._seen is None:
                raise
            return
        self._seen = stamp
        self.casebook = casebook
        self.written = {w["name"]: w for w in casebook.written}
        self.records = records
        self.by_id = {r["id"]: r for r in records}
        self.gradable = {r["id"] for r in self.readable()}  # an unreadable upload has no answer to score

    def readable(self):
        return [r for r in self.records if not r["grading_status"].startswith("Unreadable")]

    def unreadable(self):
        return [r for r in self.records if r["grading_status"].startswith("Unreadable")]

    def answer(self, record, question):
        return (record.get("written") or {}).get(question, "")

    def progress(self, question, state=None):
        state = self.hand.question_state(question) if state is None else state
        readable = self.readable()
        return {"graded": sum(1 for r in readable if state.get(r["id"], {}).get("graded")), "of": len(readable)}

    def answer_state(self, question, submission, state=None):
        """What the page shows of one answer's grading: ticks, notes, score, and whether its text
        changed since it was graded."""
        state = (state if state is not None else self.hand.question_state(question)).get(submission)
        w = self.written[question]
        record = self.by_id[submission]
        if state is None:
            return {"ticked": [], "graded": False, "comment": "", "adjustment": 0, "reason": "",
                    "score": None, "changed_since_graded": False}
        current = answer_fingerprint(self.answer(record, question))
        return {**{k: state[k] for k in ("ticked", "graded", "comment", "adjustment", "reason")},
                "score": score_of(state, w.get("rubric") or [], w["points"]) if state["graded"] else None,
                "changed_since_graded": state["graded"] and state["answer_hash"] != current}

    def rebuild_gradebook(self):
        with self._gradebook_lock:  # one writer of the temporary file at a time
            self.refresh_if_graded_since()
            write_gradebook(self.out, self.casebook, self.records)


def create_app(out, token):
    section = Section(out)
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, JSON_SORT_KEYS=False)
    site = Blueprint("review", __name__, url_prefix=f"/{token}", template_folder="templates")

    @app.before_request
    def only_loopback_names():
        if request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
            abort(400, "this server answers to 127.0.0.1 only")

    @app.after_request
    def strict_headers(response):
        response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
        return response

    @app.errorhandler(HTTPException)
    def short_error(exc):
        if request.path.startswith(f"/{token}/api/"):
            return jsonify(error=exc.description), exc.code
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

    @app.get("/favicon.ico")
    def no_icon():  # browsers ask for it: an empty answer keeps their consoles free of 404s
        return Response(status=204)

    def question_or_404(question):
        if question not in section.written:
            abort(404, f"no written question {question!r}")
        return section.written[question]

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
        if not isinstance(submission, str) or submission not in section.gradable:
            abort(400, "no such submission, or one whose upload could not be read")
        return submission

    def text_in(data, key, limit=MAX_COMMENT_CHARS):
        value = data.get(key, "")
        if not isinstance(value, str) or len(value) > limit or not _encodable(value):
            abort(400, f"{key} must be text of at most {limit} characters")
        return value

    def changed(question, submission):
        section.rebuild_gradebook()
        state = section.hand.question_state(question)  # read once for the answer and the progress
        return jsonify(answer=section.answer_state(question, submission, state),
                       progress=section.progress(question, state))

    @app.get("/static/math.css")
    def math_css():
        return Response(MATH_CSS, mimetype="text/css")

    @site.get("/")
    def index():
        section.refresh_if_graded_since()
        questions = [(w, section.progress(w["name"])) for w in section.casebook.written]
        return render_template("index.html", token=token, assignment=section.casebook.assignment,
                               questions=questions, unreadable=section.unreadable())

    @site.get("/q/<question>")
    def question_page(question):
        section.refresh_if_graded_since()
        w = question_or_404(question)
        show_names = request.args.get("names") == "1"
        state = section.hand.question_state(question)
        answers = []
        for number, record in enumerate(section.readable(), 1):
            text = section.answer(record, question)
            student = (record.get("student") or {}).get("name")
            answers.append({"id": record["id"], "number": number, "text": text,
                            "html": answer_html(text) if text else "",
                            "who": (f"{student} ({record['id']})" if student else record["id"]) if show_names else None,
                            "state": section.answer_state(question, record["id"], state)})
        return render_template("question.html", token=token, assignment=section.casebook.assignment,
                               question=w, answers=answers, show_names=show_names,
                               progress=section.progress(question, state), unreadable=section.unreadable(),
                               saved=section.hand.saved_comments(question), poll_seconds=POLL_SECONDS,
                               others=[n for n in section.written if n != question])

    @site.get("/api/q/<question>/state")
    def question_state(question):
        section.refresh_if_graded_since()
        question_or_404(question)
        state = section.hand.question_state(question)
        return jsonify(answers={r["id"]: section.answer_state(question, r["id"], state) for r in section.readable()},
                       progress=section.progress(question, state), saved=section.hand.saved_comments(question))

    @site.post("/api/q/<question>/tick")
    def tick(question):
        w = question_or_404(question)
        data = body()
        submission, item, ticked = submission_in(data), data.get("item"), data.get("ticked")
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < len(w.get("rubric") or []):
            abort(400, "item must be the number of one of the question's rubric items")
        if not isinstance(ticked, bool):
            abort(400, "ticked must be true or false")
        section.hand.tick(submission, question, item, ticked, _fingerprint(section, submission, question))
        return changed(question, submission)

    @site.post("/api/q/<question>/zero")
    def zero(question):
        question_or_404(question)
        submission = submission_in(body())
        section.hand.give_zero(submission, question, _fingerprint(section, submission, question))
        return changed(question, submission)

    @site.post("/api/q/<question>/ungrade")
    def ungrade(question):
        question_or_404(question)
        submission = submission_in(body())
        section.hand.ungrade(submission, question)
        return changed(question, submission)

    @site.post("/api/q/<question>/note")
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
            fields["reason"] = text_in(data, "reason", 500)
        if not fields:
            abort(400, "send a comment, an adjustment or a reason")
        try:
            section.hand.note(submission, question, _fingerprint(section, submission, question), **fields)
        except ValueError as exc:
            abort(400, str(exc))
        return changed(question, submission)

    @site.post("/api/feedback")
    def feedback():
        section.refresh_if_graded_since()
        path = write_feedback(section.out, section.casebook, section.records)
        return jsonify(zip=str(path), files=len(section.records))

    @site.post("/api/q/<question>/saved-comments")
    def save_comment(question):
        question_or_404(question)
        text = text_in(body(), "text").strip()
        if not text:
            abort(400, "an empty comment is not worth saving")
        section.hand.save_comment(question, text)
        return jsonify(saved=section.hand.saved_comments(question))

    @site.delete("/api/q/<question>/saved-comments/<int:comment_id>")
    def forget_comment(question, comment_id):
        question_or_404(question)
        if comment_id >= 2 ** 63:  # past SQLite's integers: no such comment
            abort(404, "no such comment")
        section.hand.forget_comment(comment_id)
        return jsonify(saved=section.hand.saved_comments(question))

    app.register_blueprint(site)
    return app


def _encodable(text):
    """Text SQLite can store: a lone surrogate (JSON allows "\\ud800") cannot be."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _fingerprint(section, submission, question):
    return answer_fingerprint(section.answer(section.by_id[submission], question))
