"""Wrong formulas.

- batchnorm_forward divides by the unbiased variance (ddof=1) and normalises with the batch
  statistics in inference mode: the visible test fails with the ddof hint (0/2). Its backward pass is
  the right formula for the biased variance, so against its own forward it is off (the
  gradient check) and its dgamma differs from the reference's; dbeta is still right.
- conv_relu_pool_backward skips relu_backward: the forward part passes (1), dx, dw and db fail
  with the "skips the ReLU" hint.
- sgd_momentum adds the gradient instead of subtracting it (gradient ascent): 0/1, and the
  trained network does not learn (0/3).
- layernorm_forward takes the statistics over the batch (axis 0), as batch norm does: the
  visible test fails with the hint (0/2), although its backward pass matches its own forward.
"""
EXPECTED = {"test_batchnorm_forward": 0, "test_batchnorm_backward": 0, "test_dropout": 2,
            "test_conv_block": 1, "test_network": 1, "test_sgd": 0, "test_train": 0, "test_layernorm": 0}

# %% answer batchnorm
def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, training, momentum=0.9,
                      eps=1e-5):
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axis=axes), x.var(axis=axes, ddof=1)   # unbiased, and in both modes
    if training:
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma, "axes": axes}
    return gamma * x_hat + beta, running_mean, running_var, cache


def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma, axes = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["axes"]
    count = x_hat.size // x_hat.shape[-1]
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dx_hat = dout * gamma
    dx = inv_std / count * (count * dx_hat - dx_hat.sum(axis=axes)
                            - x_hat * (dx_hat * x_hat).sum(axis=axes))
    return dx, dgamma, dbeta

# %% answer conv_block
def conv_relu_pool_forward(x, w, b):
    z = conv2d(x, w, b, padding="same")
    a = relu(z)
    return max_pool2d(a, 2), (x, w, z, a)


def conv_relu_pool_backward(dout, cache):
    x, w, z, a = cache
    da = max_pool2d_backward(dout, a, 2)
    return conv2d_backward(da, x, w, padding="same")        # the ReLU is skipped

# %% answer sgd
def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * velocity + config["learning_rate"] * dw   # ascent
    config["velocity"] = velocity
    return w + velocity, config

# %% answer layernorm
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=0, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layernorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    n = x_hat.shape[0]
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=0, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
