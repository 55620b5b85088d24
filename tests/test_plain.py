"""Plain data, the only thing that crosses between the judge and a kernel: one codec for both
sides, with one set of caps. The kernel's side is run here from the very source the judge sends
into a kernel."""

import json
import math

import numpy as np
import pytest

from autograder.in_kernel.plain import MAX_DEPTH, PlainDataError, decode_arg, dumps, encode_arg, loads, to_plain
from autograder.judge import shipped
from autograder.judge.request import kernel_code


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": 1, "a": 2}', '[{"a": {"b": [[[[[[1]]]]]]}}]',
                                  "[" * 50 + "]" * 50, "{" * 50, "x" * (2 << 20), "[1,"])
def test_plain_data_refuses_anything_else(text):
    with pytest.raises(PlainDataError):
        loads(text)


def test_plain_data_reads_numbers_lists_and_non_finite_strings():
    assert loads('[1, 2.5, ["NaN", "-Infinity"], true, null, "x"]') == [1, 2.5, ["NaN", "-Infinity"], True, None, "x"]


def test_a_dict_answer_crosses_as_a_dict_with_text_keys_only():
    """A dict answer ({"w": ..., "mse": ...}) is plain data; a key that is not text is not (JSON
    would turn 1 into "1" and the answer would change on the way)."""
    answer = {"w": np.array([[1.0, 2.0]]), "mse": np.float64(0.5), "nested": {"ok": (1, np.nan)}}
    assert loads(dumps(answer)) == {"w": [[1.0, 2.0]], "mse": 0.5, "nested": {"ok": [1, "NaN"]}}
    with pytest.raises(TypeError, match="keys must be text, not int"):
        to_plain({1: 2.0})


@pytest.mark.parametrize("value", [np.array([1.5, np.nan, -np.inf], dtype=np.float32), np.arange(6).reshape(2, 3),
                                   np.array([[0.1, 2.0]]), 3.25, 7, [np.array([1.0, 2.0]), 0.5], True])
def test_arguments_cross_and_come_back_as_they_were(value):
    back = decode_arg(json.loads(json.dumps(encode_arg(value), allow_nan=False)))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value, equal_nan=True)
    elif isinstance(value, list):
        assert np.array_equal(back[0], value[0]) and back[1] == value[1]
    else:
        assert back == value and type(back) is type(value)


def _nested(depth):
    value = 1.0
    for _ in range(depth):
        value = [value]
    return value


def test_the_deepest_answer_the_kernel_makes_is_the_deepest_the_judge_reads():
    deepest = _nested(MAX_DEPTH - 1)  # its envelope, [tag, value], is the last level
    assert loads(json.dumps(["value", to_plain(deepest)])) == ["value", deepest]
    with pytest.raises(TypeError, match="nested"):
        to_plain(_nested(MAX_DEPTH))
    with pytest.raises(PlainDataError, match="nested"):
        loads(json.dumps(["value", _nested(MAX_DEPTH)]))


def test_torch_tensors_and_numpy_scalars_become_numbers():
    import torch

    assert to_plain(torch.tensor([1.5, float("nan")])) == [1.5, "NaN"]
    assert to_plain((np.float32(0.5), np.int64(3), np.bool_(True))) == [0.5, 3, True]
    with pytest.raises(TypeError, match="set is not plain data"):
        to_plain({1, 2})
    assert dumps([math.inf]) == '["Infinity"]'


def test_the_kernel_answers_with_this_codec_and_has_none_of_its_own():
    """The code the judge sends into a kernel is plain.py's source, then answer.py's and
    grade.py's: run here, it answers a case exactly as the judge's own codec says, and refuses
    what loads refuses."""
    for own in (shipped.GRADE, shipped.ANSWER):
        text = own.read_text()
        assert "def to_plain" not in text and "def decode_arg" not in text
    kernel_side = shipped.kernel_source([])
    assert kernel_side.count("def to_plain(") == 1
    assert "from autograder" not in kernel_side and "import autograder" not in kernel_side
    namespace = {}
    exec(compile(kernel_side, "<judge>", "exec"), namespace)
    args = [namespace["decode_arg"](encode_arg(np.array([1.0, 2.0], dtype=np.float32))), 3]
    answer = json.loads(namespace["_answer"](namespace["answer_of"](lambda x, k: x * k, args)))
    assert answer == ["value", [3.0, 6.0]]
    too_deep = json.loads(namespace["_answer"](namespace["answer_of"](lambda x, k: _nested(MAX_DEPTH), args)))
    assert too_deep[0] == "unsupported" and "nested" in too_deep[1]
    assert repr(kernel_side) in _kernel_code_source()


def _kernel_code_source():
    from types import SimpleNamespace

    casebook = SimpleNamespace(questions=[])
    return kernel_code(casebook, {"cells": [], "questions": []})
