"""Plain data: the only thing that crosses between the judge and a submission's kernel.

Plain means numbers, strings, booleans, None, and lists and string-keyed dicts of those,
nested (a tuple answer travels as a list, a dict answer as a dict). Non-finite floats travel as
the strings "NaN", "Infinity" and "-Infinity" so that the JSON stays standard. Text from the
kernel is parsed by ``loads``: a size cap, a depth cap, and a JSON decoder that builds nothing
but plain values (no NaN tokens, no repeated keys, no classes).

One codec for both sides, with one set of caps: the judge imports this module, and sends its
source into the kernel ahead of ``in_kernel/grade.py`` (so it imports only json, math, typing and
numpy). The kernel makes its answers with ``to_plain`` and reads its inputs with
``decode_arg``; the judge encodes those inputs with ``encode_arg`` and parses the answers with
``loads``, which refuses whatever ``to_plain`` would not have made.
"""

import json
import math
from typing import Any, Dict, List, NoReturn, Optional, Tuple

import numpy as np

MAX_BYTES = 1 << 20  # one answer: a few thousand numbers fit in far less
MAX_DEPTH = 8  # lists and dicts in each other, counted as JSON's brackets and braces
# An answer travels as [tag, value]: the tag's list is one of the MAX_DEPTH levels.
ANSWER_TAGS = ("value", "error", "missing", "not_callable", "unimplemented", "unsupported")
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class PlainDataError(ValueError):
    """Text that is not plain data within the caps."""


def to_plain(value: Any, depth: int = 0) -> Any:
    """numpy arrays and scalars, torch tensors, tuples, dicts with text keys and floats as plain,
    JSON-ready values; TypeError for anything else, or for values nested deeper than an answer
    may be."""
    if hasattr(value, "detach") and hasattr(value, "tolist"):  # a torch tensor, on any device
        value = value.detach().cpu().tolist()
    elif isinstance(value, (np.ndarray, np.generic)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH - 1:
            raise TypeError(f"nested more than {MAX_DEPTH - 1} lists deep")
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if depth >= MAX_DEPTH - 1:
            raise TypeError(f"nested more than {MAX_DEPTH - 1} lists or dicts deep")
        keys = [k for k in value if not isinstance(k, str)]
        if keys:
            raise TypeError(f"a dict's keys must be text, not {type(keys[0]).__name__} ({keys[0]!r})")
        return {k: to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    raise TypeError(f"{type(value).__name__} is not plain data")


def encode_arg(value: Any) -> Any:
    """A case's argument for the kernel. Arrays keep their dtype (float32 inputs must reach the
    student as float32); anything else goes as plain data."""
    if isinstance(value, np.ndarray):
        return {"array": to_plain(value), "dtype": str(value.dtype)}
    return to_plain(value)


def decode_arg(arg: Any) -> Any:
    """What ``encode_arg`` made, back as the argument (non-finite strings as floats: a case has
    no string arguments)."""
    def floats(v: Any) -> Any:
        if isinstance(v, list):
            return [floats(x) for x in v]
        return _NON_FINITE.get(v, v) if isinstance(v, str) else v

    if isinstance(arg, dict) and set(arg) == {"array", "dtype"}:
        return np.array(floats(arg["array"]), dtype=arg["dtype"])
    return floats(arg)


def dumps(value: Any) -> str:
    return json.dumps(to_plain(value), allow_nan=False, separators=(",", ":"))


def _reject_constant(name: str) -> NoReturn:
    raise PlainDataError(f"{name} is not allowed in plain data")


def _dict_of(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    """A JSON object as a dict; a key given twice is refused (json would keep the last silently)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise PlainDataError("a key repeats in an object")
    return result


def loads(text: object, max_bytes: int = MAX_BYTES) -> Any:
    """Parse untrusted text into plain values, or raise PlainDataError."""
    if not isinstance(text, str):
        raise PlainDataError("expected text")
    if len(text) > max_bytes:
        raise PlainDataError(f"{len(text)} characters is over the {max_bytes} allowed")
    # Depth is checked before parsing: deep nesting is how a small text costs a deep recursion.
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise PlainDataError(f"nested {deepest} deep, over the {MAX_DEPTH} allowed")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_dict_of)
    except json.JSONDecodeError as exc:
        raise PlainDataError(f"not JSON: {exc.msg}") from None


def numbers(value: Any) -> Optional[np.ndarray]:
    """A plain value (number, non-finite string or nested list) as a float numpy array, or None
    when it is anything else (a dict, a ragged list, text)."""
    def convert(v: Any) -> Any:
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
