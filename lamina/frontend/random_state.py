"""Eager use of lamina's one random generator state (Philox-4x32-10, see
lamina/dialects/lamina_ops/random.py): `STATE`, the int64 array [seed, counter] that
lamina.runtime.rng owns.

Eager draws and compiled draws share it, so that a program draws the same values whichever
way its ops run: an eager draw of n elements reads (seed, counter) and advances the counter by
n (`take`); compiled code does the same on its module's `@__lamina_rng` global
(memref<2xi64>), which loading binds to this very buffer (its address never changes: writes go
into it). `set_seed` resets the counter, so a seed gives the same sequence of draws every
time, as tf.random.set_seed.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from ..runtime.rng import STATE  # the one buffer, which compiled code is linked against

_MASK = (1 << 64) - 1

_WORDS = STATE.view(np.uint64)  # the same memory, read as the generator's unsigned words
_lock = threading.Lock()


def set_seed(seed):
    """Seed the generator (any int; None: a fresh unpredictable seed) and reset its counter."""
    if seed is None:
        seed = int.from_bytes(os.urandom(8), "little")
    with _lock:
        _WORDS[0] = int(seed) & _MASK
        _WORDS[1] = 0


def take(n):
    """(seed, counter) for a draw of `n` elements, advancing the counter past them."""
    with _lock:
        seed, counter = int(_WORDS[0]), int(_WORDS[1])
        _WORDS[1] = (counter + n) & _MASK
    return seed, counter


set_seed(None)  # as TensorFlow: unseeded programs draw differently on every run

__all__ = ["STATE", "set_seed", "take"]
