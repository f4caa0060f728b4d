"""`keras.utils`: the progress bar, the summary table, and small helpers."""

import numpy as np

from .generic_utils import Progbar
from .layer_utils import count_params, print_summary

__all__ = ["Progbar", "print_summary", "count_params", "to_categorical"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class ids -> one-hot rows (numpy, as Keras's)."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    n = int(num_classes or (y.max() + 1 if y.size else 0))
    out = np.zeros((y.size, n), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (n,))
