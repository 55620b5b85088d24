"""Discussion 1's ``training`` kind: ``train_relu`` run from a given network, compared step by
step. Registered in ``cases.py``.

Shipped whole (``autograder/judge/shipped.py``): the build trains the reference through
``train_case``, the judge's kernel and ``q2_train``'s test file train the student's function
through it, and the judge and the test file compare with ``compare_training``. It imports
typing, numpy, torch inside the functions (only a training case needs it), and names from
``plain.py`` and ``compare.py``.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from autograder.in_kernel.compare import Comparison
from autograder.in_kernel.plain import numbers

# float32 training, 20-30 steps: a correct answer matches the reference to ~1e-7; a wrong
# protocol (another draw, a sum loss, the wrong layer) is off by far more than this.
TRAINING_RTOL, TRAINING_ATOL = 1e-4, 1e-6
PARAMETER_NAMES = ("hidden weight", "hidden bias", "output weight", "output bias")


def relu_network(w: Sequence[float], b: Sequence[float], v: Sequence[float], c: float) -> Any:
    """Sequential(Linear(1, H), ReLU(), Linear(H, 1)) in float32 holding exactly these values."""
    import torch

    h = len(w)
    net = torch.nn.Sequential(torch.nn.Linear(1, h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w, dtype=torch.float32).reshape(h, 1))
        net[0].bias.copy_(torch.tensor(b, dtype=torch.float32))
        net[2].weight.copy_(torch.tensor(v, dtype=torch.float32).reshape(1, h))
        net[2].bias.fill_(float(c))
    return net


def network_values(net: Any) -> List[np.ndarray]:
    return [p.detach().cpu().numpy().astype(float).reshape(-1).copy() for p in net.parameters()]


def train_case(train_relu: Callable[..., Any], args: Sequence[Any]) -> Optional[List[Any]]:
    """Build the case's start network and run ``train_relu`` on it: [losses, parameters after],
    or None when it returned nothing."""
    import torch

    start, x, y, steps, lr, batch_size, train_all_layers, seed = args
    net = relu_network(*start)
    xt = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)
    yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    losses = train_relu(net, xt, yt, int(steps), float(lr), int(batch_size), bool(train_all_layers),
                        np.random.default_rng(int(seed)))
    if losses is None or losses is Ellipsis:
        return None
    return [[float(v) for v in losses], network_values(net)]


def compare_training(expected: Any, got: Any, call: str, args: Sequence[Any], rtol: float = TRAINING_RTOL,
                     atol: float = TRAINING_ATOL) -> Comparison:
    start, train_all_layers = args[0], args[6]
    if not (isinstance(got, list) and len(got) == 2 and isinstance(got[1], list) and len(got[1]) == 4):
        return Comparison(False, f"{call} did not return a list of minibatch losses.")
    # The expected values and the start network are the reference's: always numbers.
    want_losses: np.ndarray
    want_losses, got_losses = numbers(expected[0]), numbers(got[0])  # type: ignore[assignment]
    if got_losses is None or got_losses.shape != want_losses.shape:
        return Comparison(False, f"{call} should return a list of {want_losses.size} losses, one per step.")
    after: List[Any] = [numbers(p) for p in got[1]]  # each an array once the shapes are checked
    for name, now, want in zip(PARAMETER_NAMES, after, expected[1]):
        if now is None or now.shape != numbers(want).shape:  # type: ignore[union-attr]
            return Comparison(False, f"{call} left the {name} with another shape: train the network it "
                                     f"was given, in place.")
    if not train_all_layers:
        for name, before, now in zip(PARAMETER_NAMES[:2], start[:2], after[:2]):
            if not np.array_equal(np.float32(numbers(before)), now):
                return Comparison(False, f"{call} changed the {name}: with train_all_layers=False "
                                         f"only net[2] may train.")
    close: Dict[str, Any] = dict(rtol=rtol, atol=atol)
    if not np.isclose(got_losses[0], want_losses[0], **close):
        return Comparison(False, f"{call}: the first minibatch loss is {got_losses[0]:.6g}. Check the "
                                 f"minibatch draw and the loss.")
    if not np.allclose(got_losses, want_losses, **close):
        bad = int(np.flatnonzero(~np.isclose(got_losses, want_losses, **close))[0])
        return Comparison(False, f"{call}: the losses go wrong from step {bad} on (loss "
                                 f"{got_losses[bad]:.6g}). Check the update.")
    for name, now, want in zip(PARAMETER_NAMES, after, expected[1]):
        if not np.allclose(now, numbers(want), **close):  # type: ignore[arg-type]
            return Comparison(False, f"{call}: the final {name} is wrong.")
    return Comparison(True)


def same_training(mistake_output: Any, got: Any, args: Sequence[Any], rtol: float = TRAINING_RTOL,
                  atol: float = TRAINING_ATOL) -> bool:
    """The answer trained exactly as the mistake did: the same losses, the same parameters."""
    try:
        pairs = [(mistake_output[0], got[0])] + list(zip(mistake_output[1], got[1]))
        arrays = [(numbers(a), numbers(b)) for a, b in pairs]
        return all(a is not None and b is not None and a.shape == b.shape
                   and np.allclose(a, b, rtol=rtol, atol=atol) for a, b in arrays)
    except (TypeError, IndexError):
        return False
