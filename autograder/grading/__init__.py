"""Local grading, on a TA's machine (never shipped to Gradescope): ``eecs182 grade`` turns a
folder of submissions into a gradebook, a report, feedback files and a list of copied work
(``batch`` and the modules it uses); hand scores live in ``hand_scores``, and ``review/`` is the
web app in which TAs give them."""
