"""Mistakes that the visible tests already catch (the cell scores 0 and says why).

- conv_output_size forgets the "+ 1": off by one everywhere, 0/4.
- conv2d_loop indexes the kernel as w[v, u] (transposed kernel): 0/4, hint "transposed".
- conv2d_im2col forgets the bias: 0/3, hint "the bias is missing".
im2col and pooling are the reference answers (full marks).
"""
EXPECTED = {"test_output_size": 0, "test_conv_loop": 0, "test_im2col": 3,
            "test_conv_im2col": 0, "test_max_pool": 2, "test_avg_pool": 2}

# %% answer output_size
def conv_output_size(n, kernel_size, stride=1, padding="valid", dilation=1):
    k_eff = dilation * (kernel_size - 1) + 1
    if padding == "same":
        return -(-n // stride)
    pad = {"valid": 0, "full": k_eff - 1}.get(padding, padding)
    return (n + 2 * pad - k_eff) // stride                         # missing + 1

# %% answer conv_loop
def conv2d_loop(x, w, b=None, *, stride=1, padding="valid"):
    w = w.transpose(1, 0, 2, 3)                                    # w[v, u] instead of w[u, v]
    n, h, width, _ = x.shape
    k, _, _, c_out = w.shape
    if padding == "same":
        pads = []
        for size in (h, width):
            total = max((-(-size // stride) - 1) * stride + k - size, 0)
            pads.append((total // 2, total - total // 2))
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

# %% answer conv_im2col
def conv2d_im2col(x, w, b=None, *, stride=1, padding=0):
    k, _, _, c_out = w.shape
    n, h, width, _ = x.shape
    h_out = (h + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    y = im2col(x, k, stride=stride, padding=padding) @ w.reshape(-1, c_out)   # no bias
    return y.reshape(n, h_out, w_out, c_out)
