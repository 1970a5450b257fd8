"""Stage 3, model: a softmax (multinomial logistic) regression learned from the examples.

One class per FAQ entry and one for "off-topic". Trained with full-batch Adam on the mean
cross-entropy with an L2 penalty, over sparse tf-idf rows (vectorise.py) held in a scipy sparse
matrix. About 6,000 examples and 21,000 features train in under half a second; answering is
one small numpy product. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.matching.vectorise import Vector

REGULARISATION = 30.0  # C: larger fits the examples more closely (sklearn's meaning)
ITERATIONS = 120
LEARNING_RATE = 0.5
_BETAS = (0.9, 0.999)


def _rows(vectors: Sequence[Vector], width: int) -> Any:
    """The vectors as one sparse (CSR) matrix. scipy is imported here, not at module level:
    answering with a kept model never needs it (start-up stays fast)."""
    from scipy.sparse import csr_matrix  # noqa: PLC0415

    lengths = np.array([len(v.indices) for v in vectors], np.int64)
    return csr_matrix(
        (
            np.concatenate([v.values for v in vectors]).astype(np.float32),
            np.concatenate([v.indices for v in vectors]),
            np.concatenate([[0], np.cumsum(lengths)]),
        ),
        shape=(len(vectors), width),
    )


def _adam(
    value: np.ndarray, gradient: np.ndarray, moments: tuple[np.ndarray, np.ndarray], step: int
) -> None:
    """One Adam step on `value`, in place."""
    first, second = moments
    beta1, beta2 = _BETAS
    first *= beta1
    first += (1 - beta1) * gradient
    second *= beta2
    second += (1 - beta2) * gradient * gradient
    size = LEARNING_RATE * np.sqrt(1 - beta2**step) / (1 - beta1**step)
    value -= np.float32(size) * first / (np.sqrt(second) + 1e-8)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large scores."""
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


class Model:
    """Class probabilities for a vector; learned once from labelled vectors."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = weights  # (features, classes)
        self.bias = bias

    @classmethod
    def train(
        cls,
        vectors: Sequence[Vector],
        labels: Sequence[int],
        *,
        classes: int,
        width: int,
        regularisation: float = REGULARISATION,
        iterations: int = ITERATIONS,
    ) -> Model:
        """Fit on `vectors` (each with at least one feature) labelled 0..classes-1."""
        weights = np.zeros((width, classes), np.float32)
        bias = np.zeros(classes, np.float32)
        if not vectors:
            return cls(weights, bias)
        rows = _rows(vectors, width)
        columns = rows.T.tocsr()  # rows.T @ x is faster from its own CSR form
        count = len(vectors)
        target = np.zeros((count, classes), np.float32)
        target[np.arange(count), np.asarray(labels)] = 1.0
        penalty = np.float32(1.0 / (regularisation * count))
        moments = (np.zeros_like(weights), np.zeros_like(weights))
        bias_moments = (np.zeros_like(bias), np.zeros_like(bias))
        for step in range(1, iterations + 1):
            error = (softmax(rows @ weights + bias) - target) / np.float32(count)
            gradient = columns @ error + penalty * weights
            _adam(weights, gradient, moments, step)
            _adam(bias, error.sum(axis=0), bias_moments, step)
        return cls(weights, bias)

    def probabilities(self, vector: Vector) -> np.ndarray:
        """The probability of every class for one vector."""
        scores = self.bias + vector.values @ self.weights[vector.indices]
        return softmax(scores.astype(np.float64))

    def contributions(self, vector: Vector, label: int) -> list[tuple[int, float]]:
        """(column, how much it adds to `label`'s score), largest first: for `ask --explain`."""
        adds = vector.values * self.weights[vector.indices, label]
        order = np.argsort(-adds)
        return [(int(vector.indices[i]), float(adds[i])) for i in order]
