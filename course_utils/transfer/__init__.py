"""Transfer learning: a pretrained backbone, freezing, and two-phase fine-tuning.

- :func:`backbone` wraps ``keras.applications`` with ImageNet weights when the weight file is
  in the Keras cache (``~/.keras/models``) or can be downloaded. Offline it says so and, with
  ``fallback=True``, returns the **course backbone** instead: a network of the zoo pretrained
  by the course on a source task (:func:`pretrain_course_backbone`) and cached in the Keras
  cache. It always prints which weights it uses and where they came from; a weight file that
  cannot be read raises :class:`WeightsCorrupt`, never passes random weights off as pretrained.
- :func:`freeze` and :func:`unfreeze` set ``trainable`` by layer; frozen batch-norm layers run
  in inference mode (Keras's rule for ``trainable=False``), and :func:`unfreeze` keeps them
  frozen unless asked: the classic pitfall is unfreezing batch norm with a small target set,
  whose batch statistics then replace the pretrained ones.
- :func:`fine_tune`: train a new head on the frozen backbone, then unfreeze the top layers and
  continue at ``fine_tune_factor`` (0.1) times the learning rate, as the syllabus prescribes.
  The returned :class:`FineTuneReport` says which layers trained in each phase and at which rate.
"""

from __future__ import annotations

from course_utils.transfer._cache import (APPLICATIONS, LITE0_FILE, LITE0_SHA256, WeightsCorrupt, WeightsUnavailable,
                                          course_backbone_path)
from course_utils.transfer.backbones import backbone
from course_utils.transfer.course import pretrain_course_backbone
from course_utils.transfer.finetune import FineTuneReport, fine_tune, freeze, trainable_layers, unfreeze
from course_utils.transfer.imagenet import (decode_predictions, imagenet_classes, imagenet_classifier,
                                            imagenet_weights_file)

__all__ = ["backbone", "pretrain_course_backbone", "course_backbone_path", "freeze", "unfreeze",
           "trainable_layers", "fine_tune", "FineTuneReport", "WeightsUnavailable",
           "WeightsCorrupt", "APPLICATIONS", "imagenet_classifier", "imagenet_classes",
           "decode_predictions", "imagenet_weights_file", "LITE0_FILE", "LITE0_SHA256"]
