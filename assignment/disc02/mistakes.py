"""Discussion 2's catalogue of real student mistakes: each a whole wrong function and a hint.

The build runs every mistake on every case of its question and stores what it returns in the
casebook, so that feedback can name the mistake; the test suite proves that each one loses
points through the judge and through ``grader.check``.
"""

from autograder.cases import Mistake

_NO_MEAN = "N times too large: the loss is a mean over the N samples, so its gradient is one too (divide by N)."
_SIGN = ("the sign is flipped: the gradient with respect to a logit is positive where the model gives its class "
         "more probability than the label does.")
# What the softmax's hints ask, without giving the answer.
_WHICH_SHIFT = "which constant leaves every exponent of the row at most 0, and one of them exactly 0?"
_OVERFLOW = ("exp overflows for large logits (exp(1000) is inf, and inf / inf is NaN), and underflows for very "
             "negative ones (a row below -745 is all 0, and 0 / 0 is NaN). Subtracting one constant from a whole "
             "row leaves its softmax as it was: " + _WHICH_SHIFT)

MISTAKES = [
    # q1_sigmoid
    Mistake("q1_sigmoid", "exp(z) / (1 + exp(z))", "exp(z) overflows for large positive z (exp(1000) is inf, and "
            "inf / inf is NaN): this form is safe only where z is negative. Which form is safe where z is "
            "positive?", """
def sigmoid(z):
    import numpy as np
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)
"""),
    Mistake("q1_sigmoid", "1 / (1 + exp(-z)) warns", "exp(-z) overflows for very negative z: the answer still comes "
            "out 0, but numpy warns, and the sigmoid must not. Which form of the sigmoid never exponentiates a large "
            "positive number?", """
def sigmoid(z):
    import numpy as np
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
"""),
    Mistake("q1_sigmoid", "np.where evaluates both branches", "np.where computes both of its branches on every "
            "entry before it chooses, so each branch still meets the entries it was not meant for: there it "
            "overflows (and numpy warns), though its result is thrown away. Let neither branch ever exponentiate a "
            "large positive number.", """
def sigmoid(z):
    import numpy as np
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
"""),
    Mistake("q1_sigmoid", "sign of z", "this is the sigmoid of -z: the sigmoid goes to 1 as z grows.", """
def sigmoid(z):
    import numpy as np
    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))
"""),
    # q1_sigmoid_grad
    Mistake("q1_sigmoid_grad", "exp(-z) / (1 + exp(-z))²", "exp(-z) overflows for very negative z, and inf / inf "
            "is NaN where the derivative is 0: which form of the derivative you derived never divides one huge "
            "number by another?", """
def sigmoid_grad(z):
    import numpy as np
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1 + e) ** 2
"""),
    Mistake("q1_sigmoid_grad", "tanh's rule", "this is tanh's derivative written with σ in place of tanh: "
            "derive the sigmoid's own from its definition, in terms of σ(z).", """
def sigmoid_grad(z):
    import numpy as np
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return 1 - s ** 2
"""),
    Mistake("q1_sigmoid_grad", "sigmoid returned", "this is σ(z) itself, not its derivative.", """
def sigmoid_grad(z):
    import numpy as np
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
"""),
    Mistake("q1_sigmoid_grad", "z(1 - z)", "the derivative's form in terms of σ takes the sigmoid's value "
            "σ(z), not z itself: it was applied to the wrong thing.", """
def sigmoid_grad(z):
    import numpy as np
    z = np.asarray(z, dtype=float)
    return z * (1 - z)
"""),
    # q1_logistic_grad
    Mistake("q1_logistic_grad", "chain rule through p", "the chain rule through p divides by a factor that is "
            "exactly 0 once the sigmoid saturates (p is 1.0 in floating point for logits above about 37), and 0 / 0 "
            "is NaN: simplify dL/dz on paper before you code it.", """
def logistic_grad(w, X, y):
    import numpy as np
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    z = X @ np.asarray(w, dtype=float)
    p = 1 / (1 + np.exp(-z))
    dp_dz = np.exp(-z) / (1 + np.exp(-z)) ** 2
    dL_dp = -(y / p - (1 - y) / (1 - p))
    return X.T @ (dL_dp * dp_dz) / len(y)
"""),
    Mistake("q1_logistic_grad", "sum instead of mean", _NO_MEAN, """
def logistic_grad(w, X, y):
    import numpy as np
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    p = 1 / (1 + np.exp(-(X @ np.asarray(w, dtype=float))))
    return X.T @ (p - y)
"""),
    Mistake("q1_logistic_grad", "y - p", "the sign is flipped: check which way round the residual between p "
            "and y is written.", """
def logistic_grad(w, X, y):
    import numpy as np
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    p = 1 / (1 + np.exp(-(X @ np.asarray(w, dtype=float))))
    return X.T @ (y - p) / len(y)
"""),
    Mistake("q1_logistic_grad", "no sigmoid", "this is linear regression's gradient: the prediction p "
            "passes Xw through the sigmoid.", """
def logistic_grad(w, X, y):
    import numpy as np
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    return X.T @ (X @ np.asarray(w, dtype=float) - y) / len(y)
"""),
    # q2_softmax
    Mistake("q2_softmax", "no max shift", _OVERFLOW, """
def softmax(Z):
    import numpy as np
    e = np.exp(np.asarray(Z, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
"""),
    Mistake("q2_softmax", "shift by the row minimum", "after subtracting the row's smallest logit every exponent is "
            "at least 0, so a row spread over more than 709 still overflows (inf / inf is NaN): " + _WHICH_SHIFT, """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.min(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""),
    Mistake("q2_softmax", "shift by the row mean", "a row's mean lies between its logits, so in a row spread over "
            "thousands the largest stays hundreds above it and overflows (inf / inf is NaN): " + _WHICH_SHIFT, """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""),
    Mistake("q2_softmax", "shift by the first logit", "the first logit is not always the row's largest: the others "
            "can be hundreds above it and still overflow (inf / inf is NaN): " + _WHICH_SHIFT, """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z[:, :1])
    return e / e.sum(axis=1, keepdims=True)
"""),
    Mistake("q2_softmax", "shift by the matrix's largest logit", "one shift for the whole matrix leaves a row far "
            "below its largest logit with every exponent under -745: they underflow to 0, and 0 / 0 is NaN. The "
            "shift must be each row's own.", """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=1, keepdims=True)
"""),
    Mistake("q2_softmax", "columns", "normalized over the wrong axis: each row (one sample's K logits) "
            "must sum to 1, not each column.", """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
"""),
    Mistake("q2_softmax", "whole matrix", "normalized over the whole matrix: each row must sum to 1 on its own.", """
def softmax(Z):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max())
    return e / e.sum()
"""),
    # q2_ce_grad
    Mistake("q2_ce_grad", "softmax without a shift", "the softmax inside overflows for large logits (exp(1000) is "
            "inf, and inf / inf is NaN), and the gradient inherits the NaN: the softmax here must be as stable as "
            "the one you wrote for Part 2.", """
def cross_entropy_grad(Z, labels):
    import numpy as np
    e = np.exp(np.asarray(Z, dtype=float))
    P = e / e.sum(axis=1, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1
    return P / len(labels)
"""),
    Mistake("q2_ce_grad", "sum instead of mean", _NO_MEAN, """
def cross_entropy_grad(Z, labels):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1
    return P
"""),
    Mistake("q2_ce_grad", "y - p", _SIGN, """
def cross_entropy_grad(Z, labels):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(len(labels)), labels] = 1
    return (Y - P) / len(labels)
"""),
    Mistake("q2_ce_grad", "softmax returned", "this is the softmax divided by N: the one-hot labels are "
            "missing from the gradient.", """
def cross_entropy_grad(Z, labels):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) / len(labels)
"""),
    Mistake("q2_ce_grad", "whole columns of the labels", "P[:, labels] takes whole columns, so every "
            "sample loses 1 in each class that any sample has: take one entry per sample, its own label's.", """
def cross_entropy_grad(Z, labels):
    import numpy as np
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    P[:, labels] -= 1
    return P / len(labels)
"""),
    # q3_backprop
    Mistake("q3_backprop", "tanh' = 1 - tanh", "tanh's derivative is not what was used here: derive it from "
            "tanh's definition, in terms of tanh itself.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= len(labels)
    dA = (dZ @ W2.T) * (1 - H)
    return X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)
"""),
    Mistake("q3_backprop", "no tanh'", "the gradient skips the tanh: on the way back through Hid, "
            "multiply entrywise by tanh's derivative at A.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= len(labels)
    dA = dZ @ W2.T
    return X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)
"""),
    Mistake("q3_backprop", "sum instead of mean", _NO_MEAN, """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dA = (dZ @ W2.T) * (1 - H ** 2)
    return X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)
"""),
    Mistake("q3_backprop", "pre-activation used", "dW2 multiplies by the hidden layer's output Hid, after the "
            "tanh, not by its input A.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    A = X @ W1 + b1
    H = np.tanh(A)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= len(labels)
    dA = (dZ @ W2.T) * (1 - H ** 2)
    return X.T @ dA, dA.sum(axis=0), A.T @ dZ, dZ.sum(axis=0)
"""),
    Mistake("q3_backprop", "tanh' of the pre-activation", "tanh's derivative was taken at the wrong place: the "
            "identity in terms of tanh itself needs tanh's value Hid, not its input A.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    A = X @ W1 + b1
    H = np.tanh(A)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= len(labels)
    dA = (dZ @ W2.T) * (1 - A ** 2)
    return X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)
"""),
    Mistake("q3_backprop", "biases divided by N again", "the bias gradients are N times too small: the error signals "
            "dZ and dA are already averaged over the N samples, so their sums over the samples need no second "
            "averaging.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    A = X @ W1 + b1
    H = np.tanh(A)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= len(labels)
    dA = (dZ @ W2.T) * (1 - H ** 2)
    return X.T @ dA, dA.sum(axis=0) / len(labels), H.T @ dZ, dZ.sum(axis=0) / len(labels)
"""),
    Mistake("q3_backprop", "sign flipped", "every gradient points the wrong way: check the sign of the error signal "
            "at the logits that backpropagation starts from.", """
def two_layer_grads(X, labels, W1, b1, W2, b2):
    import numpy as np
    X = np.asarray(X, dtype=float)
    A = X @ W1 + b1
    H = np.tanh(A)
    Z = H @ W2 + b2
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    dZ = e / e.sum(axis=1, keepdims=True)
    dZ[np.arange(len(labels)), labels] -= 1
    dZ /= -len(labels)
    dA = (dZ @ W2.T) * (1 - H ** 2)
    return X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)
"""),
    # q4_numgrad
    Mistake("q4_numgrad", "forward difference", "this is a forward difference, whose error shrinks only in "
            "proportion to ε; the central difference, which evaluates f on both sides of x, is asked for.", """
def numerical_gradient(f, x, eps):
    import numpy as np
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x)) / eps
    return grad
"""),
    Mistake("q4_numgrad", "divided by eps", "twice the gradient: how far apart are the two points where f "
            "is evaluated?", """
def numerical_gradient(f, x, eps):
    import numpy as np
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / eps
    return grad
"""),
    Mistake("q4_numgrad", "all coordinates at once", "every coordinate was moved at once: move one coordinate "
            "at a time, or each entry mixes all the partial derivatives.", """
def numerical_gradient(f, x, eps):
    import numpy as np
    x = np.array(x, dtype=float)
    slope = (f(x + eps) - f(x - eps)) / (2 * eps)
    return np.full(x.shape, slope)
"""),
    Mistake("q4_numgrad", "integer x modified in place", "x holds integers here, so adding ε to one of its entries "
            "rounds the step away: work on a copy of x in floating point.", """
def numerical_gradient(f, x, eps):
    import numpy as np
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
"""),
]
