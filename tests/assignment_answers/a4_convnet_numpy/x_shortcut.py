"""Calling the course's reference is not an answer: batch norm forward and backward call
``reference.batch_norm`` and ``reference.batch_norm_backward`` (the setup cell imports the
course's scratch module as ``reference``). While grading, the references are unavailable in
the sandbox, so both exercises score 0, and so do the network and its training, which use
them; dropout, the conv block and SGD are honestly solved.
"""
EXPECTED = {"test_batchnorm_forward": 0, "test_batchnorm_backward": 0, "test_network": 0,
            "test_train": 0}

# %% answer batchnorm
def batchnorm_forward(x, gamma, beta, running_mean, running_var, *, training, momentum=0.9,
                      eps=1e-5):
    out = reference.batch_norm(x, gamma, beta, running_mean, running_var, training=training,
                               momentum=momentum, epsilon=eps)
    return out.y, out.running_mean, out.running_var, out.cache


def batchnorm_backward(dout, cache):
    return reference.batch_norm_backward(dout, cache)
