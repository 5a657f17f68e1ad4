"""Calling the course's reference is not an answer: the residual block is the zoo's
(``residual_block = zoo.basic_block``, the shortcut issue 28 found). While grading,
``zoo.basic_block`` is unavailable in the sandbox, so the block, the zeroed-block identity and
the networks built from it score 0; the training exercise is honestly solved.
"""
EXPECTED = {"test_block": 0, "test_identity": 0, "test_resnet": 0}

# %% answer block
from keras import layers

residual_block = zoo.basic_block
