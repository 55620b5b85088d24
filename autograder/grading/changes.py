"""What a grading run changed: every submission whose total moved, with the questions that
moved, as ``id: old → new``. Printed at the end of the run, shown in the report's "Changed in
the last run", and appended to ``OUT/changes.log``, which keeps every run's changes.

Totals are the gradebook's: autograded plus hand scores. A run never changes a hand score, so
what moves is what the autograder gave.
"""

import time
from dataclasses import dataclass
from pathlib import Path

LOG = "changes.log"


@dataclass(frozen=True)
class Change:
    submission: str
    old: float
    new: float
    moved: tuple  # (question, old score, new score) for each autograded question that moved

    def line(self):
        moved = ", ".join(f"{q} {_n(a)} → {_n(b)}" for q, a, b in self.moved)
        return f"{self.submission}: {_n(self.old)} → {_n(self.new)}" + (f" ({moved})" if moved else "")


def _n(value):
    return f"{round(value, 4):g}"


def _scores(record):
    return {q["name"]: q["score"] for q in record["verdict"]["questions"]}


def score_changes(before, after, hand_scores):
    """``before``: {id: the record the run replaced}; ``after``: every record now; ``hand_scores``:
    {(id, written question): points}. A submission graded for the first time is not a change."""
    hand = {}
    for (submission, _), points in hand_scores.items():
        hand[submission] = hand.get(submission, 0.0) + points
    changes = []
    for record in after:
        old = before.get(record["id"])
        if old is None:
            continue
        old_scores, new_scores = _scores(old), _scores(record)
        moved = tuple((q, old_scores.get(q, 0.0), s) for q, s in new_scores.items()
                      if abs(old_scores.get(q, 0.0) - s) > 1e-9)
        extra = hand.get(record["id"], 0.0)
        if abs(old["score"] - record["score"]) > 1e-9:
            changes.append(Change(record["id"], old["score"] + extra, record["score"] + extra, moved))
    return changes


def log_changes(out, changes, regraded):
    """Append this run's changes to OUT/changes.log (a line per change, under a dated heading)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    lines = [f"# {stamp}: {regraded} graded again, {len(changes)} total{'s' if len(changes) != 1 else ''} changed"]
    lines += [change.line() for change in changes]
    with open(Path(out) / LOG, "a", encoding="utf-8") as log:
        log.write("\n".join(lines) + "\n")
