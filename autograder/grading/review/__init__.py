"""What the TAs do after the autograder: hand grading, feedback to send back, copied work.

- ``hand_scores``: the SQLite store (WAL) in OUT for ticks, comments, adjustments and reusable
  comments; the only place a hand score lives, which no grading run touches.
- ``app``: the Flask app of ``eecs182 review``: one question across the whole section, rubric
  items as checkboxes that save on click, keyboard moves, progress; every route behind a
  per-run token. ``server`` serves it on loopback with waitress and opens the browser.
- ``feedback``: one Markdown file per student, and the zip of them all.
- ``similarity``: pairs of submissions whose graded functions and written answers are alike
  beyond chance.
"""
