"""Plain data: the only thing that crosses between the judge and a submission's kernel.

Plain means numbers, strings, booleans, None and lists of those, nested. Non-finite floats
travel as the strings "NaN", "Infinity" and "-Infinity" so that the JSON stays standard.
Text from the kernel is parsed by ``loads``: a size cap, a depth cap, and a JSON decoder
that builds nothing but plain values (no NaN tokens, no object hooks, no classes).
"""

import json
import math

import numpy as np

MAX_BYTES = 1 << 20  # one answer: a few thousand numbers fit in far less
MAX_DEPTH = 8
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class PlainDataError(ValueError):
    """Text that is not plain data within the caps."""


def to_plain(value):
    """numpy arrays and scalars, tuples and floats as plain, JSON-ready values."""
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} is not plain data")


def dumps(value):
    return json.dumps(to_plain(value), allow_nan=False, separators=(",", ":"))


def _reject_constant(name):
    raise PlainDataError(f"{name} is not allowed in plain data")


def _reject_object(pairs):
    raise PlainDataError("objects are not allowed in plain data")


def loads(text, max_bytes=MAX_BYTES):
    """Parse untrusted text into plain values, or raise PlainDataError."""
    if not isinstance(text, str):
        raise PlainDataError("expected text")
    if len(text) > max_bytes:
        raise PlainDataError(f"{len(text)} characters is over the {max_bytes} allowed")
    # Depth is checked before parsing: deep nesting is how a small text costs a deep recursion.
    depth = deepest = 0
    for ch in text:
        if ch == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "]":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise PlainDataError(f"nested {deepest} deep, over the {MAX_DEPTH} allowed")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_reject_object)
    except json.JSONDecodeError as exc:
        raise PlainDataError(f"not JSON: {exc.msg}") from None


def numbers(value):
    """A plain value (number, non-finite string or nested list) as a float numpy array, or None
    when it is anything else."""
    def convert(v):
        if isinstance(v, list):
            return [convert(x) for x in v]
        if isinstance(v, bool) or v is None:
            raise TypeError
        if isinstance(v, str):
            return _NON_FINITE[v]
        return float(v)

    try:
        return np.asarray(convert(value), dtype=float)
    except (TypeError, KeyError, ValueError):
        return None
