"""The quality of generated samples as a classifier judges them.

Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016 (the Inception score).
"""

from __future__ import annotations


import numpy as np

__all__ = ["classifier_score"]


def classifier_score(probabilities: np.ndarray) -> dict[str, float]:
    """What a trained classifier says about generated images (softmax outputs, ``(N, K)``).

    Returns
    -------
    dict
        ``confidence`` (mean top probability), ``class_entropy_bits`` (entropy of the
        histogram of predicted classes: log2(K) when every class is generated equally often,
        0 for total mode collapse), ``classes_covered`` (classes predicted for at least 1%
        of the samples) and ``inception_score`` (``exp E[KL(p(y|x) || p(y))]``, between 1
        and K; Salimans et al. 2016, here with a digit classifier instead of Inception).
    """
    p = np.asarray(probabilities, dtype="float64")
    if p.ndim != 2 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"probabilities must be (N, K) rows that sum to 1, got shape {p.shape}.")
    k = p.shape[1]
    counts = np.bincount(p.argmax(axis=1), minlength=k) / len(p)
    nz = counts[counts > 0]
    marginal = p.mean(axis=0)
    kl = np.sum(p * (np.log(p + 1e-12) - np.log(marginal + 1e-12)), axis=1)
    return {"confidence": float(p.max(axis=1).mean()),
            "class_entropy_bits": max(0.0, float(-(nz * np.log2(nz)).sum())),
            "classes_covered": int((counts >= 0.01).sum()),
            "inception_score": float(np.exp(kl.mean()))}
