"""Case kinds. A kind is one record of everything that differs between kinds of answer: how
the function is called on a case (``call``), how what came back is compared with what the
reference gave (``compare``, and ``matches`` for naming a catalogued mistake), the tolerances,
the time its calls may take, whether feedback shows the expected value, and how the call reads.

``float``, ``array`` and ``fields`` are generic (``compare.py``): ``fields`` takes a tuple or a
dict of numbers and arrays, part by part. A tuple's parts are named by position there; a kind of
one line names them (``Kind("fit", compare_fields, fields=("w", "mse"))``). An assignment
registers its own kinds beside the cases that use them (``assignment/<name>/cases.py``), and no
generic code names them.

A kind's ``call``, ``compare`` and ``matches`` are module-level functions whose files are
shipped whole (``shipped.py``): the build calls the reference through ``call``, the judge's
kernel and otter's test files call the student's function through it, and the judge and the
test files compare with ``compare``. One piece of code for each, wherever it runs.

Their signatures are Protocols: ``Comparer`` and ``Matcher`` (``in_kernel/compare.py``) and
``Caller`` (``in_kernel/answer.py``), beside the code that calls them, which travels with them;
``Describer`` below, which only the build and the judge call.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import numpy as np

from autograder.in_kernel.answer import Caller, answer_of
from autograder.in_kernel.compare import (
    FLOAT_ATOL,
    FLOAT_RTOL,
    Comparer,
    Comparison,
    Matcher,
    compare_array,
    compare_fields,
    compare_float,
)


class _Tolerant(Protocol):
    """A case as the authoring side (``autograder.cases.Case``) or the casebook (``JudgedCase``) has it."""

    rtol: float | None
    atol: float | None


class Describer(Protocol):
    """A kind's own reading of a call for feedback: (function name, args, parameter names) ->
    the call as text (``describe`` below is the generic one)."""

    def __call__(self, func_name: str, args: Sequence[Any], param_names: Sequence[str], /) -> str: ...


@dataclass(frozen=True)
class Kind:
    name: str
    compare: Comparer  # on plain data
    # For a function that is not simply called as func(*args): one the case builds from its
    # data, a network to train first.
    call: Caller | None = None
    # Whether the answer is a catalogued mistake. Default: ``compare`` passes with the mistake's
    # output as the expected value.
    matches: Matcher | None = None
    rtol: float = FLOAT_RTOL  # a case may set its own (float32 inputs do)
    atol: float = FLOAT_ATOL
    # Seconds for all of a question's calls (capped by the judge's Limits.call_timeout). The
    # inputs are small: correct code needs milliseconds, so this only bounds an infinite loop.
    call_seconds: float = 5.0
    show_expected: bool = True  # feedback quotes the expected value (not for a whole training run)
    # The call as feedback shows it, for kinds whose arguments are not what the function
    # receives; None: the generic one (``describe`` below).
    describe: Describer | None = None
    # The names of a tuple answer's parts, in order ("w", "mse"): ``compare`` receives them as
    # ``names`` (``compare_fields`` does), so feedback says "w is right; mse is 0.31 ...".
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for role in ("compare", "call", "matches"):
            func = getattr(self, role)
            if func is not None and (func.__name__ != func.__qualname__ or func.__name__ == "<lambda>"):
                raise ValueError(f"kind {self.name!r}: {role} must be a function defined at the top of its "
                                 f"module (its file is shipped as source), not {func.__qualname__}")
        if isinstance(self.fields, str) or not all(isinstance(f, str) and f for f in self.fields):
            raise ValueError(f"kind {self.name!r}: fields must be a tuple of names, like ('w', 'mse'), "
                             f"not {self.fields!r}")
        if self.fields and "names" not in inspect.signature(self.compare).parameters:
            raise ValueError(f"kind {self.name!r}: fields are passed to compare as names=, which "
                             f"{self.compare.__name__} does not take (compare_fields does)")

    def compared(self, expected: Any, got: Any, call: str, args: Sequence[Any], rtol: float,
                 atol: float) -> Comparison:
        """``compare``, with this kind's field names where it has them."""
        if self.fields:
            return self.compare(expected, got, call, args, rtol, atol, names=self.fields)  # type: ignore[call-arg]
        return self.compare(expected, got, call, args, rtol, atol)

    def tolerances(self, case: _Tolerant) -> tuple[float, float]:
        """(rtol, atol) for ``case``: its own where it sets them, else this kind's."""
        return (self.rtol if case.rtol is None else case.rtol), (self.atol if case.atol is None else case.atol)

    def call_text(self, func_name: str, args: Sequence[Any], param_names: Sequence[str]) -> str:
        return (self.describe or describe)(func_name, args, param_names)

    def answer(self, func: object, args: Sequence[Any]) -> list[Any]:
        """``[tag, detail]`` of ``func`` on ``args``, called as the kernel calls a student's
        function: at build time, for the reference's expected values and the mistakes' outputs."""
        return answer_of(func, args, self.call)


KINDS: dict[str, Kind] = {}


def describe(func_name: str, args: Sequence[Any], param_names: Sequence[str]) -> str:
    """A readable call: plain numbers, small arrays in full, larger ones by shape. No angle
    brackets: otter shows a check's message as HTML, where <array …> vanishes as a tag."""
    parts = []
    for name, a in zip(param_names, args):
        if isinstance(a, np.ndarray) and a.size > 6:
            parts.append(f"{name}=[{'×'.join(str(n) for n in a.shape)} array]")
        elif isinstance(a, np.ndarray):
            parts.append(f"{name}=[{', '.join(f'{v:.6g}' for v in a.reshape(-1))}]")
        elif isinstance(a, float):
            parts.append(f"{name}={a:.6g}")
        elif isinstance(a, list):
            parts.append(f"{name}=[list]")
        else:
            parts.append(f"{name}={a!r}")
    return f"{func_name}({', '.join(parts)})"


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


register(Kind("float", compare_float))
register(Kind("array", compare_array))
register(Kind("fields", compare_fields))
