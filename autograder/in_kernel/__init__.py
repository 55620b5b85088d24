"""Code that runs inside a student's kernel, sent there as files, never imported there:
``submit`` (the export cell's tool, copied beside the notebook), ``answer`` (how a graded
function is called on a case: in the judge's kernel and in otter's test files), ``runtime`` (the
check otter's test files run for ``grader.check``) and ``grade`` (the judge's side of a graded
run). ``submit`` imports nothing of the project; the others name the project files shipped
ahead of them (``autograder/judge/shipped.py``), whose imports are dropped on the way."""
