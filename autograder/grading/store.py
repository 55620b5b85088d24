"""Where local grading keeps what it learns: one result file per submission, written atomically
the moment it is known, so an interrupted run loses nothing that finished. The gradebook and the
report are always rebuilt from these files."""

import json
from pathlib import Path

from autograder.files import write_atomically
from autograder.judge.verdict import Verdict

FORMAT = 1
GRADER_ERROR = "Grader error"  # the grader failed, not the submission: kept until --force


class ResultNotSaved(RuntimeError):
    """A result could not be written (a full disk, a folder gone): the run must stop."""


class ResultStore:
    def __init__(self, out):
        self.out = Path(out)
        self.results = self.out / "results"
        self.feedback = self.out / "feedback"

    def result_path(self, submission_id):
        return self.results / f"{submission_id}.json"

    def save(self, submission, fingerprint, verdict, error=None, written=None, code=None, sources=None):
        record = {"format": FORMAT, "id": submission.id, "source": submission.source,
                  "file": submission.path.name if submission.path else "",
                  "student": submission.student, "fingerprint": fingerprint, "written": written or {},
                  "code": code or {}, "sources": sources or {},
                  "grading_status": verdict.grading_status() if error is None else error,
                  "score": verdict.score, "max_score": verdict.max_score, "verdict": verdict.to_dict()}
        try:
            write_atomically(self.result_path(submission.id), json.dumps(record, indent=1, allow_nan=False))
            write_atomically(self.feedback / f"{submission.id}.txt", feedback_text(record, verdict))
        except OSError as exc:
            raise ResultNotSaved(f"could not write {submission.id}'s result to {self.out}: "
                                 f"{exc.strerror or exc}") from exc
        return record

    def load(self, submission_id):
        """The stored record, or None if there is none (or it is unreadable: grade again)."""
        try:
            record = json.loads(self.result_path(submission_id).read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("format") == FORMAT else None

    def is_current(self, submission, fingerprint):
        """A result for this very file. One the grader failed on counts too: it is recorded
        once, with its reason, and ``--force`` grades it again."""
        record = self.load(submission.id)
        return record is not None and record.get("fingerprint") == fingerprint


def verdict_of(record):
    return Verdict.from_dict(record["verdict"])


def feedback_text(record, verdict):
    """What the TA (or, forwarded, the student) reads: every case, hidden ones included."""
    who = record["student"].get("name") or record["id"]
    lines = [f"{who}: {verdict.score:g} of {verdict.max_score:g} autograded points",
             f"status: {record['grading_status']}", ""]
    lines += [f"note: {note}" for note in verdict.notes]
    for question in verdict.questions:
        lines += ["", question.feedback(show_hidden=True)]
    return "\n".join(lines) + "\n"
