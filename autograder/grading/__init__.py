"""Local grading, on a TA's machine (never shipped to Gradescope): ``eecs182 grade`` turns a
folder of submissions into a gradebook, a report and feedback (``batch`` and the modules it
uses), and ``review/`` holds what the TAs do after it: hand grading, feedback to send back,
copied work."""
