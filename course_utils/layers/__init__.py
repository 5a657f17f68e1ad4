"""Keras layers that Keras 3 does not ship, written with ``keras.ops`` for every backend.

One module per idea, next to its paper:

=====================  ==========================================================
``locally_connected``  ``LocallyConnected2D``: a kernel per output position
``group_equivariant``  ``P4Lift``, ``P4Conv``, ``P4Pool``, ``p4_rotate`` (Cohen & Welling 2016)
``graph``              ``GraphConv``, ``normalized_adjacency`` (Kipf & Welling 2017)
``position``           ``PositionEmbedding`` for self-attention over positions
=====================  ==========================================================

A layer here may define ``count_macs(input_shape, output_shape)``; the complexity
counter (:mod:`course_utils.complexity`) uses it.
"""

from __future__ import annotations

from course_utils.layers.graph import GraphConv, normalized_adjacency
from course_utils.layers.group_equivariant import P4Conv, P4Lift, P4Pool, p4_rotate
from course_utils.layers.locally_connected import LocallyConnected2D
from course_utils.layers.position import PositionEmbedding

__all__ = ["LocallyConnected2D", "PositionEmbedding", "P4Lift", "P4Conv", "P4Pool", "p4_rotate",
           "GraphConv", "normalized_adjacency"]
