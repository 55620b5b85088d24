"""The support files students get (``relu_lab.py`` and the parts it gathers) hand out no graded
answer.

For every graded function there is a detector of its formula in source code. Each detector
must find its answer in the reference implementation, and none may find anything in the
support files outside the training engine.
"""

import ast
import inspect

import pytest

from assignment.model import Assignment

ASSIGNMENT = Assignment.named("disc01")

BIAS = {"b", "B", "bias", "biases"}
WEIGHT = {"w", "W", "weight", "weights"}
OUTPUT_WEIGHT = {"v", "V"}
SOLVERS = {"linalg", "solve", "lstsq", "inv", "pinv", "cholesky", "qr", "svd"}
DIVIDES = {"divide", "true_divide", "div"}
CLAMPS = {"maximum", "max", "fmax", "clip", "clamp", "clamp_min", "relu", "relu_"}
ABS = {"abs", "absolute", "fabs"}

# The engine must compute the hidden layer to train at all. It does so for every run at once,
# on (runs, batch, units) arrays or in scalar loops, not as a function of one network.
ENGINE = {"_step_numpy", "_test_mse_numpy", "_train_run_numba", "_test_mse_numba"}


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _called(node):
    return getattr(node.func, "attr", None) or getattr(node.func, "id", None)


class Scope:
    """One function's (or the module's) source, with a name followed to what it was assigned,
    so that ``pre = x * w + b`` and then ``np.maximum(pre, 0)`` still reads as one formula."""

    def __init__(self, node):
        self.node = node
        self.assigned = {}
        for n in ast.walk(node):
            if isinstance(n, ast.Assign):
                for target in n.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(n.value)

    def names(self, node, depth=2):
        found = _names(node)
        if depth:
            for name in list(found):
                for value in self.assigned.get(name, ()):
                    found |= self.names(value, depth - 1)
        return found

    def affine(self, node, depth=2):
        """Does ``node`` compute w x + b (through names, too)?"""
        for n in ast.walk(node):
            if (isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub))
                    and self.names(n.left) & WEIGHT and self.names(n.right) & BIAS):
                return True
            if depth and isinstance(n, ast.Name):
                if any(self.affine(v, depth - 1) for v in self.assigned.get(n.id, ())):
                    return True
        return False


def hidden_layer(scope):
    """q2_features (and so q2_forward): ReLU of w x + b, whatever the clamp is called."""
    return [f"clamps w x + b at zero: {ast.unparse(n)}" for n in ast.walk(scope.node)
            if isinstance(n, ast.Call) and _called(n) in CLAMPS
            and any(scope.affine(a) for a in [*n.args, getattr(n.func, "value", n.func)])]


def network_output(scope):
    """q2_forward: the hidden layer times v."""
    found = []
    for n in ast.walk(scope.node):
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.MatMult, ast.Mult)):
            sides = (n.left, n.right)
        elif isinstance(n, ast.Call) and _called(n) in {"matmul", "dot", "einsum", "inner"}:
            sides = tuple(n.args)
        else:
            continue
        if any(hidden_layer(Scope(s)) or _clamped_name(scope, s) for s in sides) and any(
                scope.names(s) & OUTPUT_WEIGHT for s in sides):
            found.append(f"multiplies the hidden layer by v: {ast.unparse(n)}")
    return found


def _clamped_name(scope, node):
    return any(hidden_layer(Scope(v)) for n in ast.walk(node) if isinstance(n, ast.Name)
               for v in scope.assigned.get(n.id, ()))


def elbow(scope):
    """q2_elbows: -b / w."""
    found = []
    for n in ast.walk(scope.node):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
            top, bottom = n.left, n.right
        elif isinstance(n, ast.Call) and len(n.args) >= 2 and _called(n) in DIVIDES:
            top, bottom = n.args[:2]
        else:
            continue
        if scope.names(top) & BIAS and scope.names(bottom) & WEIGHT:
            found.append(f"divides a bias by a weight: {ast.unparse(n)}")
    return found


def slope_change(scope):
    """q2_slopes: v |w|."""
    return [f"multiplies v by |w|: {ast.unparse(n)}" for n in ast.walk(scope.node)
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)
            and scope.names(n) & OUTPUT_WEIGHT
            and any(isinstance(c, ast.Call) and _called(c) in ABS and scope.names(c) & WEIGHT
                    for c in ast.walk(n))]


def ridge(scope):
    """q2_ridge: a linear solve, or anything named ridge."""
    found = [f"defines {n.name}" for n in ast.walk(scope.node)
             if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and "ridge" in n.name.lower()]
    return found + [f"uses .{n.attr}" for n in ast.walk(scope.node)
                    if isinstance(n, ast.Attribute) and n.attr in SOLVERS]


def torch_training(scope):
    """q2_train: a PyTorch training step (backward, autograd.grad or an optimizer)."""
    return [f"trains with torch: {ast.unparse(n)}" for n in ast.walk(scope.node)
            if isinstance(n, ast.Attribute) and (
                n.attr in {"backward", "optim"}
                or n.attr == "grad" and "autograd" in _names(n.value))]


def one_parameter_model(scope):
    """Part 1: relu_lab has no one-parameter model, so any theta in it is an answer."""
    return [f"uses theta: {ast.unparse(n)}" for n in ast.walk(scope.node)
            if isinstance(n, (ast.Name, ast.arg)) and "theta" in getattr(n, "id", getattr(n, "arg", ""))]


def least_squares_line(scope):
    """q1a_opt and q1b_opt: the mean of the labels, and sum(x y) / sum(x x)."""
    found = []
    for n in ast.walk(scope.node):
        if isinstance(n, ast.Call) and _called(n) in {"mean", "average"}:
            of = n.args[0] if n.args else getattr(n.func, "value", None)
            if of is not None and scope.names(of) - CONVERSIONS <= LABELS:
                found.append(f"averages the labels: {ast.unparse(n)}")
        if (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)
                and {"x", "y"} <= scope.names(n.left) and "x" in scope.names(n.right)
                and "y" not in scope.names(n.right)):
            found.append(f"divides x-y moments: {ast.unparse(n)}")
    return found


LABELS = {"y", "y_data", "labels", "targets"}
CONVERSIONS = {"np", "numpy", "torch", "asarray", "array", "as_tensor", "tensor", "float", "dtype"}


DETECTORS = {
    "relu_net": (hidden_layer, network_output),
    "hidden_features": (hidden_layer,),
    "elbows": (elbow,),
    "slope_changes": (slope_change,),
    "fit_last_layer_ridge": (ridge,),
    "train_relu": (torch_training,),
}
PART_1 = (one_parameter_model, least_squares_line)


def detectors_for(function):
    return DETECTORS.get(function, PART_1)


def answers_in(source, detectors):
    tree = ast.parse(source)
    found = []
    for node in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        scope = Scope(node)
        for detect in detectors:
            found += detect(scope)
    return sorted(set(found))


ALL_DETECTORS = sorted({d for q in ASSIGNMENT.questions for d in detectors_for(q.function)},
                       key=lambda d: d.__name__)


@pytest.mark.parametrize("question", ASSIGNMENT.questions, ids=lambda q: q.name)
def test_each_detector_finds_its_answer_in_the_reference(question):
    source = inspect.getsource(ASSIGNMENT.reference_function(question.name))
    assert answers_in(source, detectors_for(question.function)), question.function


@pytest.mark.parametrize("source", [
    "e = -b / w", "e = -(b / w)", "e = np.divide(-b, w, where=w != 0)",
    "e = -net[0].bias / net[0].weight[:, 0]", "e = B[r] / -W[r]",
    "a = np.linalg.solve(F.T @ F + lam * I, F.T @ y)", "a = torch.linalg.lstsq(F, y).solution",
    "def fit_ridge(F, y): pass",
    "h = np.maximum(x * w + b, 0.0)", "h = torch.relu(x[:, None] * w + b)",
    "pre = x * w + b\nh = pre.clip(0)", "f = np.maximum(np.outer(x, w) + b, 0) @ v + c",
    "def f(x, w, b, v):\n    p = x * w + b\n    h = np.maximum(p, 0)\n    return h @ v",
    "s = v * np.abs(w)", "loss.backward()", "opt = torch.optim.SGD(net.parameters(), lr)",
    "g = 2 * np.mean(theta - y)", "t = np.mean(y)", "t = y.mean()",
    "t = np.sum(x * y) / np.sum(x ** 2)", "t = x @ y / (x @ x)",
])
def test_the_detectors_catch_answers_however_written(source):
    assert answers_in(source, ALL_DETECTORS), source


def test_the_detectors_pass_innocent_code():
    source = ("offset = c / h\nscale = 2.0 / batch\nb = -at * w\nunits = v * net[1](net[0](x))\n"
              "lo = max(y.min(), fit.min())\nrng.step = 3\nm = np.mean((pred - y) ** 2)\n"
              "loss = np.mean(res * res)\nwith torch.no_grad(): pass")
    assert answers_in(source, ALL_DETECTORS) == []


class _WithoutEngine(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        return None if node.name in ENGINE else self.generic_visit(node)


def test_relu_lab_holds_no_graded_answer_outside_the_engine():
    source = "\n".join((ASSIGNMENT.root / name).read_text() for name in ASSIGNMENT.support_files)
    tree = ast.parse(source)
    outside = _WithoutEngine().visit(ast.parse(source))
    assert answers_in(ast.unparse(outside), ALL_DETECTORS) == []
    # The exemption is real: the engine does compute the hidden layer, and only the engine.
    engine = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in ENGINE]
    assert sorted(n.name for n in engine) == sorted(ENGINE)
    for node in engine:
        assert answers_in(ast.unparse(node), (hidden_layer,)), node.name
