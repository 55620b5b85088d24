"""What OUT holds for the review: the casebook's written questions, every stored result and the
hand scores, read again whenever a grading run has written since."""

import threading
from pathlib import Path

from autograder.grading.gradebook import CASEBOOK, stored_casebook, stored_records, write_gradebook
from autograder.grading.hand_scores import HandScores, answer_fingerprint, score_of


class Section:
    """The review's view of OUT, refreshed when a grading run has written (``refresh_if_graded_since``)."""

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

    def fingerprint(self, submission, question):
        """What the answer a TA grades is, so that a later change of it shows."""
        return answer_fingerprint(self.answer(self.by_id[submission], question))
