"""A submission that misbehaves: each misbehaviour must cost only its own points.

- dropout_forward loops forever: its test cell is interrupted at the cell timeout (0/2). The
  network is built with dropout=0 and never calls it, so nothing else is lost.
- batchnorm_forward is right but prints to stderr, at definition time and on its first call:
  nothing is lost.
- the student replaced the locked test cell of sgd_momentum with `pass`: nbgrader restores it,
  and their correct function gets its point (1/1).
- the training answer cell raises after training: an error in an answer cell costs nothing by
  itself (3/3).
"""
EXPECTED = {"test_dropout": 0}

# %% answer batchnorm
import sys

print("debugging output on stderr", file=sys.stderr)
CALLS = []


def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, training, momentum=0.9,
                      eps=1e-5):
    if not CALLS:
        print("batchnorm_forward called", file=sys.stderr)
    CALLS.append(1)
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
    x_hat, inv_std, gamma, axes = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["axes"]
    count = x_hat.size // x_hat.shape[-1]
    dx_hat = dout * gamma
    dx = inv_std / count * (count * dx_hat - dx_hat.sum(axis=axes)
                            - x_hat * (dx_hat * x_hat).sum(axis=axes))
    return dx, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)

# %% answer dropout
def dropout_forward(x, rate, *, training, rng):
    import time
    while True:                                              # never returns
        time.sleep(0.5)      # (sleeping: CI's cores stay free; A2's busy loops test the same timeout)


def dropout_backward(dout, mask):
    return dout * mask

# %% test test_sgd
pass

# %% answer train
trained = SmallConvNet(x_train.shape[1:], num_filters=8, hidden=64, seed=0)
losses = train(trained, x_train, y_train, epochs=4, batch_size=50, learning_rate=0.05, momentum=0.9)
raise RuntimeError("the student's own check after training")
