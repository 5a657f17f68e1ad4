"""Forgotten pieces.

- batchnorm_backward treats the batch mean and variance as constants (dx = dout * gamma / std):
  dgamma and dbeta are right (0.5 + 0.5), dx fails with the "constants" hint (1/3).
- dropout_forward forgets the 1 / (1 - rate) scaling: the visible test fails with the "still 1"
  hint, and the cell with it (0/2).
- the network is right, but uses the wrong batchnorm_backward: its gradients fail the check,
  the initial loss is right (1/4).
- sgd_momentum forgets the velocity (plain SGD): the second step fails with a hint (0/1).
- with these gradients and plain SGD the network reaches about 69% test accuracy, below both
  floors (0/3), with the hint to fix exercises 1-6 first.
- adam forgets the bias correction: the first step is 3.2 times the learning rate, with the
  hint, and the steps differ from Keras's Adam (0/2).
"""
EXPECTED = {"test_batchnorm_forward": 2, "test_batchnorm_backward": 1, "test_dropout": 0,
            "test_conv_block": 3, "test_network": 1, "test_sgd": 0, "test_train": 0,
            "test_adam": 0}

# %% answer batchnorm
def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, training, momentum=0.9,
                      eps=1e-5):
    axes = tuple(range(x.ndim - 1))
    if training:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma, "axes": axes}
    return gamma * x_hat + beta, running_mean, running_var, cache


def batchnorm_backward(dout, cache):
    axes = cache["axes"]
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * cache["x_hat"]).sum(axis=axes)
    dx = dout * cache["gamma"] * cache["inv_std"]          # mean and variance as constants
    return dx, dgamma, dbeta

# %% answer dropout
def dropout_forward(x, rate, *, training, rng):
    if not training or rate == 0:
        return x, None
    mask = (rng.random(x.shape) >= rate).astype(float)     # not inverted: no 1 / (1 - rate)
    return x * mask, mask


def dropout_backward(dout, mask):
    return dout if mask is None else dout * mask

# %% answer sgd
def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    return w - config["learning_rate"] * dw, config        # no velocity

# %% answer adam
def adam(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw**2
    config.update(m=m, v=v)
    return w - config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"]), config
