"""What happens inside training: the training error step by step, and gradient norms per layer.

:class:`StepErrors` is a Keras callback that recovers each batch's training error from the
running mean that Keras logs, so that short runs still give a curve with many points (as in
the training-error figures of the ResNet paper). :func:`gradient_norms` computes the norm of
the loss gradient with respect to every kernel of a model on one batch, with the active
backend's autodiff (lessons 06 and 11: vanishing gradients in plain and residual networks).

Example
-------
>>> errors = diagnostics.StepErrors(batch_size=128, num_samples=len(x))   # doctest: +SKIP
>>> model.fit(x, y, batch_size=128, epochs=3, callbacks=[errors])          # doctest: +SKIP
>>> errors.smoothed(10)                                                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

__all__ = ["StepErrors", "gradient_norms"]


class StepErrors(keras.callbacks.Callback):
    """Training error (%) of every batch, recovered from Keras's running mean.

    Keras logs, after batch k of an epoch, the mean accuracy over the samples seen so far in
    that epoch. With batch sizes n_i, batch k's own accuracy is
    (m_k S_k - m_(k-1) S_(k-1)) / n_k with S_k = n_1 + ... + n_k.

    Parameters
    ----------
    batch_size : int
    num_samples : int, optional
        Training samples per epoch; gives the last, smaller batch its true weight. Without
        it every batch counts ``batch_size`` samples.
    metric : str, default="accuracy"
        The logged accuracy metric.

    Attributes
    ----------
    errors : list of float
        Per-batch training error in percent, in the order of training.
    """

    def __init__(self, batch_size: int, num_samples: int | None = None, *,
                 metric: str = "accuracy"):
        super().__init__()
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if num_samples is not None and (not isinstance(num_samples, (int, np.integer))
                                        or num_samples < 1):
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}.")
        self.batch_size, self.num_samples, self.metric = int(batch_size), num_samples, metric
        self.errors: list[float] = []
        self._seen = 0
        self._mean = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._seen, self._mean = 0, 0.0

    def on_train_batch_end(self, batch, logs=None):
        if not logs or self.metric not in logs:
            raise KeyError(f"StepErrors needs the {self.metric!r} metric in the training logs "
                           f"(compile with metrics=[{self.metric!r}]); got {sorted(logs or {})}.")
        size = self.batch_size
        if self.num_samples is not None:
            size = max(1, min(size, self.num_samples - self._seen))
        mean = float(logs[self.metric])
        accuracy = (mean * (self._seen + size) - self._mean * self._seen) / size
        self._seen += size
        self._mean = mean
        self.errors.append(100.0 * (1.0 - min(1.0, max(0.0, accuracy))))

    def smoothed(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(step, error) of a trailing moving average over ``window`` batches."""
        if not isinstance(window, (int, np.integer)) or window < 1:
            raise ValueError(f"window must be a positive integer, got {window!r}.")
        errors = np.asarray(self.errors, dtype=float)
        if len(errors) < window:
            raise ValueError(f"only {len(errors)} steps recorded, fewer than the window of "
                             f"{window}.")
        averaged = np.convolve(errors, np.ones(window) / window, mode="valid")
        return np.arange(window, len(errors) + 1), averaged


def _leaf_layers(model):
    """The layers of ``model`` in order, with nested models (a wrapped network) opened."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer


def gradient_norms(model: keras.Model, x: np.ndarray, y: np.ndarray, *,
                   layer_types: Sequence[type] = (keras.layers.Conv2D, keras.layers.Dense),
                   training: bool = True) -> dict[str, float]:
    """L2 norm of d(cross-entropy)/d(kernel) for every Conv2D and Dense layer, input to output.

    Layers of nested models count too, so a network wrapped by
    :func:`course_utils.train.fit_and_evaluate` (``Run.model``) is measured as it is.

    Parameters
    ----------
    model : keras.Model
        Ends in a softmax over classes; takes ``x`` as it is.
    x : ndarray
        One batch of inputs.
    y : ndarray of int
        Their labels.
    layer_types : sequence of layer classes
        The layers whose kernels are measured.
    training : bool, default=True
        Batch normalisation in training mode (batch statistics), as during training.

    Returns
    -------
    dict of {layer name: float}
    """
    from course_utils import autodiff

    x = np.asarray(x)
    y = np.asarray(y).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
    measured = [layer for layer in _leaf_layers(model) if isinstance(layer, tuple(layer_types))]
    if not measured:
        raise ValueError(f"{model.name} has no layer of the types "
                         f"{[t.__name__ for t in layer_types]}.")
    trainable = list(model.trainable_variables)
    positions = {id(variable): i for i, variable in enumerate(trainable)}
    kernels = [positions[id(layer.kernel)] for layer in measured]
    non_trainable = [v.value for v in model.non_trainable_variables]
    values = [keras.ops.convert_to_numpy(v.value) for v in trainable]

    def loss(*weights):
        probabilities, _ = model.stateless_call(list(weights), non_trainable,
                                                keras.ops.convert_to_tensor(x), training=training)
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
            keras.ops.convert_to_tensor(y), probabilities))

    _, grads = autodiff.value_and_grad(loss, *values)
    return {layer.name: float(np.linalg.norm(grads[k])) for layer, k in zip(measured, kernels)}
