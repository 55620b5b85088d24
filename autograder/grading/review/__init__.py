"""``eecs182 review``: the hand grading of the written answers, in the browser.

- ``hand_scores``: the SQLite store (WAL) in OUT for ticks, comments, adjustments and reusable
  comments; the only place a hand score lives, which no grading run touches.
- ``app``: the Flask app: one question across the whole section, rubric items as checkboxes
  that save on click, keyboard moves, progress; every route behind a per-run token.
- ``server``: serves it on loopback with waitress and opens the browser.
"""
