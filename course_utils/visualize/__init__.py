"""What a convnet looks at: feature maps, saliency, Grad-CAM, occlusion, activation maximisation.

One module per question: :mod:`.attribution` (where the network looks), :mod:`.features` (what a
layer computes or prefers, and the figures), :mod:`.sanity` (does a map depend on the weights).

Every gradient comes from :func:`course_utils.autodiff.value_and_grad`, so the same code runs
on TensorFlow, JAX and PyTorch. Maps come back as NumPy arrays of shape ``(N, H, W)`` (the
input's height and width); :func:`plot_maps` draws them over the images with titles and colour
bars. The first layer's filters and the feature maps reuse :func:`course_utils.plotting.plot_kernels`
and :func:`course_utils.plotting.plot_feature_maps`.

- :func:`feature_maps`: the outputs of named layers for a batch.
- :func:`saliency`: the gradient of a class score with respect to the input pixels
  (Simonyan et al., 2014), and SmoothGrad (Smilkov et al., 2017) averaging it over noisy copies.
- :func:`grad_cam`: Selvaraju et al. (2017): a convolution layer's maps weighted by the average
  gradient of the class score over each map, ReLU, upsampled.
- :func:`integrated_gradients`: Sundararajan et al. (2017): the gradient averaged along a path
  from a baseline image, times the difference; the attributions add up to the score's change.
- :func:`guided_backprop`: Springenberg et al. (2015): the pixel gradient with every ReLU passing
  back only positive gradients (sharp maps that, Adebayo et al. showed, ignore the weights).
- :func:`occlusion`: the drop in the class probability when a patch of the image is greyed out
  (Zeiler and Fergus, 2014).
- :func:`activation_maximization`: gradient ascent on an input image for one channel, with the
  regularisers of Olah et al. (2017): jitter, blur, L2 decay and a low-frequency
  parameterisation (optimising a smaller image that is upsampled).
- :func:`randomized_copy` and :func:`map_similarity`: the sanity check of Adebayo et al.
  (2018): a method whose maps do not change when the weights are randomised explains nothing.

Class scores are the logits: when the model ends in a ``Dense`` layer with a softmax, the
softmax is left out (a saturated softmax has vanishing gradients).
"""

from __future__ import annotations

from course_utils.visualize._common import last_conv_layer
from course_utils.visualize.attribution import (grad_cam, grad_cam_combine, guided_backprop,
                                                integrated_gradients, occlusion, saliency)
from course_utils.visualize.features import activation_maximization, feature_maps, plot_maps
from course_utils.visualize.sanity import map_similarity, randomized_copy

__all__ = ["feature_maps", "saliency", "grad_cam", "grad_cam_combine", "integrated_gradients",
           "guided_backprop", "occlusion", "activation_maximization", "randomized_copy",
           "map_similarity", "plot_maps", "last_conv_layer"]
