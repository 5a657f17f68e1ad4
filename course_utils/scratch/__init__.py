"""Convolution, pooling and friends from scratch in NumPy (no Keras needed).

Layouts are Keras's: images ``(N, H, W, C)``, kernels ``(kh, kw, C_in // groups, C_out)``.

==========================  =====================================================
``conv2d``                  vectorised (im2col) convolution, the default
``conv2d_backward``         its gradients ``(dx, dw, db)`` via col2im
``conv2d_naive``            the same convolution as plain loops, for reading
``conv2d_backward_naive``   the same gradients as plain loops
``im2col`` / ``col2im``     receptive fields to matrix rows and back
``max_pool2d``              and ``max_pool2d_backward``
``avg_pool2d``              and ``avg_pool2d_backward``
``relu``                    and ``relu_backward``
``softmax_cross_entropy``   mean loss and its gradient
``batch_norm``              training/inference modes, running statistics
``batch_norm_backward``     ``(dx, dgamma, dbeta)``
``conv1d``                  the notes' ``y[i,t] = sum_j sum_tau w[i,j,tau] x[j,t+tau]``
``conv1d_backward``         ``(dx, dw)``
``gradient_check``          central differences, maximum relative error
==========================  =====================================================
"""

from course_utils.scratch.conv import col2im, conv2d, conv2d_backward, im2col
from course_utils.scratch.gradcheck import GradientCheck, gradient_check, numerical_gradient
from course_utils.scratch.layers import (
    BatchNormOutput, batch_norm, batch_norm_backward, conv1d, conv1d_backward, relu,
    relu_backward, softmax_cross_entropy,
)
from course_utils.scratch.naive import conv2d_backward_naive, conv2d_naive
from course_utils.scratch.pooling import (
    avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
)

__all__ = [
    "conv2d", "conv2d_backward", "conv2d_naive", "conv2d_backward_naive", "im2col", "col2im",
    "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "relu", "relu_backward", "softmax_cross_entropy", "batch_norm", "batch_norm_backward",
    "BatchNormOutput", "conv1d", "conv1d_backward", "gradient_check", "GradientCheck",
    "numerical_gradient",
]
