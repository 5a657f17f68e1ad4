"""A submission that misbehaves: each misbehaviour must cost only its own points.

- conv2d_backward is right but prints to stderr, at definition time and on every call:
  nothing is lost (the grading guard shows stderr as stdout), 2 + 3 + 3 points.
- max_pool2d_backward loops forever: its test cell is interrupted at the cell timeout (0/2),
  and grading carries on.
- the gradient_check_conv answer cell defines its function, then loops forever at top level:
  the answer cell is interrupted, the function exists, its test runs (see relative_error).
- avg_pool2d_backward allocates memory until it runs out: the grading guard turns that into
  a MemoryError in its own test cell (0/2) instead of a dead kernel. (np.empty: address space
  only, so the test does not fill the machine's memory.)
- the numerical_gradient answer cell raises after defining a correct function: the error in
  an answer cell costs nothing by itself (2/2).
- relative_error is wrong and the student replaced its locked test cell with `pass`: nbgrader
  restores the test cell, which fails (0/1). gradient_check_conv, which uses it, no longer
  detects the wrong weight gradient (1/2).
"""
EXPECTED = {"test_db": 2, "test_dw": 3, "test_dx": 3, "test_max_pool_backward": 0,
            "test_avg_pool_backward": 0, "test_numerical_gradient": 2,
            "test_relative_error": 0, "test_gradient_check_conv": 1}

# %% answer conv_backward
import sys

print("debugging output on stderr", file=sys.stderr)


def conv2d_backward(dout, x, w, *, stride=1, padding=0):
    print("conv2d_backward called", file=sys.stderr)
    k = w.shape[0]
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 1, 2))
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + k)
            cols = slice(j * stride, j * stride + k)
            g = dout[:, i, j, :]
            dw += np.tensordot(xp[:, rows, cols, :], g, axes=([0], [0]))
            dxp[:, rows, cols, :] += np.tensordot(g, w, axes=([1], [3]))
    dx = dxp[:, padding:xp.shape[1] - padding, padding:xp.shape[2] - padding, :]
    return dx, dw, db

# %% answer max_pool_backward
def max_pool2d_backward(dout, x, pool_size=2, stride=None):
    i = 0
    while i < dout.shape[1]:                                       # never increments i
        pass
    return np.zeros_like(x)

# %% answer avg_pool_backward
def avg_pool2d_backward(dout, x, pool_size=2, stride=None):
    hoard = []
    while True:
        hoard.append(np.empty(50_000_000))                         # 400 MB of address space
    return np.zeros_like(x)

# %% answer numerical_gradient
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        plus = f(x)
        x[index] = saved - eps
        minus = f(x)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


raise ValueError("a leftover error at the end of an answer cell")

# %% answer relative_error
def relative_error(a, b):
    return 0.0

# %% test test_relative_error
pass

# %% answer gradient_check_conv
def gradient_check_conv(backward, stride=1, padding=0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 5, 5, 2))
    w = rng.normal(size=(3, 3, 2, 3))
    b = rng.normal(size=3)
    dout = rng.normal(size=conv2d(x, w, b, stride=stride, padding=padding).shape)

    def loss(x_, w_, b_):
        return np.sum(conv2d(x_, w_, b_, stride=stride, padding=padding) * dout)

    dx, dw, db = backward(dout, x, w, stride=stride, padding=padding)
    return (relative_error(dx, numerical_gradient(lambda v: loss(v, w, b), x)),
            relative_error(dw, numerical_gradient(lambda v: loss(x, v, b), w)),
            relative_error(db, numerical_gradient(lambda v: loss(x, w, v), b)))


while True:                                                        # forgotten experiment
    pass
