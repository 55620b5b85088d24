"""The TAs' hand scores, in ``OUT/hand_scores.sqlite``: SQLite in WAL mode, one transaction per
change, committed before the change is acknowledged, so a killed server loses nothing it said
it saved. Grading runs never write here: a regrade leaves every hand score as it was.

Each rubric item of each answer is its own row, so two tabs (or two TAs) ticking different
items never overwrite each other, and the last change to one item wins. An answer is graded
once anything was decided for it (a tick, "zero", a comment's score change); its score is the
ticked items plus the adjustment, within 0 and the question's points. The answer's text is
fingerprinted when it is graded: if a resubmission changes it, the score is flagged for a
second look instead of being kept silently.
"""

import hashlib
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path

FILE = "hand_scores.sqlite"
MAX_COMMENT_CHARS = 5000
NOTE_FIELDS = ("comment", "adjustment", "reason")

SCHEMA = """
CREATE TABLE IF NOT EXISTS ticks (
    submission TEXT NOT NULL, question TEXT NOT NULL, item INTEGER NOT NULL,
    ticked INTEGER NOT NULL, changed REAL NOT NULL,
    PRIMARY KEY (submission, question, item));
CREATE TABLE IF NOT EXISTS grades (
    submission TEXT NOT NULL, question TEXT NOT NULL,
    graded INTEGER NOT NULL DEFAULT 0, comment TEXT NOT NULL DEFAULT '',
    adjustment REAL NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',
    answer_hash TEXT NOT NULL DEFAULT '', changed REAL NOT NULL,
    PRIMARY KEY (submission, question));
CREATE TABLE IF NOT EXISTS saved_comments (
    id INTEGER PRIMARY KEY, question TEXT NOT NULL, text TEXT NOT NULL, UNIQUE (question, text));
"""


def answer_fingerprint(text):
    return hashlib.sha256((text or "").encode("utf-8", "replace")).hexdigest()[:16]


class HandScores:
    """OUT's hand scores. Reading an OUT where nobody has graded by hand gives nothing and
    creates no file: a grading run only reads."""

    def __init__(self, out):
        self.path = Path(out) / FILE
        self._ready = False  # the file is in WAL mode and has its tables

    @contextmanager
    def _db(self, write=False):
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        with closing(db):
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")  # a property of the file: once
                db.executescript(SCHEMA)
                self._ready = True
            db.execute("PRAGMA synchronous=FULL")  # committed means on disk, WAL or not
            if not write:
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _mark_graded(self, db, submission, question, answer_hash):
        db.execute("INSERT INTO grades (submission, question, graded, answer_hash, changed) VALUES (?, ?, 1, ?, ?) "
                   "ON CONFLICT (submission, question) DO UPDATE SET graded = 1, answer_hash = excluded.answer_hash, "
                   "changed = excluded.changed", (submission, question, answer_hash, time.time()))

    def tick(self, submission, question, item, ticked, answer_hash):
        with self._db(write=True) as db:
            db.execute("INSERT INTO ticks VALUES (?, ?, ?, ?, ?) ON CONFLICT (submission, question, item) "
                       "DO UPDATE SET ticked = excluded.ticked, changed = excluded.changed",
                       (submission, question, item, int(bool(ticked)), time.time()))
            self._mark_graded(db, submission, question, answer_hash)

    def give_zero(self, submission, question, answer_hash):
        """Graded at 0: nothing ticked, no adjustment (what an empty answer gets in one key)."""
        with self._db(write=True) as db:
            db.execute("UPDATE ticks SET ticked = 0, changed = ? WHERE submission = ? AND question = ?",
                       (time.time(), submission, question))
            self._mark_graded(db, submission, question, answer_hash)
            db.execute("UPDATE grades SET adjustment = 0, reason = '' WHERE submission = ? AND question = ?",
                       (submission, question))

    def ungrade(self, submission, question):
        """Back to not graded: no ticks, no adjustment; the comment stays."""
        with self._db(write=True) as db:
            db.execute("DELETE FROM ticks WHERE submission = ? AND question = ?", (submission, question))
            db.execute("UPDATE grades SET graded = 0, adjustment = 0, reason = '', changed = ? "
                       "WHERE submission = ? AND question = ?", (time.time(), submission, question))

    def note(self, submission, question, answer_hash, **fields):
        """Some of the answer's notes: ``comment``, ``adjustment`` (± points) and its ``reason``.
        Only the fields given change, so two tabs editing different notes of one answer keep
        both. A non-zero adjustment decides a score, so it marks the answer graded; a comment
        alone does not. ValueError (nothing written) if an adjustment would be left without a
        reason."""
        fields = {k: v for k, v in fields.items() if k in NOTE_FIELDS and v is not None}
        with self._db(write=True) as db:
            db.execute("INSERT INTO grades (submission, question, answer_hash, changed) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (submission, question) DO NOTHING",
                       (submission, question, answer_hash, time.time()))
            if fields:
                assignments = ", ".join(f"{name} = ?" for name in fields)  # names from NOTE_FIELDS only
                db.execute(f"UPDATE grades SET {assignments}, changed = ? WHERE submission = ? AND question = ?",
                           (*fields.values(), time.time(), submission, question))
            adjustment, reason = db.execute("SELECT adjustment, reason FROM grades WHERE submission = ? AND "
                                            "question = ?", (submission, question)).fetchone()
            if adjustment and not reason.strip():
                raise ValueError("an adjustment needs a reason")  # rolls the transaction back
            if adjustment:
                self._mark_graded(db, submission, question, answer_hash)

    def save_comment(self, question, text):
        with self._db(write=True) as db:
            db.execute("INSERT OR IGNORE INTO saved_comments (question, text) VALUES (?, ?)", (question, text))

    def forget_comment(self, comment_id):
        with self._db(write=True) as db:
            db.execute("DELETE FROM saved_comments WHERE id = ?", (comment_id,))

    def saved_comments(self, question):
        if not self.path.exists():
            return []
        with self._db() as db:
            return [{"id": i, "text": t} for i, t in
                    db.execute("SELECT id, text FROM saved_comments WHERE question = ? ORDER BY id", (question,))]

    def question_state(self, question):
        """submission -> {"ticked": [item, ...], "graded", "comment", "adjustment", "reason",
        "answer_hash"} for every answer anything was recorded for."""
        state = {}
        if not self.path.exists():
            return state
        with self._db() as db:
            for sub, graded, comment, adjustment, reason, answer_hash in db.execute(
                    "SELECT submission, graded, comment, adjustment, reason, answer_hash FROM grades "
                    "WHERE question = ?", (question,)):
                state[sub] = {"ticked": [], "graded": bool(graded), "comment": comment,
                              "adjustment": adjustment, "reason": reason, "answer_hash": answer_hash}
            for sub, item in db.execute("SELECT submission, item FROM ticks WHERE question = ? AND ticked = 1 "
                                        "ORDER BY item", (question,)):
                state.setdefault(sub, {"ticked": [], "graded": False, "comment": "", "adjustment": 0.0,
                                       "reason": "", "answer_hash": ""})["ticked"].append(item)
        return state

    def scores(self, written):
        """(submission, question) -> points, for every graded answer; ``written`` is the
        casebook's written questions (their rubric points and maxima)."""
        scores = {}
        for question in written:
            rubric = question.get("rubric") or []
            for sub, s in self.question_state(question["name"]).items():
                if s["graded"]:
                    scores[(sub, question["name"])] = score_of(s, rubric, question["points"])
        return scores


def score_of(state, rubric, points):
    earned = sum(rubric[i]["points"] for i in state["ticked"] if 0 <= i < len(rubric)) + state["adjustment"]
    return min(max(earned, 0.0), float(points))
