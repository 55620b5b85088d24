"""What runs on Gradescope: ``run_autograder`` and ``run_otter.py`` (template files the release
copies into the zip as they are) start ``entry.main``, which grades the upload with the judge
and writes ``results.json`` through otter's result objects (``results``)."""
