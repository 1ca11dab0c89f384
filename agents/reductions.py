"""Sums of products that give the same bits in every process.

``matrix @ vector`` goes to BLAS (gemv/ddot), whose kernels pick their summation order by memory alignment
and thread count, so the same run can differ in the last bit between a CLI process and a Celery worker.
These helpers multiply elementwise and reduce with numpy's pairwise summation, which depends only on the
values and their order — what the determinism standard (scenario + seed → identical results) needs.
"""

from __future__ import annotations

import numpy as np


def row_dot(matrix, vector) -> np.ndarray:
    """``Σ_j matrix[i, j] · vector[j]`` for every row i (``matrix @ vector``), reproducible bit for bit."""
    m = np.asarray(matrix, dtype=float)
    return np.multiply(m, np.asarray(vector, dtype=float)[None, :]).sum(axis=1)


def column_dot(vector, matrix) -> np.ndarray:
    """``Σ_i vector[i] · matrix[i, j]`` for every column j (``vector @ matrix``), reproducible bit for bit."""
    m = np.asarray(matrix, dtype=float)
    return np.multiply(m, np.asarray(vector, dtype=float)[:, None]).sum(axis=0)


def dot(a, b) -> float:
    """``Σ a[i] · b[i]`` of two vectors (``a @ b``), reproducible bit for bit."""
    return float(np.multiply(np.asarray(a, dtype=float), np.asarray(b, dtype=float)).sum())
