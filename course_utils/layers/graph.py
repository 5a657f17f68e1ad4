"""``GraphConv``: the graph convolution of Kipf & Welling (ICLR 2017).

``H' = A_hat H W + b`` with the normalised adjacency ``A_hat`` of :func:`normalized_adjacency`.
"""

from __future__ import annotations


import keras
from keras import ops

__all__ = ["GraphConv", "normalized_adjacency"]


def normalized_adjacency(adjacency, *, self_loops: bool = True):
    """``D^-1/2 (A + I) D^-1/2`` of Kipf & Welling, as a float32 NumPy array.

    Parameters
    ----------
    adjacency : array-like of shape (N, N)
        Symmetric, non-negative (0/1 for an unweighted graph).
    self_loops : bool, default=True
        Add ``I`` first, so that a node keeps its own features.
    """
    import numpy as np

    a = np.asarray(adjacency, dtype="float64")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adjacency must be a square (N, N) matrix, got shape {a.shape}.")
    if (a < 0).any() or not np.allclose(a, a.T):
        raise ValueError("adjacency must be symmetric and non-negative (an undirected graph).")
    if self_loops:
        a = a + np.eye(len(a))
    degree = a.sum(axis=1)
    if (degree == 0).any():
        raise ValueError(f"node(s) {np.flatnonzero(degree == 0).tolist()} have no edges; add self "
                         "loops or remove them.")
    d = 1.0 / np.sqrt(degree)
    return (a * d[:, None] * d[None, :]).astype("float32")


@keras.saving.register_keras_serializable(package="course_utils")
class GraphConv(keras.layers.Layer):
    """Graph convolution ``H' = activation(A_hat H W + b)`` (Kipf & Welling 2017).

    Call it on ``[features, adjacency]``: node features ``(N_graphs, N_nodes, F)`` and the
    normalised adjacency ``(N_graphs, N_nodes, N_nodes)`` (:func:`normalized_adjacency`),
    so one layer works for any graph. Parameters: ``F * units (+ units)``; like a 1x1
    convolution, the weights are shared by every node, and the neighbourhood is the graph's.

    References
    ----------
    Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017.
    """

    def __init__(self, units: int, *, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}.")
        self.units, self.use_bias = units, use_bias
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("GraphConv is called on [features, adjacency], got one input of "
                             f"shape {input_shape}.")
        features, adjacency = (tuple(s) for s in input_shape)
        if len(features) != 3 or len(adjacency) != 3 or adjacency[1] != adjacency[2] \
                or (None not in (features[1], adjacency[1]) and features[1] != adjacency[1]):
            raise ValueError(f"GraphConv expects features (graphs, nodes, F) and adjacency (graphs, "
                             f"nodes, nodes), got {features} and {adjacency}.")
        self.kernel = self.add_weight(name="kernel", shape=(features[-1], self.units),
                                      initializer=self.kernel_initializer)
        self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
                     if self.use_bias else None)

    def call(self, inputs):
        features, adjacency = inputs
        outputs = ops.matmul(adjacency, ops.matmul(features, self.kernel))   # (graphs, nodes, units)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:2], self.units)

    def count_macs(self, input_shape, output_shape) -> int:
        """``N F units`` for ``H W`` plus ``N^2 units`` for the dense ``A_hat`` product."""
        n, f = input_shape[1], input_shape[2]
        return n * f * self.units + n * n * self.units

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
