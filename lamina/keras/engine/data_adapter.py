"""What fit/evaluate/predict take as data (numpy arrays, tensors, lists of them for several
inputs) as numpy arrays of one length, split for validation, and cut into batches of tensors."""

from __future__ import annotations

import math

import numpy as np

from ...frontend import dtypes as D
from ...frontend import random
from ...frontend.execute import convert_to_tensor
from ...frontend.variables import Variable
from ..engine.base_layer import nest_flatten, nest_map

__all__ = ["to_arrays", "num_samples", "train_validation_split", "batches", "num_batches",
           "shuffle_order"]


def _array(x):
    if isinstance(x, Variable) or hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def to_arrays(data):
    """`data` (nested lists/tuples/dicts of arrays or tensors) with numpy arrays at the
    leaves; None stays None."""
    if data is None:
        return None
    return nest_map(_array, data)


def num_samples(*datas):
    """The common length of every array of `datas` (the batch dim), or a ValueError as
    Keras's when they differ."""
    sizes = {}
    for label, data in zip(("x", "y", "sample_weight"), datas):
        if data is not None:
            sizes[label] = [a.shape[0] if a.ndim else 1 for a in nest_flatten(data)]
    flat = {n for v in sizes.values() for n in v}
    if len(flat) > 1:
        detail = "\n".join(f"'{k}' sizes: {', '.join(map(str, v))}" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous:\n{detail}\nMake sure all arrays "
                         f"contain the same number of samples.")
    if not flat:
        raise ValueError("Expected input data to be non-empty.")
    return flat.pop()


def _take(data, index):
    return None if data is None else nest_map(lambda a: a[index], data)


def train_validation_split(datas, validation_split):
    """(train datas, validation datas): the last `validation_split` of the samples validate,
    as Keras's split (before any shuffling)."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be in the range (0, 1), got "
                         f"{validation_split}")
    n = num_samples(*datas)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         f"a different value for the `validation_split` argument.")
    return ([_take(d, slice(0, split_at)) for d in datas],
            [_take(d, slice(split_at, n)) for d in datas])


def num_batches(n, batch_size):
    return max(1, math.ceil(n / batch_size))


def shuffle_order(n):
    """A permutation of range(n) drawn from lamina's generator (set_seed makes it
    reproducible)."""
    seed = int(random.uniform([], 0, 2 ** 62, dtype=D.int64).numpy())
    return np.random.default_rng(seed).permutation(n)


def batches(datas, batch_size, order=None):
    """Batches of tensors: per batch a tuple with one entry per data of `datas` (None where the
    data is None), in `order` (a permutation) or in sequence."""
    n = num_samples(*[d for d in datas if d is not None])
    for start in range(0, n, batch_size):
        index = slice(start, start + batch_size) if order is None else \
            order[start:start + batch_size]
        yield tuple(None if d is None else nest_map(convert_to_tensor, _take(d, index))
                    for d in datas)
