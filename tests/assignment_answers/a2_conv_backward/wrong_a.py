"""Forgotten pieces.

- conv2d_backward returns db = 0 (forgets the bias gradient): test_db 0/2 ("all zeros" hint);
  it also returns dx of the padded input (no crop): test_dx loses the padding part (2/3);
  dw is right (3/3).
- max_pool2d_backward assigns (=) instead of accumulating (+=): overlapping windows fail (1/2).
- numerical_gradient uses a one-sided difference: loses the O(eps**2) part (1/2), with a hint;
  gradient_check_conv still works with it (2/2): its loss sum(y * dout) is linear in x, w
  and b, where a one-sided difference is exact.
"""
EXPECTED = {"test_db": 0, "test_dw": 3, "test_dx": 2, "test_max_pool_backward": 1,
            "test_avg_pool_backward": 2, "test_numerical_gradient": 1,
            "test_relative_error": 1, "test_gradient_check_conv": 2}

# %% answer conv_backward
def conv2d_backward(dout, x, w, *, stride=1, padding=0):
    k = w.shape[0]
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(w.shape[3])                                      # forgot the bias gradient
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + k)
            cols = slice(j * stride, j * stride + k)
            g = dout[:, i, j, :]
            dw += np.tensordot(xp[:, rows, cols, :], g, axes=([0], [0]))
            dxp[:, rows, cols, :] += np.tensordot(g, w, axes=([1], [3]))
    return dxp, dw, db                                             # dx not cropped

# %% answer max_pool_backward
def max_pool2d_backward(dout, x, pool_size=2, stride=None):
    stride = pool_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + pool_size)
            cols = slice(j * stride, j * stride + pool_size)
            window = x[:, rows, cols, :]
            mask = window == window.max(axis=(1, 2), keepdims=True)
            dx[:, rows, cols, :] = np.where(mask, dout[:, i:i + 1, j:j + 1, :],
                                            dx[:, rows, cols, :])     # = instead of +=
    return dx

# %% answer numerical_gradient
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    fx = f(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        grad[index] = (f(x) - fx) / eps                            # one-sided difference
        x[index] = saved
    return grad
