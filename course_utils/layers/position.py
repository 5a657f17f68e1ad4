"""``PositionEmbedding``: a learned vector added to every position of a sequence.

Self-attention over a feature map's positions treats them as a set; the embedding tells it
where each one is (Vaswani et al. 2017; Dosovitskiy et al. 2021 for images).
"""

from __future__ import annotations


import keras

__all__ = ["PositionEmbedding"]


@keras.saving.register_keras_serializable(package="course_utils")
class PositionEmbedding(keras.layers.Layer):
    """Add a learned embedding per position to a sequence ``(N, T, C)``: ``T * C`` parameters.

    Self-attention treats its tokens as a set: without this, permuting a feature map's
    positions permutes the output, and the grid structure is lost.
    """

    def __init__(self, initializer="random_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        if len(input_shape) != 3 or None in input_shape[1:]:
            raise ValueError(f"PositionEmbedding expects (batch, positions, channels) with fixed "
                             f"sizes, got {tuple(input_shape)}.")
        self.embedding = self.add_weight(name="embedding", shape=tuple(input_shape[1:]),
                                         initializer=self.initializer)

    def call(self, inputs):
        return inputs + self.embedding

    def count_macs(self, input_shape, output_shape) -> int:
        return 0

    def get_config(self):
        return {**super().get_config(), "initializer": keras.initializers.serialize(self.initializer)}
