"""Near misses: each answer passes the visible test and fails one hidden part.

- conv_output_size ignores the dilation: loses the dilated 'full' and int-padding parts (2/4).
- conv2d_loop puts the odd extra zero of 'same' padding at the top/left (1/4 lost, with a hint).
- max_pool2d always steps by pool_size: overlapping windows fail (1/2).
- avg_pool2d sums instead of averaging: the visible test fails, 0/2 ("4 times the expected").
"""
EXPECTED = {"test_output_size": 2, "test_conv_loop": 3, "test_im2col": 3,
            "test_conv_im2col": 3, "test_max_pool": 1, "test_avg_pool": 0}

# %% answer output_size
def conv_output_size(n, kernel_size, stride=1, padding="valid", dilation=1):
    if padding == "same":
        return -(-n // stride)
    pad = {"valid": 0, "full": kernel_size - 1}.get(padding, padding)
    return (n + 2 * pad - kernel_size) // stride + 1

# %% answer conv_loop
def conv2d_loop(x, w, b=None, *, stride=1, padding="valid"):
    n, h, width, _ = x.shape
    k, _, _, c_out = w.shape
    if padding == "same":
        pads = []
        for size in (h, width):
            total = max((-(-size // stride) - 1) * stride + k - size, 0)
            pads.append((total - total // 2, total // 2))     # extra zero before: wrong side
    else:
        p = 0 if padding == "valid" else padding
        pads = [(p, p), (p, p)]
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    h_out = (xp.shape[1] - k) // stride + 1
    w_out = (xp.shape[2] - k) // stride + 1
    y = np.zeros((n, h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            patch = xp[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            y[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return y if b is None else y + b

# %% answer max_pool
def max_pool2d(x, pool_size=2, stride=None):
    n, h, width, c = x.shape
    h_out, w_out = h // pool_size, width // pool_size              # ignores stride
    y = np.empty((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, i * pool_size:(i + 1) * pool_size, j * pool_size:(j + 1) * pool_size, :]
            y[:, i, j, :] = window.max(axis=(1, 2))
    return y

# %% answer avg_pool
def avg_pool2d(x, pool_size=2, stride=None):
    stride = pool_size if stride is None else stride
    n, h, width, c = x.shape
    h_out = (h - pool_size) // stride + 1
    w_out = (width - pool_size) // stride + 1
    y = np.empty((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size, :]
            y[:, i, j, :] = window.sum(axis=(1, 2))                # sum, not mean
    return y
