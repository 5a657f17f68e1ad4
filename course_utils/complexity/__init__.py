"""Parameter, MAC and receptive-field counting for Keras models.

``summarize(model)`` gives a per-layer table (parameters, trainable parameters, MACs
per example, activation size) whose parameter total equals ``model.count_params()``;
``conv_output_size`` is the output-size formula (from :mod:`course_utils.geometry`); ``receptive_field(model)`` follows
a chain of convolutions and pooling. The MAC convention is documented in
:mod:`course_utils.complexity._layers`: one multiply-accumulate per weight use in
convolution and dense layers; pooling, merges, activations and normalisation are
listed with 0 MACs; layer kinds without a rule are listed as not counted.
"""

from course_utils.complexity._layers import layer_macs
from course_utils.complexity.receptive import ReceptiveFieldRow, conv_output_size, receptive_field
from course_utils.complexity.summary import LayerRow, Summary, summarize

__all__ = ["summarize", "Summary", "LayerRow", "conv_output_size", "receptive_field",
           "ReceptiveFieldRow", "layer_macs"]
