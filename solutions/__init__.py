"""Reference implementations: the single oracle for every graded function.

One module per assignment. The generator takes each graded function's signature,
docstring and body from here: the solution notebook shows the body, the student
notebook replaces it with a prompt.
"""
