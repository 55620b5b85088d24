"""Discussion 2 reference implementations: backpropagation by hand, and checking it.

Every function here answers one graded question (``assignment/disc02/assignment.toml`` maps
question names to them). numpy only, written as a student could write them in the notebook,
so that the solution notebook can show each body verbatim.
"""

import numpy as np

# Part 1: the sigmoid and logistic regression


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), elementwise, for an array z of any shape.

    It must not overflow: for z = -1000 or z = 1000 it returns 0.0 or 1.0 without a warning
    (numpy's "RuntimeWarning: overflow encountered in exp" counts, even where the value comes
    out right).
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # at most 1: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """The derivative of the sigmoid at every entry of z: d sigmoid(z) / dz, same shape as z.

    It must stay finite where the sigmoid saturates: for z = -1000 or z = 1000 it returns 0.0,
    not NaN.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def logistic_grad(w, X, y):
    """Gradient of the mean binary cross-entropy of logistic regression with respect to w.

    X is (N, D), y holds N labels in {0, 1}, w has length D; p_n = sigmoid(X[n] @ w) and
    L(w) = -(1/N) * sum_n [y_n log p_n + (1 - y_n) log(1 - p_n)].  Return dL/dw (length D).
    It must stay finite when the logits X @ w are in the hundreds, where p_n is exactly 1.0 (or
    all but 0) in floating point.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    return X.T @ (sigmoid(X @ np.asarray(w, dtype=float)) - y) / len(y)


# Part 2: softmax and the cross-entropy loss


def softmax(Z):
    """The softmax of each row of the (N, K) matrix of logits Z: an (N, K) matrix whose rows
    are positive and sum to 1.

    It must work for logits in the thousands, of either sign: a row such as [-1000, 0, 1000],
    or one whose logits are all below -745 (where every exp(z) underflows to 0), has a softmax
    too, with no NaN.
    """
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy_grad(Z, labels):
    """Gradient of the mean cross-entropy loss with respect to the logits Z.

    Z is (N, K); labels holds N class indices in 0..K-1;
    L(Z) = -(1/N) * sum_n log softmax(Z)[n, labels[n]].  Return dL/dZ, an (N, K) matrix.
    Like softmax, it must work for logits in the thousands, with no NaN.
    """
    P = softmax(Z)
    labels = np.asarray(labels, dtype=int)
    P[np.arange(len(labels)), labels] -= 1.0
    return P / len(labels)


# Part 3: backpropagation through a two-layer network


def two_layer_grads(X, labels, W1, b1, W2, b2):
    """Gradients of the mean cross-entropy of a two-layer tanh network, by backpropagation.

    X is (N, D), labels holds N class indices, W1 is (D, H), b1 (H,), W2 (H, K), b2 (K,).
    Forward: A = X @ W1 + b1, Hid = tanh(A), Z = Hid @ W2 + b2, L = mean cross-entropy of
    softmax(Z) against labels.  Return (dW1, db1, dW2, db2), each shaped like its parameter.
    """
    X = np.asarray(X, dtype=float)
    Hid = np.tanh(X @ W1 + b1)
    dZ = cross_entropy_grad(Hid @ W2 + b2, labels)
    dA = (dZ @ np.asarray(W2, dtype=float).T) * (1.0 - Hid**2)
    return X.T @ dA, dA.sum(axis=0), Hid.T @ dZ, dZ.sum(axis=0)


# Part 4: checking gradients numerically


def numerical_gradient(f, x, eps):
    """The gradient of the scalar function f at x, by central differences: x is a vector (a 1-D
    array) of numbers, floats or integers (np.array([1, -2, 0]) is a point too).

    Entry i is (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps), where e_i is the i-th unit
    vector. Leave x as you found it. Return a float array shaped like x.
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad
