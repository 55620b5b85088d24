"""Runs inside the submission's kernel: calls the graded functions and reports what they return.

The judge sends this module's source into the kernel once, then one request per question.
Only inputs travel in; each case's outcome travels out as plain JSON, ``[tag, detail]`` (tags:
``TAGS``), in a display message of its own MIME type, tagged with the request's nonce. Expected values never enter the kernel, so
nothing done here, or done to this code by the submission, can make a wrong answer right.
It must stand alone: it runs where nothing of this project is importable.
"""

import contextlib
import json
import math

MIME = "application/vnd.eecs182.judge+json"
MAX_REPLY = 1 << 20
TAGS = ("value", "error", "missing", "not_callable", "unimplemented", "unsupported")
CALLERS = {}  # kind -> function(func, args) -> plain value; registered kinds add theirs


class _Sink:
    """Where the student's prints go while the judge calls their function: nowhere."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _decode(arg):
    """One tagged argument: {"array": [...], "dtype": ...}, {"list": [...]} or a plain value."""
    import numpy as np

    if isinstance(arg, dict) and "array" in arg:
        return np.array(_floats(arg["array"]), dtype=arg.get("dtype", "float64"))
    if isinstance(arg, dict) and "list" in arg:
        return _floats(arg["list"])
    return _floats(arg)


def _floats(value):
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[value]
    return value


def to_plain(value, depth=0):
    """What a function returned, as plain data; anything else is named, never sent."""
    if depth > 6:
        raise TypeError("nested too deep")
    if hasattr(value, "detach") and hasattr(value, "tolist"):  # a torch tensor
        value = value.detach().cpu().tolist()
    elif hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy array or scalar
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        value = float(value) if isinstance(value, float) else int(value)
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value
    raise TypeError(type(value).__name__)


def _call(func, args):
    return func(*args)


CALLERS["call"] = _call


def _reply(nonce, index, outcome):
    from IPython.display import publish_display_data

    text = json.dumps(outcome, allow_nan=False)
    if len(text) > MAX_REPLY:
        text = json.dumps(["error", f"the answer is too large ({len(text)} characters of data)"])
    publish_display_data({MIME: {"nonce": nonce, "case": index, "outcome": text}})


def run(request_text):
    """Call one question's function on each of its cases; reply once per case."""
    request = json.loads(request_text)
    namespace = get_ipython().user_ns  # noqa: F821 - defined in every IPython kernel
    name, nonce = request["function"], request["nonce"]
    func = namespace.get(name)
    for index, case in enumerate(request["cases"]):
        if name not in namespace:
            outcome = ["missing", None]
        elif not callable(func):
            outcome = ["not_callable", type(func).__name__]
        else:
            outcome = _outcome(func, case)
        _reply(nonce, index, outcome)


def _outcome(func, case):
    args = [_decode(a) for a in case["args"]]
    try:
        with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            got = CALLERS[case["caller"]](func, args)
    except Exception as exc:  # the student's exception is their feedback
        return ["error", f"{type(exc).__name__}: {str(exc)[:300]}"]
    if got is None or got is Ellipsis:
        return ["unimplemented", None]
    try:
        return ["value", to_plain(got)]
    except TypeError as exc:
        return ["unsupported", str(exc)]
