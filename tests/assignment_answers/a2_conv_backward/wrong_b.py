"""Stride and normalisation mistakes.

- conv2d_backward ignores the stride (window at (i, j) instead of (s i, s j)): dw and dx
  pass the stride-1 part only (1/3 each); db is right (2/2).
- avg_pool2d_backward forgets to divide by pool_size**2: the visible test fails (0/2).
- relative_error averages instead of taking the maximum: hidden cases fail (0/1).
- depthwise_conv2d_backward treats the depthwise kernel like a full one and sums its weight
  gradient over the channels: dw fails with the "sums over the channels" hint, dx is right
  (1/2).
"""
EXPECTED = {"test_db": 2, "test_dw": 1, "test_dx": 1, "test_max_pool_backward": 2,
            "test_avg_pool_backward": 0, "test_numerical_gradient": 2,
            "test_relative_error": 0, "test_gradient_check_conv": 2,
            "test_depthwise_backward": 1}

# %% answer conv_backward
def conv2d_backward(dout, x, w, *, stride=1, padding=0):
    k = w.shape[0]
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 1, 2))
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i, i + k)                                 # stride ignored
            cols = slice(j, j + k)
            g = dout[:, i, j, :]
            dw += np.tensordot(xp[:, rows, cols, :], g, axes=([0], [0]))
            dxp[:, rows, cols, :] += np.tensordot(g, w, axes=([1], [3]))
    dx = dxp[:, padding:xp.shape[1] - padding, padding:xp.shape[2] - padding, :]
    return dx, dw, db

# %% answer avg_pool_backward
def avg_pool2d_backward(dout, x, pool_size=2, stride=None):
    stride = pool_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + pool_size)
            cols = slice(j * stride, j * stride + pool_size)
            dx[:, rows, cols, :] += dout[:, i:i + 1, j:j + 1, :]   # no division by p**2
    return dx

# %% answer relative_error
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.mean(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-8)))

# %% answer depthwise_backward
def depthwise_conv2d(x, w, *, stride=1, padding=0):
    return conv2d(x, w[:, :, None, :], stride=stride, padding=padding, groups=x.shape[-1])


def depthwise_conv2d_backward(dout, x, w, *, stride=1, padding=0):
    k = w.shape[0]
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + k)
            cols = slice(j * stride, j * stride + k)
            g = dout[:, i, j, :]
            # summed over the channels too, as if one filter served them all
            dw += np.einsum("nuvc,nc->uv", xp[:, rows, cols, :], g)[:, :, None]
            dxp[:, rows, cols, :] += g[:, None, None, :] * w[None]
    return dxp[:, padding:xp.shape[1] - padding, padding:xp.shape[2] - padding, :], dw
